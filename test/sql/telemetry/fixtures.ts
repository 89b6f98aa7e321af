// Source truth for the telemetry tests, written as the server's superuser (like a provisioning
// service would), plus small readers of what the ledger holds (superuser: RLS does not apply).
import type pg from 'pg';
import { expect } from 'vitest';
import { as } from '../../helpers/database.ts';

export interface World {
  workspaceId: string;
  tenantId: string;
  userId: string;
}

type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export async function createWorld(db: Queryable, { tenants = 1 }: { tenants?: number } = {}): Promise<World & { tenantIds: string[] }> {
  const {
    rows: [workspace],
  } = await db.query<{ id: string }>(`insert into platform.workspaces (name) values ('Acme ' || gen_random_uuid()) returning id`);
  const tenantIds: string[] = [];
  for (let i = 0; i < tenants; i += 1) {
    const { rows } = await db.query<{ id: string }>(
      `insert into platform.tenants (workspace_id, name) values ($1, 'Tenant ${i}') returning id`,
      [workspace!.id],
    );
    tenantIds.push(rows[0]!.id);
  }
  const {
    rows: [user],
  } = await db.query<{ id: string }>(`insert into platform.users (display_name) values ('Ada') returning id`);
  return { workspaceId: workspace!.id, tenantId: tenantIds[0]!, tenantIds, userId: user!.id };
}

/** Ledger rows of a workspace (read as the superuser). */
export async function ledgerRows(db: Queryable, workspaceId: string) {
  const { rows } = await db.query<{ id: string; event_name: string; tenant_id: string; actor_id: string; subject_type: string; subject_id: string; metadata: Record<string, string>; occurred_at: Date }>(
    `select id, event_name, tenant_id, actor_id, subject_type, subject_id, metadata, occurred_at
       from telemetry.product_usage_events where workspace_id = $1 order by occurred_at, id`,
    [workspaceId],
  );
  return rows;
}

export async function ledgerCount(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from telemetry.product_usage_events');
  return rows[0]!.n;
}

/** A committed prune_events() run as tp_worker with retention_days set to `days` (left so). */
export async function pruneWithRetention(pool: pg.Pool, days: number): Promise<void> {
  await as(pool, { role: 'tp_owner' }, async (c) => {
    await c.query('update telemetry.settings set retention_days = $1', [days]);
    await c.query('set local role tp_worker');
    await c.query('select telemetry.prune_events()');
  }, { commit: true });
}

export async function dedupKeyCount(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from telemetry.event_dedup_keys');
  return rows[0]!.n;
}

/** record_event with named arguments; omitted ones take valid defaults for a review-pack request. */
export function recordSql(overrides: Record<string, string> = {}): string {
  const args: Record<string, string> = {
    event_name: `'review_packs.generation_requested'`,
    workspace_id: '$1::uuid',
    tenant_id: '$2::uuid',
    actor_id: '$3::uuid',
    subject_type: `'review_pack'`,
    subject_id: 'gen_random_uuid()',
    ...overrides,
  };
  return `select telemetry.record_event(${Object.entries(args)
    .map(([name, value]) => `${name} => ${value}`)
    .join(', ')}) as id`;
}


/**
 * The rollups count exactly what the ledger holds: telemetry.event_counts over all time (the daily
 * rollup and raw edges), the per-workspace days and the hourly shards, each against a naive count.
 */
export async function rollupMatchesLedger(db: Queryable) {
  const counted = await db.query(`select workspace_id, tenant_id, event_name, event_count::int from telemetry.event_counts('-infinity', 'infinity') order by 1, 2, 3`);
  const naive = await db.query(`select workspace_id, tenant_id, event_name, count(*)::int as event_count from telemetry.product_usage_events group by 1, 2, 3 order by 1, 2, 3`);
  expect(counted.rows).toEqual(naive.rows);
  const day = `date_bin('1 day', occurred_at, timestamptz '2000-01-01 00:00:00+00')`;
  const workspaceDays = await db.query(`select workspace_id, bucket_start, event_count::int from telemetry.usage_daily_workspace_rollup where event_count > 0 order by 1, 2`);
  const naiveWorkspaceDays = await db.query(`select workspace_id, ${day} as bucket_start, count(*)::int as event_count from telemetry.product_usage_events group by 1, 2 order by 1, 2`);
  expect(workspaceDays.rows).toEqual(naiveWorkspaceDays.rows);
  const hours = await db.query(`select bucket_start, shard, event_name, event_count::int from telemetry.usage_hourly_event_rollup where event_count > 0 order by 1, 2, 3`);
  const naiveHours = await db.query(`select date_bin('1 hour', occurred_at, timestamptz '2000-01-01 00:00:00+00') as bucket_start, telemetry.workspace_shard(workspace_id) as shard,
                                            event_name, count(*)::int as event_count
                                       from telemetry.product_usage_events group by 1, 2, 3 order by 1, 2, 3`);
  expect(hours.rows).toEqual(naiveHours.rows);
}

/** Runs fn as the system operator inside an owner's transaction, then switches back to the owner. */
export async function asOperator<T>(c: Pick<pg.PoolClient, 'query'>, fn: () => Promise<T>): Promise<T> {
  await c.query(`select set_config('role', 'tp_system_operator', true)`);
  try {
    return await fn();
  } finally {
    await c.query(`select set_config('role', 'tp_owner', true)`);
  }
}

/** The ledger and its three rollups: the tables partitioned by day. */
export const dailyTables = ['product_usage_events', 'usage_daily_rollup', 'usage_daily_workspace_rollup', 'usage_hourly_event_rollup'] as const;

/** The four daily partitions of the day `ago` before now() do not exist. */
export async function withoutPartitionsOf(c: Queryable, ago: string): Promise<string> {
  const { rows: [{ day }] } = await c.query(`select to_char((now() - $1::interval) at time zone 'UTC', 'YYYYMMDD') as day`, [ago]);
  for (const table of dailyTables) {
    await c.query(`drop table if exists telemetry.${table}_p${day}`);
  }
  return day;
}
