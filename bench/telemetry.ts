// Telemetry at scale (issue 3): 10M events over 90 days across 2,000 workspaces / 10,000 tenants
// (× BENCH_SCALE), then side by side:
//   1. the recorder vs a plain insert of the same rows into the same table, 1 and 4 clients
//      (target ≥ 0.8× the throughput);
//   2. usage_summary + usage_families for last_30_days vs the naive count(*) … group by on the
//      raw rows, identical results asserted (target: median < 100 ms and ≥ 20× faster);
//   3. prune_events() removing ~1M expired rows vs a plain delete of the same rows, each while a
//      client keeps recording (targets: ≥ 50× faster; recording keeps ≥ 90% of its throughput).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { deepStrictEqual, strictEqual } from 'node:assert';
import pg from 'pg';
import { dropExpiredPartitions, freePrunedStorage } from '../src/telemetry/prune.ts';
import { seedEvents, seedWorkspaces } from './seed.ts';

interface BenchContext {
  pool: pg.Pool;
  url: string;
  log: (line: string) => void;
}

export interface TelemetryBenchResult {
  scale: number;
  events: number;
  seedSeconds: number;
  insertPerSecond: { plain1: number; recorder1: number; plain4: number; recorder4: number };
  recorderRatio: { clients1: number; clients4: number };
  summaryMedianMs: number;
  naiveMedianMs: number;
  summarySpeedup: number;
  prune: {
    expiredRows: number;
    prunedRows: number;
    pruneMs: number;
    plainDeleteMs: number;
    plainDeleteNoRollupMs: number;
    speedup: number;
    speedupVsNoRollup: number;
    recordingKeptDuringPrune: number;
    recordingKeptDuringPlainDelete: number;
    /** The job's next step: the pruned days' storage freed, one day at a time with pauses. */
    daysFreed: number;
    freeMs: number;
    recordingKeptDuringFree: number;
    /** The step that drops the expired days' tables, a day per transaction with pauses (each locks the ledger for a moment). */
    tablesDropped: number;
    dropMs: number;
    recordingKeptDuringDrop: number;
    /** The job's last step: prune_dedup_keys, in its own transaction. */
    keysCollected: number;
    keysMs: number;
    recordingKeptDuringKeys: number;
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

const events = [
  ['onboarding.checkpoint_completed', 'onboarding_session', '{"checkpoint":"consent_granted"}'],
  ['support.diagnostics_opened', 'tenant', '{"surface":"tenant_dashboard"}'],
  ['operations.run_started', 'operation_run', '{"operation_type":"inventory.sync"}'],
  ['reports.stored_report_created', 'stored_report', '{"report_type":"permission_posture"}'],
  ['review_packs.generation_requested', 'review_pack', '{}'],
] as const;

const recorderSql = `select telemetry.record_event($1::text, $2::uuid, $3::uuid, $4::uuid, $5::text, $6::uuid, $7::jsonb, now())`;
const plainSql = `insert into telemetry.product_usage_events (workspace_id, event_name, tenant_id, actor_id, subject_type, subject_id, metadata, occurred_at)
                  values ($2::uuid, $1::text, $3::uuid, $4::uuid, $5::text, $6::uuid, $7::jsonb, now())`;

/** A pool whose sessions act as the given role (as the owner's services or the console would). */
function rolePool(url: string, role: string, max: number): pg.Pool {
  // The role is a startup option, so it is in force before the first query.
  // idleTimeoutMillis 0: a phase must not pay a fresh backend's cold start because the previous
  // phase (a minutes-long delete) let the pool close its idle connections.
  const pool = new pg.Pool({ connectionString: url, max, options: `-c role=${role}`, idleTimeoutMillis: 0 });
  pool.on('error', () => {});
  return pool;
}

export async function benchTelemetry(ctx: BenchContext): Promise<TelemetryBenchResult> {
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  const target = {
    workspaces: Math.max(10, Math.round(2000 * scale)),
    tenantsPerWorkspace: 5,
    events: Math.max(10_000, Math.round(10_000_000 * scale)),
  };
  ctx.log(`\ntelemetry (scale ${scale}): ${JSON.stringify(target)}`);
  const seedStart = performance.now();
  await seedWorkspaces(ctx.pool, target);
  const seeded = await seedEvents(ctx.pool, { events: target.events, days: 90, log: ctx.log });
  const seedSeconds = round((performance.now() - seedStart) / 1000);
  ctx.log(`  seeded ${seeded} events in ${seedSeconds} s`);

  const { rows: pairs } = await ctx.pool.query<{ workspace_id: string; tenant_id: string }>(
    `select t.workspace_id, t.id as tenant_id from platform.tenants t join platform.workspaces w on w.id = t.workspace_id
      where t.archived_at is null and w.archived_at is null order by random() limit 1000`);
  const actor = (await ctx.pool.query<{ id: string }>(`insert into platform.users (display_name) values ('Bench recorder') returning id`)).rows[0]!.id;
  const owner = rolePool(ctx.url, 'tp_owner', 6);
  let sequence = 0;
  const nextRow = () => {
    const pair = pairs[sequence % pairs.length]!;
    const [event, subjectType, metadata] = events[sequence % events.length]!;
    sequence += 1;
    return [event, pair.workspace_id, pair.tenant_id, actor, subjectType, randomUUID(), metadata];
  };

  /**
   * Statements per second over `ms`, with `clients` connections each running one at a time;
   * `progress`, when given, counts them as they complete.
   */
  const throughput = async (sql: string, clients: number, ms: number, stop?: () => boolean, progress = { done: 0 }) => {
    const end = performance.now() + ms;
    let done = 0;
    const start = performance.now();
    await Promise.all(Array.from({ length: clients }, async () => {
      const client = await owner.connect();
      try {
        while (stop ? !stop() : performance.now() < end) {
          await client.query(sql, nextRow());
          done += 1;
          progress.done += 1;
        }
      } finally {
        client.release();
      }
    }));
    return { perSecond: done / ((performance.now() - start) / 1000), done, ms: performance.now() - start };
  };

  // 1. recorder vs plain insert: interleaved rounds (plain, recorder, plain, …), so a checkpoint or
  // a noisy neighbour hits both sides alike; each side's rate is its total over its rounds.
  const rounds = 6;
  const roundMs = 1000;
  await throughput(plainSql, 1, 500); // warm up
  await throughput(recorderSql, 1, 500);
  const sideBySide = async (clients: number) => {
    const total = { plain: { done: 0, ms: 0 }, recorder: { done: 0, ms: 0 } };
    for (let round = 0; round < rounds; round += 1) {
      for (const side of ['plain', 'recorder'] as const) {
        const run = await throughput(side === 'plain' ? plainSql : recorderSql, clients, roundMs);
        total[side].done += run.done;
        total[side].ms += run.ms;
      }
    }
    return { plain: total.plain.done / (total.plain.ms / 1000), recorder: total.recorder.done / (total.recorder.ms / 1000) };
  };
  const one = await sideBySide(1);
  const four = await sideBySide(4);
  const [plain1, recorder1, plain4, recorder4] = [one.plain, one.recorder, four.plain, four.recorder];
  const insertPerSecond = { plain1: round(plain1), recorder1: round(recorder1), plain4: round(plain4), recorder4: round(recorder4) };
  const recorderRatio = { clients1: round(recorder1 / plain1, 2), clients4: round(recorder4 / plain4, 2) };
  ctx.log(`  inserts/s: plain ${insertPerSecond.plain1} vs recorder ${insertPerSecond.recorder1} (1 client, ${recorderRatio.clients1}×); ` +
    `plain ${insertPerSecond.plain4} vs recorder ${insertPerSecond.recorder4} (4 clients, ${recorderRatio.clients4}×) [target ≥ 0.8×]`);

  // 2. summary vs naive count, identical results asserted in one transaction (now() pinned)
  const summarySql = [`select * from system_api.usage_summary('last_30_days')`, `select * from system_api.usage_families('last_30_days')`];
  const naiveSql = [
    `with e as (select e.workspace_id from telemetry.product_usage_events e
                  join platform.workspaces w on w.id = e.workspace_id and w.archived_at is null
                  join platform.tenants t on t.workspace_id = e.workspace_id and t.id = e.tenant_id and t.archived_at is null
                 where e.occurred_at > now() - interval '30 days' and e.occurred_at <= now()),
          a as (select count(distinct workspace_id)::int as active, count(*)::int as total from e),
          w as (select count(*)::int as n from platform.workspaces where archived_at is null)
     select now() - interval '30 days' as window_start, now() as window_end, a.active as active_workspaces, w.n as total_workspaces,
            case when w.n = 0 then 0 else a.active::float8 / w.n end as participation_rate, a.total as total_events from a, w`,
    `select c.event_name, c.feature_area, c.label, count(x.event_name)::int as event_count
       from telemetry.event_catalog c
       left join (select e.event_name from telemetry.product_usage_events e
                    join platform.workspaces w on w.id = e.workspace_id and w.archived_at is null
                    join platform.tenants t on t.workspace_id = e.workspace_id and t.id = e.tenant_id and t.archived_at is null
                   where e.occurred_at > now() - interval '30 days' and e.occurred_at <= now()) x on x.event_name = c.event_name
      group by c.event_name, c.feature_area, c.label, c.display_order order by c.display_order`,
  ];
  const check = await ctx.pool.connect();
  try {
    await check.query('begin');
    await check.query(`set local role tp_system_operator`);
    const fast = [(await check.query(summarySql[0]!)).rows, (await check.query(summarySql[1]!)).rows];
    await check.query('reset role');
    const naive = [(await check.query(naiveSql[0]!)).rows, (await check.query(naiveSql[1]!)).rows];
    await check.query('commit');
    deepStrictEqual(fast, naive, 'usage_summary/usage_families differ from the naive count');
    ctx.log(`  last_30_days: ${JSON.stringify(fast[0]![0])}`);
  } finally {
    check.release();
  }
  const operator = rolePool(ctx.url, 'tp_system_operator', 1);
  const timeAll = async (pool: pg.Pool, statements: string[], runs: number) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const start = performance.now();
      for (const sql of statements) await pool.query(sql);
      times.push(performance.now() - start);
    }
    return median(times.slice(1)); // the first run plans and warms caches
  };
  const summaryMedianMs = round(await timeAll(operator, summarySql, 16));
  const naiveMedianMs = round(await timeAll(ctx.pool, naiveSql, 6));
  const summarySpeedup = round(naiveMedianMs / summaryMedianMs);
  ctx.log(`  usage_summary + usage_families (last_30_days): median ${summaryMedianMs} ms vs naive ${naiveMedianMs} ms = ${summarySpeedup}× [target < 100 ms, ≥ 20×]`);
  await operator.end();

