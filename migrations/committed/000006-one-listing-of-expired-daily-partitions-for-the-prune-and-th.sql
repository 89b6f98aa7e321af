--! Previous: sha1:01cb9851d578d343908494721b745879a117620a
--! Hash: sha1:47d967f15a0383ad2646fc526eedaf4ce45605a3
--! Message: One listing of expired daily partitions for the prune and the partition drop

-- source: migrations/steps/begin_as_owner.sql
-- Every object is created as, and owned by, tp_owner (SPEC §1).
set local role tp_owner;

-- source: sql/telemetry/expired_partitions.sql
-- The daily partitions (ledger and its three rollups) of the UTC days wholly before p_cutoff,
-- named <table>_pYYYYMMDD: what prune_events() empties and drop_expired_partitions() drops.
create or replace function telemetry.expired_partitions(p_cutoff timestamptz)
  returns table (partition_name text, parent_name text, day timestamptz)
  language sql stable
  set search_path = pg_catalog, pg_temp
as $$
  select c.relname::text, p.relname::text, d.day
    from pg_catalog.pg_inherits as i
    join pg_catalog.pg_class as c on c.oid = i.inhrelid
    join pg_catalog.pg_class as p on p.oid = i.inhparent
    cross join lateral (select pg_catalog.right(c.relname, 8)::date::timestamp at time zone 'UTC' as day) as d
   where i.inhparent in ('telemetry.product_usage_events'::pg_catalog.regclass, 'telemetry.usage_daily_rollup'::pg_catalog.regclass,
                         'telemetry.usage_daily_workspace_rollup'::pg_catalog.regclass, 'telemetry.usage_hourly_event_rollup'::pg_catalog.regclass)
     and c.relname ~ '_p[0-9]{8}$'
     and d.day + interval '1 day' <= p_cutoff
   order by c.relname
$$;
comment on function telemetry.expired_partitions(timestamptz) is
  'Daily partitions of the ledger and its rollups whose UTC day ends at or before p_cutoff.';

-- source: sql/telemetry/prune_events.sql
-- Retention (SPEC §3.6): removes every event older than now() - retention_days, returns how many,
-- and records the run. Whole expired days are emptied with TRUNCATE of their daily partitions
-- (ledger and rollups; the count comes from the exact rollup): that locks only those old
-- partitions, never the parent tables, so recording into today's partition goes on unblocked.
-- Only the day that straddles the cutoff is deleted row by row, with its rollup decremented in
-- one statement. The emptied partitions are dropped later, in a short transaction of their own
-- (telemetry.drop_expired_partitions: a drop locks the parent). Concurrent prunes serialise on
-- an advisory lock (the second finds nothing left); the recorder never writes before the cutoff.
create or replace function telemetry.prune_events() returns bigint
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_cutoff timestamptz;
  v_cut_day timestamptz;
  v_removed bigint := 0;
  v_count bigint;
  v_partition record;
  v_found boolean;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('telemetry.prune_events'));
  select pg_catalog.now() - pg_catalog.make_interval(days => s.retention_days) into v_cutoff from telemetry.settings as s;
  v_cutoff := coalesce(v_cutoff, pg_catalog.now() - interval '90 days');
  v_cut_day := pg_catalog.date_bin('1 day', v_cutoff, timestamptz '2000-01-01 00:00:00+00');

  -- The straddling day: delete its expired rows and decrement their rollup buckets at once.
  perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', 'on', true);
  with deleted as (
    delete from telemetry.product_usage_events as e
     where e.occurred_at >= v_cut_day and e.occurred_at < v_cutoff
    returning e.workspace_id, e.tenant_id, e.event_name, e.occurred_at
  ),
  per_bucket as (
    select d.workspace_id, d.tenant_id, d.event_name, count(*) as n from deleted as d
     group by d.workspace_id, d.tenant_id, d.event_name
  ),
  decremented as (
    update telemetry.usage_daily_rollup as r
       set event_count = r.event_count - p.n
      from per_bucket as p
     where r.workspace_id = p.workspace_id and r.bucket_start = v_cut_day
       and r.tenant_id = p.tenant_id and r.event_name = p.event_name
  ),
  per_workspace as (
    select p.workspace_id, sum(p.n) as n from per_bucket as p group by p.workspace_id
  ),
  decremented_workspaces as (
    update telemetry.usage_daily_workspace_rollup as r
       set event_count = r.event_count - p.n
      from per_workspace as p
     where r.workspace_id = p.workspace_id and r.bucket_start = v_cut_day
  ),
  per_hour as (
    select pg_catalog.date_bin('1 hour', d.occurred_at, timestamptz '2000-01-01 00:00:00+00') as bucket_start,
           telemetry.workspace_shard(d.workspace_id) as shard, d.event_name, count(*) as n
      from deleted as d group by 1, 2, 3
  ),
  decremented_hours as (
    update telemetry.usage_hourly_event_rollup as r
       set event_count = r.event_count - p.n
      from per_hour as p
     where r.bucket_start = p.bucket_start and r.shard = p.shard and r.event_name = p.event_name
  )
  select coalesce(sum(p.n), 0) into v_removed from per_bucket as p;
  perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', '', true);

  -- Whole expired days (not emptied yet): count them from the rollup, then truncate ledger and
  -- rollup partitions together.
  for v_partition in
    select pg_catalog.right(x.partition_name, 8) as suffix, x.day
      from telemetry.expired_partitions(v_cutoff) as x
     where x.parent_name = 'product_usage_events'
  loop
    -- (through the parent: its policies are the ones that apply, and it prunes to the day)
    select exists (select from telemetry.product_usage_events as e
                    where e.occurred_at >= v_partition.day and e.occurred_at < v_partition.day + interval '1 day')
      into v_found;
    continue when not v_found;
    select coalesce(sum(r.event_count), 0) into v_count from telemetry.usage_daily_workspace_rollup as r
     where r.bucket_start = v_partition.day;
    execute pg_catalog.format('truncate telemetry.%I, telemetry.%I, telemetry.%I, telemetry.%I',
      'product_usage_events_p' || v_partition.suffix, 'usage_daily_rollup_p' || v_partition.suffix,
      'usage_daily_workspace_rollup_p' || v_partition.suffix, 'usage_hourly_event_rollup_p' || v_partition.suffix);
    v_removed := v_removed + v_count;
  end loop;

  -- Keep a week of partitions ready ahead.
  perform telemetry.ensure_partitions(pg_catalog.now(), pg_catalog.now() + interval '7 days');

  insert into telemetry.prune_runs (cutoff, rows_removed) values (v_cutoff, v_removed);
  return v_removed;
