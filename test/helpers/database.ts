// Each test file gets its own database, cloned from the migrated template, so files run in
// parallel without seeing each other's rows. Tests connect as the server's superuser and switch
// identity the way production does: `set_config('role', ...)` and the tenant context, inside a
// transaction.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { urlWithDatabase } from '../../src/db/connection.ts';

export type DbRole = 'tp_owner' | 'tp_admin_plane' | 'tp_system_operator' | 'tp_dba_reader' | 'tp_worker' | 'tp_authenticator';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly pool: pg.Pool;
}


async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('postgres').adminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * A fresh database cloned from the migrated template (a sub-second file copy), or, `empty`, one
 * without the schema (the cluster's roles exist already) for commands that migrate themselves.
 */
export async function createTestDatabase({ empty = false } = {}): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const { adminUrl, template, runId } = inject('postgres');
  const name = `tp_test_${runId}_${randomBytes(4).toString('hex')}`;
  await adminQuery(empty ? `create database ${name}` : `create database ${name} template ${template}`);
  return {
    name,
    url: urlWithDatabase(adminUrl, name),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}

/**
 * A client killed when the database is dropped (with force) at teardown reports 57P01: expected.
 * Handlers on idle and checked-out clients also satisfy graphile-worker, which asks for them on
 * the pools it shares. Failed queries still reject as usual.
 */
export function ignoreTeardownErrors(pool: pg.Pool): void {
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
}

/** Registers this file's database: created before its tests, dropped after them. */
export function useTestDatabase(): TestDatabase {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 6 });
    ignoreTeardownErrors(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the test database is only available inside tests');
    return value;
  };
  return {
    get name() { return ready(database).name; },
    get url() { return ready(database).url; },
    get pool() { return ready(pool); },
  };
}

export interface Identity {
  role: DbRole;
  /** The admin plane's tenant context (`tenantpulse.workspace_id`). */
  workspaceId?: string;
  /** Further transaction-local settings. */
  settings?: Record<string, string>;
}

/**
 * Runs `fn` in a transaction as the given identity and rolls it back, whatever happens, so a test
 * leaves no rows behind. Use `commit: true` where the test needs the effect to persist.
 */
export async function as<T>(
  pool: pg.Pool,
  identity: Identity,
  fn: (client: pg.PoolClient) => Promise<T>,
  { commit = false }: { commit?: boolean } = {},
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const settings: Record<string, string> = { ...identity.settings, role: identity.role };
    if (identity.workspaceId !== undefined) settings['tenantpulse.workspace_id'] = identity.workspaceId;
    for (const [key, value] of Object.entries(settings)) {
      await client.query('select set_config($1, $2, true)', [key, value]);
    }
    const result = await fn(client);
    await client.query(commit ? 'commit' : 'rollback');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<pg.DatabaseError> {
  try {
    await promise;
  } catch (error) {
    return error as pg.DatabaseError;
  }
  throw new Error('expected the statement to be refused, but it succeeded');
}

/** The error of a statement refused inside a transaction that goes on (rolled back to a savepoint). */
export async function rejectionWithin(client: pg.PoolClient, sql: string, params: unknown[] = []): Promise<pg.DatabaseError> {
  await client.query('savepoint attempt');
  try {
    return await rejection(client.query(sql, params));
  } finally {
    await client.query('rollback to savepoint attempt');
  }
}
