// Set-based seeding for the benchmarks (generate_series inserts, never row by row). Reused by
// the health bench. Each function tops up to the requested size, so running it twice is cheap.
import type pg from 'pg';

export interface SeedWorkspacesOptions {
  workspaces: number;
  tenantsPerWorkspace: number;
}

/** Active workspaces and tenants (created 200 / 150 days ago), up to the requested counts. */
export async function seedWorkspaces(pool: pg.Pool, { workspaces, tenantsPerWorkspace }: SeedWorkspacesOptions): Promise<{ workspaces: number; tenants: number }> {
  await pool.query(
    `insert into platform.workspaces (name, created_at)
     select 'Bench workspace ' || g, now() - interval '200 days'
       from generate_series((select count(*) from platform.workspaces) + 1, $1::bigint) as g`,
    [workspaces],
  );
  await pool.query(
    `with ws as (select id, row_number() over (order by id) as rn from platform.workspaces where archived_at is null)
     insert into platform.tenants (workspace_id, name, created_at)
     select ws.id, 'Bench tenant ' || ws.rn || '.' || k, now() - interval '150 days'
       from ws cross join generate_series(1, $1::int) as k
      where (select count(*) from platform.tenants as t where t.workspace_id = ws.id) < k`,
    [tenantsPerWorkspace],
  );
  const { rows } = await pool.query<{ workspaces: number; tenants: number }>(
    `select (select count(*) from platform.workspaces)::int as workspaces, (select count(*) from platform.tenants)::int as tenants`);
  return rows[0]!;
}

export interface SeedEventsOptions {
  /** Total ledger rows wanted. */
  events: number;
  /** Spread evenly over (now() - days, now() - 30 s]. */
  days: number;
  /** Rows per transaction. */
  batch?: number;
  log?: (line: string) => void;
}

/**
 * Ledger rows as the owner may write them directly, spread over the active tenants, the five
 * events and `days` days, with their exact rollups. They are inserted in time order, as a live
 * ledger fills: a day's rows lie together on disk, which is what the prune's row-by-row delete of
 * the day straddling its cutoff meets in production. The per-row rollup trigger is switched
 * off for the load (session_replication_role = replica, superuser) and the rollup is filled
 * set-based from the same rows — the result is what the trigger would have produced. Each
 * de-duplicated event gets its milestone's key, as the recorder would have written it: the
 * recorder's cost depends on the size of that table, so a seed without keys would flatter it.
 */
