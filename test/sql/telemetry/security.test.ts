// Who may touch what (SPEC §1, §3): only the owner writes the ledger directly, no plane reads raw
// rows, every plane reads the catalog, the DBA reads settings and prune runs, and each function
// is executable by exactly the roles that need it.
import { beforeAll, describe, expect, it } from 'vitest';
import { as, type DbRole, type Identity, rejection, useTestDatabase } from '../../helpers/database.ts';
import { createWorld, ledgerRows, type World } from './fixtures.ts';

const db = useTestDatabase();
let world: World;
const planes: DbRole[] = ['tp_admin_plane', 'tp_system_operator', 'tp_dba_reader', 'tp_worker'];
const notOwner: DbRole[] = [...planes, 'tp_authenticator'];
const identity = (role: DbRole): Identity => ({ role, workspaceId: world.workspaceId });

beforeAll(async () => {
  world = await createWorld(db.pool);
  await as(db.pool, { role: 'tp_owner' }, (c) =>
    c.query(`select telemetry.record_event('review_packs.generation_requested', $1, $2, $3, 'review_pack', gen_random_uuid())`, [world.workspaceId, world.tenantId, world.userId]),
    { commit: true });
});

const insertSql = `insert into telemetry.product_usage_events (workspace_id, event_name, tenant_id, actor_id, subject_type, subject_id, occurred_at)
  values ($1, 'review_packs.generation_requested', $2, $3, 'review_pack', gen_random_uuid(), now())`;

describe('the ledger', () => {
  it.each(notOwner)('refuses direct insert, update and delete to %s', async (role) => {
    for (const sql of [insertSql, 'update telemetry.product_usage_events set metadata = metadata', 'delete from telemetry.product_usage_events']) {
      const params = sql === insertSql ? [world.workspaceId, world.tenantId, world.userId] : [];
      const error = await rejection(as(db.pool, identity(role), (c) => c.query(sql, params)));
      expect(error.code, `${role}: ${sql}`).toBe('42501');
    }
    expect(await ledgerRows(db.pool, world.workspaceId)).toHaveLength(1);
  });

  it.each(notOwner)('refuses %s any raw read of the ledger and of its companions', async (role) => {
    for (const table of ['product_usage_events', 'event_dedup_keys', 'usage_daily_rollup']) {
      const error = await rejection(as(db.pool, identity(role), (c) => c.query(`select * from telemetry.${table}`)));
      expect(error.code, `${role}: ${table}`).toBe('42501');
    }
  });

  it('counts a row the owner inserts, updates or deletes directly like any other', async () => {
    const w = await createWorld(db.pool);
    await as(db.pool, { role: 'tp_owner' }, async (c) => {
      const read = async () => {
        await c.query(`select set_config('role', 'tp_system_operator', true)`);
        const { rows: [summary] } = await c.query(`select * from system_api.usage_summary('last_hour')`);
        const { rows: families } = await c.query(`select event_name, event_count from system_api.usage_families('last_hour')`);
        await c.query(`select set_config('role', 'tp_owner', true)`);
        return { total: summary.total_events, active: summary.active_workspaces, packs: families.find((f) => f.event_name === 'review_packs.generation_requested')!.event_count };
      };
      const before = await read();
      await c.query(insertSql, [w.workspaceId, w.tenantId, w.userId]);
      expect(await read()).toEqual({ total: before.total + 1, active: before.active + 1, packs: before.packs + 1 });
      await c.query(`select set_config('role', 'tp_owner', true)`);
      await c.query(`update telemetry.product_usage_events set event_name = 'operations.run_started' where workspace_id = $1`, [w.workspaceId]);
      const moved = await c.query(`select event_name, event_count::int from telemetry.event_counts(now() - interval '1 day', now()) where workspace_id = $1`, [w.workspaceId]);
      expect(moved.rows).toEqual([{ event_name: 'operations.run_started', event_count: 1 }]);
      // A direct writer of older days creates their partitions first (the recorder does it itself).
      await c.query(`select telemetry.ensure_partitions(now() - interval '3 days', now())`);
      await c.query(`update telemetry.product_usage_events set occurred_at = now() - interval '3 days' where workspace_id = $1`, [w.workspaceId]);
      const old = await c.query(`select event_count::int from telemetry.event_counts(now() - interval '10 days', now()) where workspace_id = $1`, [w.workspaceId]);
      expect(old.rows).toEqual([{ event_count: 1 }]);
      await c.query(`delete from telemetry.product_usage_events where workspace_id = $1`, [w.workspaceId]);
      const gone = await c.query(`select * from telemetry.event_counts(now() - interval '10 days', now()) where workspace_id = $1`, [w.workspaceId]);
      expect(gone.rows).toEqual([]);
    });
  });
});