  // 3. prune ~1M expired rows (10% of the seed) vs a plain delete of the same rows, while recording
  const retentionDays = 81;
  // The plain delete removes the rows older than a cutoff pinned here; the prune computes its own
  // (slightly later) cutoff, so its count is checked against the ledger itself below.
  const cutoff = (await ctx.pool.query<{ t: Date }>(`select now() - $1::int * interval '1 day' as t`, [retentionDays])).rows[0]!.t;
  const expiredRows = (await ctx.pool.query<{ n: number }>(
    `select count(*)::int as n from telemetry.product_usage_events where occurred_at < $1`, [cutoff])).rows[0]!.n;
  // The recording rate while `work` runs, beside the same recorder's rate in the `neighbourMs`
  // right before and right after it: its baseline. Only statements completing within a window
  // count (the recorder starts 200 ms earlier, so it is running when the first window opens).
  // Neighbouring windows, not one taken minutes away: the recorder's rate drifts by ±15 % over a
  // run here, which a distant baseline adds to the step's own effect.
  const neighbourMs = 2000;
  const whileRecording = async (work: () => Promise<void>) => {
    let finished = false;
    const progress = { done: 0 };
    const recording = throughput(recorderSql, 1, 0, () => finished, progress);
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const mark = () => ({ at: performance.now(), done: progress.done });
    const perSecond = (from: ReturnType<typeof mark>, to: ReturnType<typeof mark>) => (to.done - from.done) / ((to.at - from.at) / 1000);
    try {
      await wait(200);
      const opened = mark();
      await wait(neighbourMs);
      const started = mark();
      await work();
      const ended = mark();
      await wait(neighbourMs);
      const closed = mark();
      finished = true;
      const [before, during, after] = [perSecond(opened, started), perSecond(started, ended), perSecond(ended, closed)];
      return { ms: ended.at - started.at, kept: round(during / ((before + after) / 2), 2), before: round(before), after: round(after), recorded: (await recording).done };
    } finally {
      finished = true;
    }
  };
  const plainDelete = async (skipRollup: boolean) => whileRecording(async () => {
    const c = await owner.connect();
    try {
      await c.query('begin');
      if (skipRollup) await c.query(`select set_config('tenantpulse.rollup_batched_delete', 'on', true)`);
      const { rowCount } = await c.query(`delete from telemetry.product_usage_events where occurred_at < $1`, [cutoff]);
      strictEqual(rowCount, expiredRows);
      await c.query('rollback'); // keep the rows for the prune
    } finally {
      c.release();
    }
  });
  // The plain delete as any owner statement runs it maintains the rollups row by row: the prune's
  // target is measured against it, side by side (~5 minutes at full scale;
  // BENCH_TELEMETRY_FULL_DELETE=0 skips it when repeating other figures). The delete without
  // rollup upkeep, which leaves the rollups wrong, is the lower bound any delete could reach.
  const withRollup = process.env.BENCH_TELEMETRY_FULL_DELETE !== '0';
  const plainNoRollup = await plainDelete(true);
  const plain = withRollup ? await plainDelete(false) : { ms: Number.NaN, kept: Number.NaN, before: Number.NaN, after: Number.NaN, recorded: 0 };
  // The rolled-back deletes left a state no live ledger has: every expired row marked by an
  // aborted delete, and, from the rollup upkeep, ~1 M dead row versions in the rollups of the
  // days they touched (the straddling day's among them, which the prune updates). Vacuumed, as
  // autovacuum would have long before a day is 90 days old: unvacuumed, the prune took 480 ms
  // against 294 ms and recording kept 0.86× against 0.91× beside it (bench/RESULTS.md).
  await ctx.pool.query(`vacuum telemetry.product_usage_events, telemetry.usage_daily_rollup,
                          telemetry.usage_daily_workspace_rollup, telemetry.usage_hourly_event_rollup`);
  await ctx.pool.query('update telemetry.settings set retention_days = $1', [retentionDays]);
  const ledgerSize = async () => Number((await ctx.pool.query<{ n: string }>('select count(*) as n from telemetry.product_usage_events')).rows[0]!.n);
  // The rolled-back deletes wrote gigabytes of WAL: a checkpoint they would trigger at a random
  // moment is taken now, so it falls neither in the prune nor in its baseline.
  await ctx.pool.query('checkpoint');
  const sizeBefore = await ledgerSize();
  const worker = rolePool(ctx.url, 'tp_worker', 1);
  await worker.query('select 1'); // the job runner's connection is open before its task starts
  // Each step of the retention job, timed beside recording on the job's connection; `n` is the
  // count the step returns (a function's result, or a paced loop's total).
  const jobStep = async (step: string | ((client: pg.PoolClient) => Promise<number>)) => {
    let n = 0;
    const timing = await whileRecording(async () => {
      const client = await worker.connect();
      try {
        n = typeof step === 'string' ? Number((await client.query<{ n: string | number }>(step)).rows[0]!.n) : await step(client);
      } finally {
        client.release();
      }
    });
    return { n, ...timing };
  };
  const pruned = await jobStep('select telemetry.prune_events() as n');
  const removed = pruned.n;
  const freed = await jobStep(freePrunedStorage);
  const daysFreed = freed.n;
  const dropped = await jobStep(dropExpiredPartitions);
  const tablesDropped = dropped.n;
  // The job's last step: the de-duplication keys of the pruned events (~0.8 of them), one delete.
  const collected = await jobStep('select telemetry.prune_dedup_keys() as n');
  const keysCollected = collected.n;
  await worker.end();
  await ctx.pool.query('update telemetry.settings set retention_days = 90');
  // exact: what the prune says it removed is what left the ledger (beside what was recorded meanwhile),
  // nothing older than its cutoff is left, and it is at least the rows the plain delete removed
  strictEqual(await ledgerSize(), sizeBefore + pruned.recorded + freed.recorded + dropped.recorded + collected.recorded - removed, 'prune_events reported a different number than it removed');
  const keysLeft = (await ctx.pool.query<{ n: number }>(
    `select count(*)::int as n from telemetry.event_dedup_keys where occurred_at < (select max(cutoff) from telemetry.prune_runs)`)).rows[0]!.n;
  strictEqual(keysLeft, 0, 'de-duplication keys of pruned events survived prune_dedup_keys');
  const left = (await ctx.pool.query<{ n: number }>(
    `select count(*)::int as n from telemetry.product_usage_events where occurred_at < (select max(cutoff) from telemetry.prune_runs)`)).rows[0]!.n;
  strictEqual(left, 0, 'rows older than the cutoff survived the prune');
  if (removed < expiredRows) throw new Error(`prune removed ${removed} rows, fewer than the ${expiredRows} expired ones`);
  const prune = {
    expiredRows,
    prunedRows: removed,
    pruneMs: round(pruned.ms),
    plainDeleteMs: round(plain.ms),
    plainDeleteNoRollupMs: round(plainNoRollup.ms),
    speedup: round(plain.ms / pruned.ms),
    speedupVsNoRollup: round(plainNoRollup.ms / pruned.ms),
    recordingKeptDuringPrune: pruned.kept,
    recordingKeptDuringPlainDelete: (withRollup ? plain : plainNoRollup).kept,
    daysFreed,
    freeMs: round(freed.ms),
    recordingKeptDuringFree: freed.kept,
    tablesDropped,
    dropMs: round(dropped.ms),
    recordingKeptDuringDrop: dropped.kept,
    keysCollected,
    keysMs: round(collected.ms),
    recordingKeptDuringKeys: collected.kept,
  };
  const versusPlain = withRollup ? `${prune.plainDeleteMs} ms (${prune.speedup}×; ` : 'not timed (BENCH_TELEMETRY_FULL_DELETE=0; ';
  ctx.log(`  prune of ${expiredRows} expired rows: ${prune.pruneMs} ms vs plain delete ${versusPlain}` +
    `${prune.plainDeleteNoRollupMs} ms = ${prune.speedupVsNoRollup}× without rollup upkeep) [target ≥ 50×]; recording kept ` +
    `${prune.recordingKeptDuringPrune}× of ${round((pruned.before + pruned.after) / 2)}/s (${pruned.before} before, ${pruned.after} after) during the prune (${prune.recordingKeptDuringPlainDelete}× during the plain delete) [target ≥ 0.9×]; ` +
    `then freeing the storage of ${daysFreed} pruned days: ${prune.freeMs} ms, recording kept ${prune.recordingKeptDuringFree}× [target ≥ 0.9×]; ` +
    `then dropping ${tablesDropped} tables of expired days, a day at a time with pauses: ${prune.dropMs} ms, recording kept ${prune.recordingKeptDuringDrop}×; ` +
    `then collecting ${keysCollected} de-duplication keys of pruned events: ${prune.keysMs} ms, recording kept ${prune.recordingKeptDuringKeys}×`);
  await owner.end();

  return { scale, events: seeded, seedSeconds, insertPerSecond, recorderRatio, summaryMedianMs, naiveMedianMs, summarySpeedup, prune };
}