export async function seedEvents(pool: pg.Pool, { events, days, batch = 1_000_000, log = () => {} }: SeedEventsOptions): Promise<number> {
  const c = await pool.connect();
  try {
    const have = (await c.query<{ have: number }>('select count(*)::int as have from telemetry.product_usage_events')).rows[0]!.have;
    const wanted = Math.max(0, events - have);
    if (wanted === 0) return have;
    await c.query(`select telemetry.ensure_partitions(now() - $1::int * interval '1 day', now() + interval '7 days')`, [days]);
    const actor = (await c.query<{ actor: string }>(`insert into platform.users (display_name) values ('Bench actor') returning id as actor`)).rows[0]!.actor;
    await c.query('drop table if exists pg_temp.seed_tenants');
    await c.query(`create temp table seed_tenants as
                   select row_number() over (order by t.workspace_id, t.id) as n, t.workspace_id, t.id
                     from platform.tenants as t join platform.workspaces as w on w.id = t.workspace_id
                    where t.archived_at is null and w.archived_at is null`);
    await c.query('create index on pg_temp.seed_tenants (n)');
    const tenants = (await c.query<{ tenants: number }>('select count(*)::int as tenants from pg_temp.seed_tenants')).rows[0]!.tenants;
    if (tenants === 0) throw new Error('seedEvents needs active tenants: call seedWorkspaces first');
    for (let done = 0; done < wanted; done += batch) {
      const size = Math.min(batch, wanted - done);
      await c.query('begin');
      await c.query('set local session_replication_role = replica');
      await c.query(
        `create temp table seed_events on commit drop as
         select t.workspace_id, t.id as tenant_id,
                (array['onboarding.checkpoint_completed', 'support.diagnostics_opened', 'operations.run_started',
                       'reports.stored_report_created', 'review_packs.generation_requested'])[1 + g % 5] as event_name,
                -- in time order over the days, oldest first, as a ledger fills when recorded live
                now() - interval '30 seconds' - (($5::bigint - g) * ($3::bigint * 86400 - 60) / $5::bigint) * interval '1 second' as occurred_at,
                g
           from generate_series($1::bigint + 1, $1::bigint + $2::bigint) as g
           join pg_temp.seed_tenants as t on t.n = 1 + (g * 104729) % $4::bigint`,
        [have + done, size, days, tenants, events]);
      await c.query(
        `with seeded as (
         insert into telemetry.product_usage_events (workspace_id, event_name, tenant_id, actor_id, subject_type, subject_id, metadata, occurred_at)
         select e.workspace_id, e.event_name, e.tenant_id, $1,
                case e.event_name when 'onboarding.checkpoint_completed' then 'onboarding_session'
                                  when 'support.diagnostics_opened' then 'tenant'
                                  when 'operations.run_started' then 'operation_run'
                                  when 'reports.stored_report_created' then 'stored_report'
                                  else 'review_pack' end,
                gen_random_uuid(),
                case e.event_name when 'onboarding.checkpoint_completed' then '{"checkpoint":"consent_granted"}'::jsonb
                                  when 'operations.run_started' then '{"operation_type":"inventory.sync"}'
                                  else '{}' end,
                e.occurred_at
           from pg_temp.seed_events as e
          order by e.occurred_at
         returning workspace_id, id, event_name, subject_id, metadata, occurred_at)
         insert into telemetry.event_dedup_keys (workspace_id, event_name, subject_id, dedup_value, event_id, occurred_at)
         select s.workspace_id, s.event_name, s.subject_id, coalesce(s.metadata ->> c.dedup_metadata_key, ''), s.id, s.occurred_at
           from seeded as s join telemetry.event_catalog as c on c.event_name = s.event_name
          where c.deduplicated`,
        [actor]);
      await c.query(
        `insert into telemetry.usage_daily_rollup as r (workspace_id, bucket_start, tenant_id, event_name, event_count)
         select e.workspace_id, date_bin('1 day', e.occurred_at, timestamptz '2000-01-01 00:00:00+00'), e.tenant_id, e.event_name, count(*)
           from pg_temp.seed_events as e group by 1, 2, 3, 4
         on conflict (workspace_id, bucket_start, tenant_id, event_name) do update set event_count = r.event_count + excluded.event_count`);
      await c.query(
        `insert into telemetry.usage_daily_workspace_rollup as r (workspace_id, bucket_start, event_count)
         select e.workspace_id, date_bin('1 day', e.occurred_at, timestamptz '2000-01-01 00:00:00+00'), count(*)
           from pg_temp.seed_events as e group by 1, 2
         on conflict (workspace_id, bucket_start) do update set event_count = r.event_count + excluded.event_count`);
      await c.query(
        `insert into telemetry.usage_hourly_event_rollup as r (bucket_start, shard, event_name, event_count)
         select date_bin('1 hour', e.occurred_at, timestamptz '2000-01-01 00:00:00+00'), telemetry.workspace_shard(e.workspace_id), e.event_name, count(*)
           from pg_temp.seed_events as e group by 1, 2, 3
         on conflict (bucket_start, shard, event_name) do update set event_count = r.event_count + excluded.event_count`);
      await c.query('commit');
      log(`  seeded events ${have + done + size}/${events}`);
    }
    await c.query(`vacuum analyze telemetry.product_usage_events, telemetry.usage_daily_rollup, telemetry.usage_daily_workspace_rollup,
                                  telemetry.usage_hourly_event_rollup, telemetry.event_dedup_keys, platform.workspaces, platform.tenants`);
    return have + wanted;
  } catch (error) {
    await c.query('rollback').catch(() => {});
    throw error;
  } finally {
    c.release();
  }
}
