// The isolation matrix of SPEC §1/§2: every platform table × every plane × every command.
// Fixtures are written by the test's superuser connection (which bypasses RLS); each probe then
// runs inside a rolled-back transaction as the role under test.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { as, rejection, useTestDatabase, type Identity } from '../../helpers/database.ts';

const db = useTestDatabase();

const A = { workspace: randomUUID(), tenant: randomUUID(), session: randomUUID() };
const B = { workspace: randomUUID(), tenant: randomUUID(), session: randomUUID() };
const user = randomUUID();
type Side = typeof A;

/** For each table: the columns of a fresh row in a workspace, and a column an update may set. */
const tables: Record<string, { row(side: Side): Record<string, unknown>; update: string }> = {
  workspaces: { row: (s) => ({ id: s === A ? randomUUID() : randomUUID(), name: 'new workspace' }), update: `name = name || '!'` },
  tenants: { row: (s) => ({ workspace_id: s.workspace, name: 'new tenant' }), update: `name = name || '!'` },
  onboarding_sessions: { row: (s) => ({ workspace_id: s.workspace, tenant_id: s.tenant, status: 'in_progress' }), update: `updated_at = now()` },
  onboarding_checkpoints: { row: (s) => ({ workspace_id: s.workspace, session_id: s.session, checkpoint: 'consent_granted' }), update: `completed_at = now()` },
  provider_connections: { row: (s) => ({ workspace_id: s.workspace, tenant_id: s.tenant, provider: 'microsoft' }), update: `last_verified_at = now()` },
  operation_runs: { row: (s) => ({ workspace_id: s.workspace, tenant_id: s.tenant, operation_type: 'inventory.sync' }), update: `last_heartbeat_at = now()` },
  findings: { row: (s) => ({ workspace_id: s.workspace, tenant_id: s.tenant, severity: 'low' }), update: `due_at = now()` },
  review_packs: { row: (s) => ({ workspace_id: s.workspace, tenant_id: s.tenant }), update: `expires_at = now()` },
  stored_reports: { row: (s) => ({ workspace_id: s.workspace, tenant_id: s.tenant, report_type: 'entra_admin_roles' }), update: `created_at = now()` },
};

