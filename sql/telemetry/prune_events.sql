-- Retention (SPEC §3.6): removes every event older than now() - retention_days, returns how many,
-- and records the run. Whole expired days go by dropping their partitions (ledger and rollup;
-- the count comes from the exact rollup); only the day that straddles the cutoff is deleted row
-- by row, with its rollup decremented in one statement. Concurrent prunes serialise on an
-- advisory lock (the second finds nothing left); recording goes on meanwhile — the recorder
-- never writes before the cutoff, and the partitions are dropped last so the parent is locked
-- exclusively only for a moment at the end.
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

  -- Whole expired days: count them from the rollup, then drop ledger and rollup partitions.
  for v_partition in
    select c.relname, (pg_catalog.right(c.relname, 8)::date::timestamp at time zone 'UTC') as day
      from pg_catalog.pg_inherits as i
      join pg_catalog.pg_class as c on c.oid = i.inhrelid
     where i.inhparent = 'telemetry.product_usage_events'::pg_catalog.regclass
       and c.relname ~ '^product_usage_events_p[0-9]{8}$'
     order by c.relname
  loop
    continue when v_partition.day + interval '1 day' > v_cutoff;
    select coalesce(sum(r.event_count), 0) into v_count from telemetry.usage_daily_workspace_rollup as r
     where r.bucket_start = v_partition.day;
    execute pg_catalog.format('drop table telemetry.%I', v_partition.relname);
    v_removed := v_removed + v_count;
  end loop;
  for v_partition in
    select c.relname, (pg_catalog.right(c.relname, 8)::date::timestamp at time zone 'UTC') as day
      from pg_catalog.pg_inherits as i
      join pg_catalog.pg_class as c on c.oid = i.inhrelid
     where i.inhparent in ('telemetry.usage_daily_rollup'::pg_catalog.regclass, 'telemetry.usage_daily_workspace_rollup'::pg_catalog.regclass,
                           'telemetry.usage_hourly_event_rollup'::pg_catalog.regclass)
       and c.relname ~ '_p[0-9]{8}$'
     order by c.relname
  loop
    continue when v_partition.day + interval '1 day' > v_cutoff;
    execute pg_catalog.format('drop table telemetry.%I', v_partition.relname);
  end loop;

  -- Keep a week of partitions ready ahead.
  perform telemetry.ensure_partitions(pg_catalog.now(), pg_catalog.now() + interval '7 days');

  insert into telemetry.prune_runs (cutoff, rows_removed) values (v_cutoff, v_removed);
  return v_removed;
end
$$;
comment on function telemetry.prune_events() is
  'Deletes every event older than now() - retention_days (dropping whole expired days), records the run in telemetry.prune_runs and returns how many events it removed. Safe beside recording and beside itself.';
grant execute on function telemetry.prune_events() to tp_worker;
