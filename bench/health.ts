// Customer health at scale (SPEC §4, issue 4): 2,000 workspaces, 10,000 tenants, 1M operation
// runs, 500k findings, 50k review packs and 10M events (× BENCH_SCALE). Seeds, set-based, only
// what the database lacks (the telemetry bench may already have seeded workspaces and events),
// then measures as the system operator: health_kpis and attention_workspaces for last_7_days
// (target: median < 300 ms each) and one workspace card with its dimensions (target: < 20 ms),
// and prints the slowest nodes of the dashboard's plan.
import { performance } from 'node:perf_hooks';
import type pg from 'pg';

interface BenchContext {
  pool: pg.Pool;
  url: string;
  log: (line: string) => void;
}

export interface HealthBenchResult {
  scale: number;
  rows: Record<string, number>;
  seedSeconds: number;
  kpisMedianMs: number;
  attentionMedianMs: number;
  cardMedianMs: number;
  cardP95Ms: number;
  targets: { kpisMs: 300; attentionMs: 300; cardMs: 20 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const round = (x: number) => Math.round(x * 10) / 10;

async function count(pool: pg.Pool, table: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  return rows[0]!.n;
}

/** Adds what is missing to reach the targets; a no-op on a database already seeded. */
async function seed(ctx: BenchContext, target: Record<string, number>): Promise<void> {
  const c = await ctx.pool.connect();
  try {
    const missing = async (table: string, want: number) => Math.max(0, want - (await count(ctx.pool, table)));
    // Source truth is written as the platform's services would (system-initiated rows: no
    // telemetry capture), by the superuser the bench connects as.
    let n = await missing('platform.workspaces', target.workspaces!);
    if (n > 0) {
      await c.query(`insert into platform.workspaces (name, created_at)
                     select 'Bench workspace ' || g, now() - interval '200 days' from generate_series(1, $1) as g`, [n]);
    }
    n = await missing('platform.tenants', target.tenants!);
    if (n > 0) {
      await c.query(`
        with ws as (select id, row_number() over (order by id) as rn, count(*) over () as total
                      from platform.workspaces where archived_at is null)
        insert into platform.tenants (workspace_id, name, created_at)
        select ws.id, 'Bench tenant ' || g, now() - interval '150 days'
          from generate_series(1, $1) as g join ws on ws.rn = 1 + (g % ws.total)`, [n]);
    }
    await c.query(`drop table if exists pg_temp.bench_tenants`);
    await c.query(`create temp table bench_tenants as
                   select row_number() over (order by workspace_id, id) as n, workspace_id, id
                     from platform.tenants where archived_at is null`);
    await c.query(`create index on pg_temp.bench_tenants (n)`);
    const pick = (seedExpr: string) => `1 + ((${seedExpr}) % (select count(*) from pg_temp.bench_tenants))`;

    if ((await count(ctx.pool, 'platform.onboarding_sessions')) < target.tenants!) {
      await c.query(`
        insert into platform.onboarding_sessions (workspace_id, tenant_id, status, started_at, updated_at)
        select t.workspace_id, t.id,
               (array['completed', 'completed', 'completed', 'in_progress', 'blocked', 'abandoned'])[1 + t.n % 6],
               now() - (t.n % 60) * interval '1 day', now() - (t.n % 30) * interval '1 day'
          from pg_temp.bench_tenants as t`);
    }
    if ((await count(ctx.pool, 'platform.provider_connections')) < target.tenants!) {
      await c.query(`
        insert into platform.provider_connections (workspace_id, tenant_id, provider, consent_status, verification_status, last_verified_at)
        select t.workspace_id, t.id, 'microsoft',
               (array['granted', 'granted', 'granted', 'granted', 'pending', 'revoked'])[1 + t.n % 6],
               (array['verified', 'verified', 'verified', 'unverified', 'failed'])[1 + t.n % 5],
               now() - (t.n % 10) * interval '1 day'
          from pg_temp.bench_tenants as t`);
      await c.query(`
        insert into platform.stored_reports (workspace_id, tenant_id, report_type, created_at)
        select t.workspace_id, t.id, 'permission_posture', now() - (t.n % 80) * interval '1 day'
          from pg_temp.bench_tenants as t where t.n % 2 = 0`);
    }
    n = await missing('platform.operation_runs', target.runs!);
    if (n > 0) {
      // Spread over 90 days; ~4% failed, a few in flight; ~5% tenantless.
      await c.query(`
        insert into platform.operation_runs (workspace_id, tenant_id, operation_type, status, created_at, started_at, finished_at, last_heartbeat_at)
        select t.workspace_id, case when g % 20 = 0 then null else t.id end, 'inventory.sync',
               (array['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded',
                      'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded',
                      'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'running', 'queued'])[1 + g % 25],
               now() - ((g::bigint * 7919) % 7776000) * interval '1 second',
               now() - ((g::bigint * 7919) % 7776000) * interval '1 second' + interval '1 minute',
               now() - ((g::bigint * 7919) % 7776000) * interval '1 second' + interval '5 minutes',
               now() - ((g::bigint * 7919) % 7776000) * interval '1 second' + interval '2 minutes'
          from generate_series(1, $1) as g
          join pg_temp.bench_tenants as t on t.n = ${pick('g * 31')}`, [n]);
    }
    n = await missing('platform.findings', target.findings!);
    if (n > 0) {
      await c.query(`
        insert into platform.findings (workspace_id, tenant_id, severity, status, due_at, exception_expires_at, first_seen_at, resolved_at)
        select t.workspace_id, t.id,
               (array['low', 'medium', 'medium', 'high', 'critical'])[1 + g % 5],
               (array['resolved', 'resolved', 'resolved', 'resolved', 'resolved', 'resolved', 'resolved', 'resolved', 'open', 'risk_accepted'])[1 + (g / 5) % 10],
               now() + ((g % 60) - 20) * interval '1 day',
               case when g % 3 = 0 then now() + ((g % 90) - 10) * interval '1 day' end,
               now() - (g % 300) * interval '1 day',
               case when (g / 5) % 10 < 8 then now() - (g % 100) * interval '1 day' end
          from generate_series(1, $1) as g
          join pg_temp.bench_tenants as t on t.n = ${pick('g * 17')}`, [n]);
    }
    n = await missing('platform.review_packs', target.packs!);
    if (n > 0) {
      await c.query(`
        insert into platform.review_packs (workspace_id, tenant_id, status, created_at, ready_at, expires_at)
        select t.workspace_id, case when g % 4 = 0 then null else t.id end,
               (array['ready', 'ready', 'ready', 'ready', 'ready', 'ready', 'failed', 'queued', 'generating'])[1 + g % 9],
               now() - ((g::bigint * 104729) % 7776000) * interval '1 second', null,
               case when g % 2 = 0 then now() + ((g % 40) - 10) * interval '1 day' end
          from generate_series(1, $1) as g
          join pg_temp.bench_tenants as t on t.n = ${pick('g * 13')}`, [n]);
    }
    n = await missing('telemetry.product_usage_events', target.events!);
    if (n > 0) {
      // Written as the owner would write them directly (SPEC §3.1: counted like any other row):
      // the ledger rows, then their exact daily rollup, with the per-row rollup trigger off for
      // the load (session_replication_role) — the rollup is then filled from the same rows.
      const days = (await c.query<{ days: number }>(`select least(retention_days, 90)::int as days from telemetry.settings`)).rows[0]!.days;
      await c.query(`select telemetry.ensure_partitions(now() - $1 * interval '1 day', now() + interval '7 days')`, [days]);
      const actor = (await c.query<{ actor: string }>(
        `insert into platform.users (display_name) values ('Bench actor') returning id as actor`)).rows[0]!.actor;
      const batch = 1_000_000;
      for (let done = 0; done < n; done += batch) {
        const size = Math.min(batch, n - done);
        await c.query('begin');
        await c.query(`set local session_replication_role = replica`);
        await c.query(`
          create temp table bench_events on commit drop as
          select t.workspace_id, t.id as tenant_id,
                 (array['support.diagnostics_opened', 'support.diagnostics_opened', 'operations.run_started',
                        'reports.stored_report_created', 'review_packs.generation_requested'])[1 + g % 5] as event_name,
                 now() - ((g::bigint * 7919) % ($3::bigint * 86400 - 60)) * interval '1 second' - interval '30 seconds' as occurred_at
            from generate_series($1::bigint + 1, $1::bigint + $2) as g
            join pg_temp.bench_tenants as t on t.n = 1 + ((g * 7) % (select count(*) from pg_temp.bench_tenants))
           -- a tenth of the workspaces stay silent (engagement warn/critical)
           where abs(hashtext(t.workspace_id::text)) % 10 <> 0`, [done, size, days]);
        await c.query(`
          insert into telemetry.product_usage_events (workspace_id, event_name, tenant_id, actor_id, subject_type, subject_id, metadata, occurred_at)
          select e.workspace_id, e.event_name, e.tenant_id, $1, 'tenant', gen_random_uuid(), '{}', e.occurred_at from pg_temp.bench_events as e`, [actor]);
        await c.query(`
          insert into telemetry.usage_daily_rollup as r (workspace_id, bucket_start, tenant_id, event_name, event_count)
          select e.workspace_id, date_bin('1 day', e.occurred_at, timestamptz '2000-01-01 00:00:00+00'), e.tenant_id, e.event_name, count(*)
            from pg_temp.bench_events as e group by 1, 2, 3, 4
          on conflict (workspace_id, bucket_start, tenant_id, event_name) do update set event_count = r.event_count + excluded.event_count`);
        await c.query('commit');
        ctx.log(`  health seed: events ${done + size}/${n}`);
      }
    }
    await c.query('vacuum analyze');
  } finally {
    c.release();
  }
}

async function timed(pool: pg.Pool, statements: Array<[string, unknown[]]>): Promise<number> {
  const c = await pool.connect();
  try {
    await c.query('begin');
    await c.query(`select set_config('role', 'tp_system_operator', true)`);
    const start = performance.now();
    for (const [sql, params] of statements) await c.query(sql, params);
    const ms = performance.now() - start;
    await c.query('rollback');
    return ms;
  } finally {
    c.release();
  }
}

export async function benchHealth(ctx: BenchContext): Promise<HealthBenchResult> {
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  const target = {
    workspaces: Math.max(10, Math.round(2_000 * scale)),
    tenants: Math.max(50, Math.round(10_000 * scale)),
    runs: Math.round(1_000_000 * scale),
    findings: Math.round(500_000 * scale),
    packs: Math.round(50_000 * scale),
    events: Math.round(10_000_000 * scale),
  };
  ctx.log(`\nhealth (scale ${scale}): seeding what is missing of ${JSON.stringify(target)}`);
  const seedStart = performance.now();
  await seed(ctx, target);
  const seedSeconds = round((performance.now() - seedStart) / 1000);
  const rows: Record<string, number> = {};
  for (const table of ['platform.workspaces', 'platform.tenants', 'platform.operation_runs', 'platform.findings',
    'platform.review_packs', 'telemetry.product_usage_events']) rows[table] = await count(ctx.pool, table);
  ctx.log(`  rows: ${JSON.stringify(rows)} (seeded in ${seedSeconds} s)`);

  // The seed leaves gigabytes of dirty pages: a checkpoint now writes them out, so the background
  // writes do not land in the middle of the measurements (as the telemetry bench does). Then warm
  // up and measure.
  await ctx.pool.query('checkpoint');
  const kpis: Array<[string, unknown[]]> = [[`select * from system_api.health_kpis('last_7_days')`, []]];
  const attention: Array<[string, unknown[]]> = [[`select * from system_api.attention_workspaces('last_7_days')`, []]];
  await timed(ctx.pool, kpis);
  await timed(ctx.pool, attention);
  const kpiTimes: number[] = [];
  const attentionTimes: number[] = [];
  for (let i = 0; i < 7; i++) {
    kpiTimes.push(await timed(ctx.pool, kpis));
    attentionTimes.push(await timed(ctx.pool, attention));
  }
  const { rows: sample } = await ctx.pool.query<{ id: string }>(
    `select id from platform.workspaces where archived_at is null order by md5(id::text) limit 31`);
  const cardTimes: number[] = [];
  for (const [i, { id }] of sample.entries()) {
    const ms = await timed(ctx.pool, [
      [`select * from system_api.workspace_health($1, 'last_7_days')`, [id]],
      [`select * from system_api.workspace_health_dimensions($1, 'last_7_days')`, [id]],
    ]);
    if (i > 0) cardTimes.push(ms); // the first one warms the plan cache
  }

  // The dashboard's plan: the slowest nodes (inclusive time).
  const plan = await ctx.pool.query<{ 'QUERY PLAN': string }>(
    `explain (analyze, buffers, costs off) select * from health.workspace_summary('last_7_days')`);
  const lines = plan.rows.map((r) => r['QUERY PLAN']);
  const slow = lines
    .map((line) => ({ line: line.trim(), ms: Number(/actual time=[\d.]+\.\.([\d.]+) rows=[\d.]+ loops=(\d+)/.exec(line)?.slice(1).reduce((a, b) => String(Number(a) * Number(b))) ?? 0) }))
    .filter((x) => x.ms > 0)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 8);

  const result: HealthBenchResult = {
    scale, rows, seedSeconds,
    kpisMedianMs: round(median(kpiTimes)),
    attentionMedianMs: round(median(attentionTimes)),
    cardMedianMs: round(median(cardTimes)),
    cardP95Ms: round(percentile(cardTimes, 0.95)),
    targets: { kpisMs: 300, attentionMs: 300, cardMs: 20 },
  };
  ctx.log(`  health_kpis(last_7_days)           median ${result.kpisMedianMs} ms  (target < 300 ms, ratio ${round(result.kpisMedianMs / 300)})`);
  ctx.log(`  attention_workspaces(last_7_days)  median ${result.attentionMedianMs} ms  (target < 300 ms, ratio ${round(result.attentionMedianMs / 300)})`);
  ctx.log(`  workspace_health + dimensions      median ${result.cardMedianMs} ms, p95 ${result.cardP95Ms} ms  (target < 20 ms, ratio ${round(result.cardMedianMs / 20)})`);
  ctx.log(`  plan of health.workspace_summary('last_7_days'): ${lines.at(-1)}; slowest nodes:`);
  for (const s of slow) ctx.log(`    ${s.ms.toFixed(1).padStart(9)} ms  ${s.line.slice(0, 140)}`);
  return result;
}
