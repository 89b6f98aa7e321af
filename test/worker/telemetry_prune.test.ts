// The daily prune job through graphile-worker for real: the task prunes as tp_worker and
// validates its payload; the crontab entry (03:00 UTC, stable identifier) backfills a missed day.
import { Logger, makeWorkerUtils, parseCronItems, run, runMigrations, runOnce } from 'graphile-worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { cronItems, taskList } from '../../src/worker/task-list.ts';
import { useTestDatabase } from '../helpers/database.ts';
import { createWorld, type World } from '../sql/telemetry/fixtures.ts';

const db = useTestDatabase();
const logger = new Logger(() => () => {});
const preset = { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } };
let world: World;

beforeAll(async () => {
  world = await createWorld(db.pool);
  await runMigrations({ pgPool: db.pool, logger });
});

async function seedExpired(count: number) {
  await db.pool.query(`select telemetry.ensure_partitions(now() - interval '100 days', now())`);
  await db.pool.query(
    `insert into telemetry.product_usage_events (workspace_id, event_name, tenant_id, actor_id, subject_type, subject_id, occurred_at)
     select $1, 'support.diagnostics_opened', $2, $3, 'tenant', $2, now() - interval '95 days' - i * interval '1 minute'
       from generate_series(1, $4::int) as i`,
    [world.workspaceId, world.tenantId, world.userId, count]);
}

const expiredLeft = async () =>
  (await db.pool.query(`select count(*)::int as n from telemetry.product_usage_events where occurred_at < now() - interval '90 days'`)).rows[0].n as number;
const runs = async () => (await db.pool.query('select rows_removed::int from telemetry.prune_runs order by id')).rows.map((r) => r.rows_removed as number);

