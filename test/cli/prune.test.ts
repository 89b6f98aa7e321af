// `npm run prune`: the daily job's retention run on demand, on any database it is pointed at.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/db/migrations.ts';
import { createTestDatabase, useTestDatabase } from '../helpers/database.ts';
import { createWorld } from '../sql/telemetry/fixtures.ts';

const run = promisify(execFile);
const db = useTestDatabase();

const prune = (url: string, env: Record<string, string> = {}) =>
  run(process.execPath, [path.join(repoRoot, 'src/cli.ts'), 'prune'], { cwd: repoRoot, env: { ...process.env, DATABASE_URL: url, ...env } });

describe('npm run prune', () => {
  let empty: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  afterAll(() => empty?.drop());

  it('brings a database that has no schema yet to the current one first, then prunes nothing', async () => {
    empty = await createTestDatabase({ empty: true });
    const { stdout } = await prune(empty.url);
    expect(stdout).toMatch(/pruned 0 telemetry events older than \S+ \(storage of 0 days freed; 0 de-duplication keys; \d+ tables of expired days dropped, \d+ days of partitions created ahead\)/);
  });

  it('removes the expired events and their keys, following TENANTPULSE_RETENTION_DAYS, and says how many', async () => {
    const world = await createWorld(db.pool);
    await db.pool.query(`select telemetry.ensure_partitions(now() - interval '41 days', now())`);
    // (a row written directly gets its de-duplication key from the ledger's trigger)
    const { rows: [event] } = await db.pool.query<{ id: string }>(
      `insert into telemetry.product_usage_events (workspace_id, event_name, tenant_id, actor_id, subject_type, subject_id, metadata, occurred_at)
       values ($1, 'operations.run_started', $2, $3, 'operation_run', gen_random_uuid(), '{}', now() - interval '40 days') returning id`,
      [world.workspaceId, world.tenantId, world.userId]);
    const { stdout } = await prune(db.url, { TENANTPULSE_RETENTION_DAYS: '30' });
    expect(stdout).toMatch(/pruned 1 telemetry events older than \S+ \(storage of 1 days freed; 1 de-duplication keys;/);
    const left = await db.pool.query('select 1 from telemetry.product_usage_events where id = $1', [event!.id]);
    expect(left.rowCount).toBe(0);
    expect((await db.pool.query('select retention_days from telemetry.settings')).rows[0].retention_days).toBe(30);
  });
});
