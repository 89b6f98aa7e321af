// Source-truth constraints of SPEC §2: state values outside their lists, and rows whose tenant
// belongs to another workspace, are refused; checkpoints take their workspace from the session.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { as, rejection, useTestDatabase } from '../../helpers/database.ts';

const db = useTestDatabase();
const A = { workspace: randomUUID(), tenant: randomUUID(), session: randomUUID() };
const B = { workspace: randomUUID(), tenant: randomUUID() };

beforeAll(async () => {
  for (const side of [A, B]) {
    await db.pool.query(`insert into platform.workspaces (id, name) values ($1, 'w')`, [side.workspace]);
    await db.pool.query(`insert into platform.tenants (workspace_id, id, name) values ($1, $2, 't')`, [side.workspace, side.tenant]);
  }
  await db.pool.query(`insert into platform.onboarding_sessions (workspace_id, id, tenant_id) values ($1, $2, $3)`, [A.workspace, A.session, A.tenant]);
});

/** Inserts in a rolled-back transaction as the owner (the writer that bypasses no rule). */
const insert = (sql: string, params: unknown[]) => as(db.pool, { role: 'tp_owner' }, (c) => c.query(sql, params));

const stateColumns: Array<[string, string, string, string]> = [
  // table, column, an insert with $1 = workspace, $2 = tenant, $3 = the value, a valid value
  ['onboarding_sessions', 'status', `insert into platform.onboarding_sessions (workspace_id, tenant_id, status) values ($1, $2, $3)`, 'blocked'],
  ['provider_connections', 'consent_status', `insert into platform.provider_connections (workspace_id, tenant_id, provider, consent_status) values ($1, $2, 'microsoft', $3)`, 'revoked'],
  ['provider_connections', 'verification_status', `insert into platform.provider_connections (workspace_id, tenant_id, provider, verification_status) values ($1, $2, 'microsoft', $3)`, 'failed'],
  ['operation_runs', 'status', `insert into platform.operation_runs (workspace_id, tenant_id, operation_type, status) values ($1, $2, 'inventory.sync', $3)`, 'cancelled'],
  ['findings', 'severity', `insert into platform.findings (workspace_id, tenant_id, severity) values ($1, $2, $3)`, 'critical'],
  ['findings', 'status', `insert into platform.findings (workspace_id, tenant_id, severity, status) values ($1, $2, 'low', $3)`, 'risk_accepted'],
  ['review_packs', 'status', `insert into platform.review_packs (workspace_id, tenant_id, status) values ($1, $2, $3)`, 'generating'],
  ['stored_reports', 'report_type', `insert into platform.stored_reports (workspace_id, tenant_id, report_type) values ($1, $2, $3)`, 'permission_posture'],
];

describe('state values', () => {
  it.each(stateColumns)('%s.%s accepts listed values and refuses others', async (_table, _column, sql, valid) => {
    await expect(insert(sql, [A.workspace, A.tenant, valid])).resolves.toBeDefined();
    for (const bad of ['unknown_state', valid.toUpperCase(), '']) {
      expect((await rejection(insert(sql, [A.workspace, A.tenant, bad]))).code).toBe('23514');
    }
  });

  it('refuses a checkpoint key outside the list', async () => {
    const error = await rejection(insert(
      `insert into platform.onboarding_checkpoints (workspace_id, session_id, checkpoint) values ($1, $2, 'coffee_brewed')`,
      [A.workspace, A.session]));
    expect(error.code).toBe('23514');
  });

  it('refuses an operation_type that is not a lowercase dotted identifier of at most 64 characters', async () => {
    const sql = `insert into platform.operation_runs (workspace_id, tenant_id, operation_type) values ($1, $2, $3)`;
    await expect(insert(sql, [A.workspace, A.tenant, 'inventory.sync_all'])).resolves.toBeDefined();
    for (const bad of ['Inventory.Sync', 'inventory..sync', '1sync', 'inventory sync', `a${'.b'.repeat(32)}`]) {
      expect((await rejection(insert(sql, [A.workspace, A.tenant, bad]))).code, bad).toBe('23514');
    }
  });

  it('refuses a workspace without a name', async () => {
    expect((await rejection(insert(`insert into platform.workspaces (name) values (null)`, []))).code).toBe('23502');
  });
});