describe('telemetry__prune', () => {
  it('is scheduled daily at 03:00 UTC under a stable identifier with a backfill window', () => {
    const [item] = parseCronItems(cronItems);
    expect(item).toMatchObject({ task: 'telemetry__prune', identifier: 'telemetry__prune', options: { backfillPeriod: 2 * 86_400_000, maxAttempts: 10 } });
    const digest = (iso: string) => { const d = new Date(iso); return { min: d.getUTCMinutes(), hour: d.getUTCHours(), date: d.getUTCDate(), month: d.getUTCMonth() + 1, dow: d.getUTCDay() }; };
    expect(item!.match(digest('2026-11-24T03:00:00Z'))).toBe(true);
    expect(item!.match(digest('2026-11-24T04:00:00Z'))).toBe(false);
    expect(item!.match(digest('2026-11-24T03:01:00Z'))).toBe(false);
  });

  it('prunes expired events and their de-duplication keys when the job runs, and running it again is harmless', async () => {
    await seedExpired(25);
    await db.pool.query(
      `insert into telemetry.event_dedup_keys (workspace_id, event_name, subject_id, event_id, occurred_at)
       values ($1, 'operations.run_started', gen_random_uuid(), gen_random_uuid(), now() - interval '95 days')`, [world.workspaceId]);
    const expiredKeys = async () =>
      (await db.pool.query(`select count(*)::int as n from telemetry.event_dedup_keys where occurred_at < now() - interval '90 days'`)).rows[0].n as number;
    expect(await expiredKeys()).toBeGreaterThan(0);
    const utils = await makeWorkerUtils({ pgPool: db.pool, logger });
    try {
      await utils.addJob('telemetry__prune', {});
      await runOnce({ pgPool: db.pool, taskList, logger, preset });
      expect(await expiredLeft()).toBe(0);
      expect(await expiredKeys()).toBe(0);
      await utils.addJob('telemetry__prune', {});
      await runOnce({ pgPool: db.pool, taskList, logger, preset });
    } finally {
      await utils.release();
    }
    expect((await runs()).slice(-2)).toEqual([25, 0]);
    expect((await db.pool.query('select count(*)::int as n from graphile_worker.jobs')).rows[0].n).toBe(0);
  });

  it('fails a job whose payload is not what the task expects, without pruning', async () => {
    const before = (await runs()).length;
    const utils = await makeWorkerUtils({ pgPool: db.pool, logger });
    try {
      await utils.addJob('telemetry__prune', { days: 3 }, { maxAttempts: 1 });
      // runOnce works the jobs due when it looks; under a busy parallel run, look again until tried
      for (let i = 0; i < 5; i += 1) {
        await runOnce({ pgPool: db.pool, taskList, logger, preset });
        const { rows } = await db.pool.query(`select last_error from graphile_worker.jobs where task_identifier = 'telemetry__prune'`);
        if (rows[0]?.last_error) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await utils.release();
    }
    const { rows } = await db.pool.query(`select attempts, last_error from graphile_worker.jobs where task_identifier = 'telemetry__prune'`);
    expect(rows).toHaveLength(1);
    expect(rows[0], JSON.stringify(rows[0])).toMatchObject({ attempts: 1, last_error: expect.stringMatching(/days/) });
    expect((await runs()).length).toBe(before);
    await db.pool.query('delete from graphile_worker._private_jobs');
  });

  it('lets a stop cancel a prune that waits on a lock (after the runner\'s grace period): the job is retried later', async () => {
    await seedExpired(3);
    const holder = await db.pool.connect();
    const utils = await makeWorkerUtils({ pgPool: db.pool, logger });
    try {
      await holder.query('begin');
      await holder.query('lock table telemetry.prune_runs in access exclusive mode');
      await utils.addJob('telemetry__prune', {});
      const runner = await run({ pgPool: db.pool, taskList, logger, preset: { worker: { ...preset.worker, gracefulShutdownAbortTimeout: 500 } }, pollInterval: 100, noHandleSignals: true, concurrency: 1 });
      const waiting = async () => (await db.pool.query(`select 1 from pg_locks where not granted and relation = 'telemetry.prune_runs'::regclass`)).rowCount! > 0;
      for (let i = 0; i < 100 && !(await waiting()); i += 1) await new Promise((r) => setTimeout(r, 100));
      expect(await waiting(), 'the prune waits for the lock').toBe(true);
      const started = performance.now();
      const giveUp = setTimeout(() => void holder.query('rollback'), 8000); // (a stop that waits for the lock ends after all)
      await runner.stop();
      clearTimeout(giveUp);
      expect(performance.now() - started, 'the stop did not wait for the lock').toBeLessThan(5000);
    } finally {
      await holder.query('rollback');
      holder.release();
      await utils.release();
    }
    const { rows } = await db.pool.query(`select attempts, last_error, locked_at from graphile_worker.jobs where task_identifier = 'telemetry__prune'`);
    expect(rows).toEqual([{ attempts: 1, last_error: expect.stringContaining('canceling statement due to user request'), locked_at: null }]);
    expect(await expiredLeft(), 'the cancelled prune removed nothing').toBe(3);
    await db.pool.query('delete from graphile_worker._private_jobs');
    await db.pool.query(`delete from telemetry.product_usage_events where occurred_at < now() - interval '90 days'`);
  });

  it('catches up a missed day from the crontab: the runner backfills the 03:00 run it missed', async () => {
    await seedExpired(7);
    const before = (await runs()).length;
    // The schedule has been known for a week and last ran three days ago: at least one 03:00 UTC
    // falls inside the 2-day backfill window.
    await db.pool.query(
      `insert into graphile_worker._private_known_crontabs (identifier, known_since, last_execution)
       values ('telemetry__prune', now() - interval '7 days', now() - interval '3 days')
       on conflict (identifier) do update set known_since = excluded.known_since, last_execution = excluded.last_execution`);
    const runner = await run({ pgPool: db.pool, taskList, parsedCronItems: parseCronItems(cronItems), logger, preset, pollInterval: 100, noHandleSignals: true, concurrency: 1 });
    try {
      const deadline = Date.now() + 20_000;
      while ((await runs()).length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await runner.stop();
    }
    expect((await runs()).length).toBeGreaterThan(before);
    expect(await expiredLeft()).toBe(0);
    const { rows } = await db.pool.query(`select last_execution > now() - interval '2 days' as caught_up from graphile_worker._private_known_crontabs where identifier = 'telemetry__prune'`);
    expect(rows).toEqual([{ caught_up: true }]);
  });
});