async function insertRow(client: { query: (sql: string, params: unknown[]) => Promise<unknown> }, table: string, row: Record<string, unknown>) {
  const columns = Object.keys(row);
  await client.query(
    `insert into platform.${table} (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
    Object.values(row),
  );
}

beforeAll(async () => {
  const pool = db.pool;
  await pool.query(`insert into platform.users (id, display_name) values ($1, 'Ada')`, [user]);
  for (const side of [A, B]) {
    await pool.query(`insert into platform.workspaces (id, name) values ($1, 'workspace')`, [side.workspace]);
    await pool.query(`insert into platform.tenants (workspace_id, id, name) values ($1, $2, 'tenant')`, [side.workspace, side.tenant]);
    await pool.query(
      `insert into platform.onboarding_sessions (workspace_id, id, tenant_id) values ($1, $2, $3)`,
      [side.workspace, side.session, side.tenant],
    );
    // One existing row per tenant-owned table (the session and tenant exist already).
    for (const table of ['onboarding_checkpoints', 'provider_connections', 'operation_runs', 'findings', 'review_packs', 'stored_reports']) {
      const row = tables[table]!.row(side);
      if (table === 'onboarding_checkpoints') row.checkpoint = 'tenant_bound';
      await insertRow(pool, table, row);
    }
  }
});

const identities: Record<string, Identity> = {
  'admin of A': { role: 'tp_admin_plane', workspaceId: A.workspace },
  'admin of B': { role: 'tp_admin_plane', workspaceId: B.workspace },
  'admin without context': { role: 'tp_admin_plane' },
  'system operator': { role: 'tp_system_operator' },
  'DBA reader': { role: 'tp_dba_reader' },
  worker: { role: 'tp_worker' },
};

/** What each identity may do: 'own' = only its workspace's rows, 'all', 'none' (sees/affects no
 *  row), 'denied' (permission error). */
type Reach = 'own' | 'all' | 'none' | 'denied';
function expected(identity: string, table: string, command: 'select' | 'insert' | 'update' | 'delete'): Reach {
  if (identity.startsWith('admin of')) {
    if (table === 'workspaces' && (command === 'insert' || command === 'delete')) return 'denied';
    return 'own';
  }
  if (identity === 'admin without context') {
    if (table === 'workspaces' && (command === 'insert' || command === 'delete')) return 'denied';
    return command === 'insert' ? 'denied' : 'none';
  }
  if (identity === 'system operator') return command === 'select' ? 'all' : 'denied';
  // The DBA reader reads health through its views (which run as the owner), not the source truth.
  return 'denied';
}

const ownSide = (identity: string): Side => (identity === 'admin of B' ? B : A);
const otherSide = (identity: string): Side => (identity === 'admin of B' ? A : B);
const workspaceColumn = (table: string) => (table === 'workspaces' ? 'id' : 'workspace_id');

describe.each(Object.keys(tables))('platform.%s', (table) => {
  it.each(Object.keys(identities))('select as %s', async (identity) => {
    const reach = expected(identity, table, 'select');
    const query = as(db.pool, identities[identity]!, (c) =>
      c.query(`select ${workspaceColumn(table)} as workspace_id from platform.${table}`));
    if (reach === 'denied') return expect((await rejection(query)).code).toBe('42501');
    const seen = new Set((await query).rows.map((r: { workspace_id: string }) => r.workspace_id));
    if (reach === 'all') expect(seen).toEqual(new Set([A.workspace, B.workspace]));
    if (reach === 'own') expect(seen).toEqual(new Set([ownSide(identity).workspace]));
    if (reach === 'none') expect(seen.size).toBe(0);
  });

  it.each(Object.keys(identities))('insert as %s', async (identity) => {
    const reach = expected(identity, table, 'insert');
    const own = ownSide(identity);
    const tryInsert = (side: Side) =>
      as(db.pool, identities[identity]!, (c) => insertRow(c, table, tables[table]!.row(side)));
    if (reach === 'own') {
      await expect(tryInsert(own)).resolves.toBeUndefined();
      // Into another workspace: refused by the policy's WITH CHECK.
      expect((await rejection(tryInsert(otherSide(identity)))).code).toBe('42501');
    } else {
      expect((await rejection(tryInsert(own))).code).toBe('42501');
    }
  });

  it.each(Object.keys(identities))('update as %s', async (identity) => {
    const reach = expected(identity, table, 'update');
    const query = as(db.pool, identities[identity]!, async (c) => {
      const result = await c.query(`update platform.${table} set ${tables[table]!.update} returning ${workspaceColumn(table)} as workspace_id`);
      return result.rows.map((r: { workspace_id: string }) => r.workspace_id);
    });
    if (reach === 'denied') return expect((await rejection(query)).code).toBe('42501');
    const touched = new Set(await query);
    if (reach === 'own') expect(touched).toEqual(new Set([ownSide(identity).workspace]));
    if (reach === 'none') expect(touched.size).toBe(0);
  });

  it.each(Object.keys(identities))('delete as %s', async (identity) => {
    const reach = expected(identity, table, 'delete');
    const query = as(db.pool, identities[identity]!, async (c) => {
      const result = await c.query(`delete from platform.${table} returning ${workspaceColumn(table)} as workspace_id`);
      return result.rows.map((r: { workspace_id: string }) => r.workspace_id);
    });
    if (reach === 'denied') return expect((await rejection(query)).code).toBe('42501');
    const touched = new Set(await query);
    if (reach === 'own') expect(touched).toEqual(new Set([ownSide(identity).workspace]));
    if (reach === 'none') expect(touched.size).toBe(0);
  });

  it('moving a row to another workspace is refused for the admin plane', async () => {
    const query = as(db.pool, identities['admin of A']!, (c) =>
      c.query(`update platform.${table} set ${workspaceColumn(table)} = $1`, [B.workspace]));
    expect((await rejection(query)).code).toBe('42501');
  });
});

describe('platform.users', () => {
  it('is readable by the system operator only, and written by no plane', async () => {
    const select = (identity: Identity) => as(db.pool, identity, (c) => c.query('select id from platform.users'));
    expect((await select(identities['system operator']!)).rowCount).toBe(1);
    for (const name of ['admin of A', 'admin without context', 'DBA reader', 'worker']) {
      expect((await rejection(select(identities[name]!))).code, name).toBe('42501');
    }
    for (const name of Object.keys(identities)) {
      const write = as(db.pool, identities[name]!, (c) => c.query(`insert into platform.users (display_name) values ('Eve')`));
      expect((await rejection(write)).code, name).toBe('42501');
    }
  });
});

describe('the admin plane\'s workspace context', () => {
  it('is refused by name when it is no uuid, rather than read as no workspace', async () => {
    for (const [sql, params] of [
      ['select id from platform.tenants', []],
      [`insert into platform.tenants (workspace_id, name) values ($1, 'new tenant')`, [A.workspace]],
    ] as const) {
      const error = await rejection(as(db.pool, { role: 'tp_admin_plane', workspaceId: 'workspace-a' }, (c) => c.query(sql, [...params])));
      expect({ code: error.code, message: error.message, detail: error.detail }, sql).toEqual({
        code: '22P02', message: 'the workspace context is not a uuid', detail: `tenantpulse.workspace_id is 'workspace-a'`,
      });
    }
    // any spelling of a uuid names its workspace
    const { rows } = await as(db.pool, { role: 'tp_admin_plane', workspaceId: `{${A.workspace.toUpperCase()}}` },
      (c) => c.query('select workspace_id from platform.tenants'));
    expect(new Set(rows.map((r) => r.workspace_id))).toEqual(new Set([A.workspace]));
  });
});