end
$$;
comment on function telemetry.prune_events() is
  'Deletes every event older than now() - retention_days (truncating whole expired days), records the run in telemetry.prune_runs and returns how many events it removed. Safe beside recording and beside itself.';
grant execute on function telemetry.prune_events() to tp_worker;

-- source: sql/telemetry/drop_expired_partitions.sql
-- The daily partitions (ledger and rollups) of days wholly before the last prune's cutoff, once
-- empty, are dropped here, in a short transaction of its own after prune_events(): a drop locks
-- its parent table exclusively, which pauses recording for the moment it takes. Waiting for
-- that lock is bounded (lock_timeout): when recording keeps the tables busy, nothing is dropped
-- and the next run tries again. A partition that still holds rows is left for the next prune.
create or replace function telemetry.drop_expired_partitions() returns int
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
  set lock_timeout = '100ms'
as $$
declare
  v_cutoff timestamptz;
  v_partition record;
  v_found boolean;
  v_dropped int := 0;
begin
  select max(r.cutoff) into v_cutoff from telemetry.prune_runs as r;
  if v_cutoff is null then
    return 0;
  end if;
  begin
    -- The ledger first, as the recorder (and its rollup trigger) takes them.
    lock table telemetry.product_usage_events, telemetry.usage_daily_rollup,
               telemetry.usage_daily_workspace_rollup, telemetry.usage_hourly_event_rollup
      in access exclusive mode;
  exception when lock_not_available then
    raise notice 'telemetry.drop_expired_partitions: the tables are busy; the next run will drop the expired partitions';
    return 0;
  end;
  for v_partition in
    select x.partition_name, x.parent_name, x.day,
           case when x.parent_name = 'product_usage_events' then 'occurred_at' else 'bucket_start' end as time_column
      from telemetry.expired_partitions(v_cutoff) as x
  loop
    -- Read through the parent: its policies are the ones that apply, and it prunes to the day.
    execute pg_catalog.format('select exists (select from telemetry.%I where %I >= $1 and %I < $1 + interval ''1 day'')',
      v_partition.parent_name, v_partition.time_column, v_partition.time_column)
      into v_found using v_partition.day;
    continue when v_found;
    execute pg_catalog.format('drop table telemetry.%I', v_partition.partition_name);
    v_dropped := v_dropped + 1;
  end loop;
  return v_dropped;
end
$$;
comment on function telemetry.drop_expired_partitions() is
  'Drops the empty daily partitions (ledger and rollups) of days wholly before the last prune''s cutoff; returns how many. '
  'Gives up (0) when the tables stay busy for lock_timeout.';
grant execute on function telemetry.drop_expired_partitions() to tp_worker;

-- source: migrations/steps/end_as_owner.sql
-- Back to the migrating login, which records the migration in graphile_migrate.migrations.
reset role;