describe('workspace/tenant consistency', () => {
  const tenantTables: Array<[string, string]> = [
    ['onboarding_sessions', `insert into platform.onboarding_sessions (workspace_id, tenant_id) values ($1, $2)`],
    ['provider_connections', `insert into platform.provider_connections (workspace_id, tenant_id, provider) values ($1, $2, 'microsoft')`],
    ['operation_runs', `insert into platform.operation_runs (workspace_id, tenant_id, operation_type) values ($1, $2, 'inventory.sync')`],
    ['findings', `insert into platform.findings (workspace_id, tenant_id, severity) values ($1, $2, 'low')`],
    ['review_packs', `insert into platform.review_packs (workspace_id, tenant_id) values ($1, $2)`],
    ['stored_reports', `insert into platform.stored_reports (workspace_id, tenant_id, report_type) values ($1, $2, 'entra_admin_roles')`],
  ];

  it.each(tenantTables)('%s refuses a tenant of another workspace', async (_table, sql) => {
    await expect(insert(sql, [A.workspace, A.tenant])).resolves.toBeDefined();
    const error = await rejection(insert(sql, [A.workspace, B.tenant]));
    expect(error.code).toBe('23503');
  });

  it('refuses a checkpoint whose workspace is not its session\'s', async () => {
    const error = await rejection(insert(
      `insert into platform.onboarding_checkpoints (workspace_id, session_id, checkpoint) values ($1, $2, 'tenant_bound')`,
      [B.workspace, A.session]));
    expect(error.code).toBe('23503');
  });

  it('fills a checkpoint\'s workspace from its session when the writer omits it', async () => {
    const { rows } = await insert(
      `insert into platform.onboarding_checkpoints (session_id, checkpoint) values ($1, 'tenant_bound') returning workspace_id`,
      [A.session]);
    expect(rows[0].workspace_id).toBe(A.workspace);
  });

  it('refuses a checkpoint without a session as a missing session_id, whether or not its workspace is given', async () => {
    for (const [sql, params] of [
      [`insert into platform.onboarding_checkpoints (session_id, checkpoint) values (null, 'tenant_bound')`, []],
      [`insert into platform.onboarding_checkpoints (workspace_id, session_id, checkpoint) values ($1, null, 'tenant_bound')`, [A.workspace]],
    ] as const) {
      const error = await rejection(insert(sql, [...params]));
      expect([error.code, error.column]).toEqual(['23502', 'session_id']);
    }
  });

  it('does not let the admin plane fill a checkpoint from another workspace\'s session', async () => {
    const error = await rejection(as(db.pool, { role: 'tp_admin_plane', workspaceId: B.workspace }, (c) =>
      c.query(`insert into platform.onboarding_checkpoints (session_id, checkpoint) values ($1, 'tenant_bound')`, [A.session])));
    expect(error.code).toBe('23503');
  });

  it('refuses to guess when the omitted workspace is ambiguous (the same session id in two workspaces)', async () => {
    const error = await rejection(as(db.pool, { role: 'tp_owner' }, async (c) => {
      await c.query(`insert into platform.onboarding_sessions (workspace_id, id, tenant_id) values ($1, $2, $3)`, [B.workspace, A.session, B.tenant]);
      return c.query(`insert into platform.onboarding_checkpoints (session_id, checkpoint) values ($1, 'tenant_bound')`, [A.session]);
    }));
    expect([error.code, error.message]).toEqual(['23503', 'onboarding checkpoint refers to an ambiguous onboarding session']);
  });

  it('keeps a tenant in its workspace, even one with no source rows (its events would stay behind)', async () => {
    const error = await rejection(as(db.pool, { role: 'tp_owner' }, async (c) => {
      const { rows } = await c.query(`insert into platform.tenants (workspace_id, name) values ($1, 'bare') returning id`, [A.workspace]);
      await c.query(`update platform.tenants set name = 'renamed', workspace_id = workspace_id where id = $1`, [rows[0].id]);
      return c.query(`update platform.tenants set workspace_id = $1 where id = $2`, [B.workspace, rows[0].id]);
    }));
    expect([error.code, error.message]).toEqual(['23503', 'a tenant cannot move to another workspace']);
  });

  it('keeps a tenant\'s id, so its events cannot be left under an id no tenant has', async () => {
    const error = await rejection(as(db.pool, { role: 'tp_admin_plane', workspaceId: B.workspace }, async (c) => {
      const { rows } = await c.query(`insert into platform.tenants (workspace_id, name) values ($1, 'bare') returning id`, [B.workspace]);
      await c.query(`update platform.tenants set name = 'renamed', id = id where id = $1`, [rows[0].id]);
      return c.query(`update platform.tenants set id = $1 where id = $2`, [randomUUID(), rows[0].id]);
    }));
    expect([error.code, error.message]).toEqual(['23503', 'a tenant cannot change its id']);
  });

  it('removes a workspace\'s rows with it (on delete cascade)', async () => {
    const remaining = await as(db.pool, { role: 'tp_owner' }, async (c) => {
      await c.query('delete from platform.workspaces where id = $1', [A.workspace]);
      const { rows } = await c.query('select count(*)::int as n from platform.tenants where workspace_id = $1', [A.workspace]);
      return rows[0].n;
    });
    expect(remaining).toBe(0);
  });
});
