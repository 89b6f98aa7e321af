// Who may read health (SPEC §1, §4.3): the system operator through system_api, the DBA reader
// through the health views; the admin plane neither. Everything runs with the caller's rights.
import { describe, expect, it } from 'vitest';
import { as, rejection, useTestDatabase } from '../../helpers/database.ts';
import * as fx from '../../helpers/platform-fixtures.ts';
import { become, healthyWorkspace } from '../../helpers/health-world.ts';
import { scenario } from './_scenario.ts';

const db = useTestDatabase();

const apiCalls = [
  `select * from system_api.health_kpis('last_24_hours')`,
  `select * from system_api.attention_workspaces('last_24_hours')`,
  `select * from system_api.workspace_health(gen_random_uuid(), 'last_24_hours')`,
  `select * from system_api.workspace_health_dimensions(gen_random_uuid(), 'last_24_hours')`,
  `select * from system_api.tenant_health(gen_random_uuid(), 'last_24_hours')`,
];

describe('authorization', () => {
  it.each(apiCalls)('refuses the admin plane: %s', async (sql) => {
    const err = await rejection(as(db.pool, { role: 'tp_admin_plane', workspaceId: '00000000-0000-4000-a000-000000000001' }, (c) => c.query(sql)));
    expect(err.code).toBe('42501');
  });

  it('gives no role but the system operator execute on the system_api health functions', async () => {
    const { rows } = await db.pool.query(`
      select p.proname, array_agg(r.rolname order by r.rolname) as roles
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        cross join (values ('tp_admin_plane'), ('tp_system_operator'), ('tp_dba_reader'), ('tp_worker'), ('tp_authenticator')) as r (rolname)
       where n.nspname = 'system_api'
         and p.proname in ('health_kpis', 'attention_workspaces', 'workspace_health', 'workspace_health_dimensions', 'tenant_health')
         and has_function_privilege(r.rolname, p.oid, 'execute')
       group by p.proname order by p.proname`);
    expect(rows).toEqual([
      { proname: 'attention_workspaces', roles: ['tp_system_operator'] },
      { proname: 'health_kpis', roles: ['tp_system_operator'] },
      { proname: 'tenant_health', roles: ['tp_system_operator'] },
      { proname: 'workspace_health', roles: ['tp_system_operator'] },
      { proname: 'workspace_health_dimensions', roles: ['tp_system_operator'] },
    ]);
  });

  it('refuses the admin plane the health views and catalogs', async () => {
    for (const sql of [`select * from health.workspace_health`, `select * from health.workspace_dimension_health`, `select * from health.settings`]) {
      const err = await rejection(as(db.pool, { role: 'tp_admin_plane', workspaceId: '00000000-0000-4000-a000-000000000001' }, (c) => c.query(sql)));
      expect(err.code, sql).toBe('42501');
    }
  });

  it('refuses the DBA reader the system_api functions and any change to the settings', async () => {
    const err = await rejection(as(db.pool, { role: 'tp_dba_reader' }, (c) => c.query(apiCalls[0]!)));
    expect(err.code).toBe('42501');
    const update = await rejection(as(db.pool, { role: 'tp_dba_reader' }, (c) => c.query(`update health.settings set onboarding_stall_days = 1`)));
    expect(update.code).toBe('42501');
  });

  it('gives the DBA reader the health views and the catalogs, and nothing else of ours to read or run', async () => {
    const { rows } = await db.pool.query(`
      select c.relnamespace::regnamespace || '.' || c.relname as object
        from pg_class c
       where c.relnamespace::regnamespace::text in ('platform', 'telemetry', 'health', 'system_api')
         and c.relkind in ('r', 'p', 'v', 'm') and has_table_privilege('tp_dba_reader', c.oid, 'select')
      union all
      select p.oid::regprocedure::text
        from pg_proc p
       where p.pronamespace::regnamespace::text in ('platform', 'telemetry', 'health', 'system_api')
         and has_function_privilege('tp_dba_reader', p.oid, 'execute')
       order by 1`);
    expect(rows.map((r) => r.object)).toEqual([
      'health.configured_evaluation()', 'health.configured_summary()',
      'health.dimensions', 'health.settings', 'health.workspace_dimension_health', 'health.workspace_health',
      'telemetry.check_metadata(text,jsonb)', 'telemetry.event_catalog', 'telemetry.event_metadata_rules',
      'telemetry.metadata_violation(text,jsonb)', 'telemetry.prune_runs', 'telemetry.settings',
    ]);
    for (const sql of ['select * from platform.workspaces', 'select * from platform.tenants', "select * from health.evaluate('last_24_hours', null::uuid, false)"]) {
      expect((await rejection(as(db.pool, { role: 'tp_dba_reader' }, (c) => c.query(sql)))).code, sql).toBe('42501');
    }
  });

  it('lets the operator read but not tune the thresholds', async () => {
    const err = await rejection(as(db.pool, { role: 'tp_system_operator' }, (c) => c.query(`update health.settings set onboarding_stall_days = 1`)));
    expect(err.code).toBe('42501');
  });

  it('lets the owner tune the thresholds, taking effect on the next read', () =>
    scenario(db, async (s) => {
      const w = await fx.workspace(s.c);
      const t = await fx.tenant(s.c, w);
      await fx.onboardingSession(s.c, w, t, { status: 'in_progress', updatedAgo: '5 days' });
      await become(s.c, 'tp_dba_reader');
      const level = async () => (await s.c.query(
        `select level from health.workspace_dimension_health where workspace_id = $1 and dimension = 'onboarding_readiness'`, [w])).rows[0].level;
      expect(await level()).toBe('warn');
      await s.asOwner();
      await s.c.query(`update health.settings set onboarding_stall_days = 5`);
      await become(s.c, 'tp_dba_reader');
      expect(await level()).toBe('critical');
    }));

  it('keeps health.settings to one row', async () => {
    const err = await rejection(as(db.pool, { role: 'tp_owner' }, (c) => c.query(`insert into health.settings default values`)));
    expect(err.code).toBe('23505');
    const check = await rejection(as(db.pool, { role: 'tp_owner' }, (c) => c.query(`insert into health.settings (singleton) values (false)`)));
    expect(check.code).toBe('23514');
    for (const sql of ['delete from health.settings', 'truncate health.settings']) {
      expect((await rejection(as(db.pool, { role: 'tp_owner' }, (c) => c.query(sql)))).code, sql).toBe('23001');
    }
    const { rows } = await db.pool.query(`select count(*)::int as n from health.settings`);
    expect(rows[0].n).toBe(1);
  });

  it('lets the DBA reader read the views for every active workspace, in the configured window', () =>
    scenario(db, async (s) => {
      const a = await healthyWorkspace(s.c, 'A');
      const b = await fx.workspace(s.c, { name: 'B' });
      await fx.workspace(s.c, { name: 'Archived', archived: true });
      await fx.operationRun(s.c, a.workspaceId, a.tenantId, { status: 'failed', createdAgo: '3 days' });
      await become(s.c, 'tp_dba_reader');
      const read = async () => (await s.c.query(
        `select workspace_name, operational_stability, overall_level from health.workspace_health order by workspace_name`)).rows;
      // default window: last_24_hours
      expect(await read()).toEqual([
        { workspace_name: 'A', operational_stability: 'ok', overall_level: 'ok' },
        { workspace_name: 'B', operational_stability: 'unknown', overall_level: 'critical' },
      ]);
      await s.c.query(`select set_config('tenantpulse.health_window', 'last_7_days', true)`);
      expect((await read())[0]).toEqual({ workspace_name: 'A', operational_stability: 'warn', overall_level: 'warn' });
      await s.c.query(`select set_config('tenantpulse.health_window', 'last_year', true)`);
      expect((await rejection(s.c.query(`select * from health.workspace_health`))).code).toBe('22P02');
      expect(b).toBeTruthy();
    }));

  it('documents every column of the DBA views', async () => {
    const { rows } = await db.pool.query(`
      select c.relname, a.attname from pg_attribute a join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'health' and c.relname in ('workspace_health', 'workspace_dimension_health')
         and a.attnum > 0 and col_description(c.oid, a.attnum) is null`);
    expect(rows).toEqual([]);
  });
});