describe('catalog, settings and prune runs', () => {
  it.each(planes)('lets %s read the catalog and its metadata rules, in catalog order', async (role) => {
    const names = await as(db.pool, identity(role), async (c) => {
      expect((await c.query('select * from telemetry.event_metadata_rules')).rowCount).toBe(4);
      return (await c.query('select event_name from telemetry.event_catalog order by display_order')).rows.map((r) => r.event_name);
    });
    expect(names).toEqual([
      'onboarding.checkpoint_completed', 'support.diagnostics_opened', 'operations.run_started',
      'reports.stored_report_created', 'review_packs.generation_requested',
    ]);
  });

  it.each(planes)('refuses %s any change to the catalog', async (role) => {
    for (const sql of [
      `update telemetry.event_catalog set label = 'x'`,
      `delete from telemetry.event_metadata_rules`,
      `insert into telemetry.event_catalog (event_name, feature_area, label, display_order, subject_types, deduplicated) values ('a.b', 'a', 'A', 9, '{x}', false)`,
    ]) {
      expect((await rejection(as(db.pool, identity(role), (c) => c.query(sql)))).code, `${role}: ${sql}`).toBe('42501');
    }
  });

  it('lets the DBA reader read settings and prune runs, and nobody else but the owner', async () => {
    await as(db.pool, { role: 'tp_dba_reader' }, async (c) => {
      expect((await c.query('select retention_days from telemetry.settings')).rows).toEqual([{ retention_days: 90 }]);
      await c.query('select * from telemetry.prune_runs');
    });
    for (const role of ['tp_admin_plane', 'tp_system_operator', 'tp_worker'] as const) {
      for (const table of ['settings', 'prune_runs']) {
        expect((await rejection(as(db.pool, identity(role), (c) => c.query(`select * from telemetry.${table}`)))).code).toBe('42501');
      }
    }
    expect((await rejection(as(db.pool, { role: 'tp_dba_reader' }, (c) => c.query('update telemetry.settings set retention_days = 1')))).code).toBe('42501');
  });

  it('keeps retention_days between 1 and 3650 in one row', async () => {
    for (const days of [0, 3651]) {
      expect((await rejection(db.pool.query('update telemetry.settings set retention_days = $1', [days]))).code).toBe('23514');
    }
    expect((await rejection(db.pool.query('insert into telemetry.settings (singleton) values (false)'))).code).toBe('23514');
    for (const sql of ['delete from telemetry.settings', 'truncate telemetry.settings']) {
      const error = await rejection(as(db.pool, { role: 'tp_owner' }, (c) => c.query(sql)));
      expect({ code: error.code, message: error.message }, sql).toEqual({ code: '23001', message: 'telemetry.settings holds exactly one row: update it instead' });
    }
  });
});

describe('function grants', () => {
  const cases: Array<[string, DbRole[]]> = [
    [`select * from system_api.usage_summary('last_hour')`, ['tp_system_operator']],
    [`select * from system_api.usage_families('last_hour')`, ['tp_system_operator']],
    [`select * from telemetry.event_counts(now() - interval '1 hour', now())`, ['tp_system_operator']],
    [`select telemetry.prune_events()`, ['tp_worker']],
    [`select telemetry.drop_expired_partitions()`, ['tp_worker']],
    [`select telemetry.create_partitions_ahead()`, ['tp_worker']],
  ];
  it.each(cases)('%s is executable by %j only', async (sql, allowed) => {
    for (const role of notOwner) {
      const attempt = as(db.pool, identity(role), (c) => c.query(sql));
      if (allowed.includes(role)) await attempt;
      else expect((await rejection(attempt)).code, role).toBe('42501');
    }
  });
});
