-- Retention (SPEC §3.6): removes every event older than now() - retention_days, returns how many,
-- and records the run. Whole expired days leave the ledger by detaching their rows partitions
-- (<table>_pYYYYMMDD_rows, ledger and rollups; the count comes from the exact rollup): each day
-- is a partitioned partition of its own (see ensure_partitions), so that locks only those old
-- days, never the tables recording writes into, creates no table and frees no storage yet. The
-- detached rows are renamed <table>_pYYYYMMDD_pruned_<transaction>, readable by no role (forced
-- row-level security, no policy), and their storage is freed afterwards, day by day with pauses
-- (telemetry.free_pruned_storage): freeing ~0.5 GB of files at once stalls every commit's WAL
-- flush on a disk that discards freed blocks online, which cost concurrent recording a quarter
-- of its throughput while the prune truncated whole days (bench/RESULTS.md).
-- Only the day that straddles the cutoff is deleted row by row, with its rollup decremented in
-- one statement (as are the rows the owner wrote directly for days without partitions, in the
-- default partitions, and for days already pruned, in their spares; see ensure_partitions).
-- The emptied days are dropped, and the
-- coming week's created, later, each in a short transaction of its own
-- (telemetry.drop_expired_partitions, telemetry.create_partitions_ahead): that DDL locks the
-- parent tables.
-- A batched delete skips the rollup trigger (tenantpulse.rollup_batched_delete, for the whole
-- prune): its statements keep the rollups themselves. Concurrent prunes serialise on the settings
-- row, which only the owner may lock (the second then reads the retention anew and finds nothing
-- left; an advisory lock, which any role that can connect may take, would let anyone hold the
-- prune up); the recorder never writes before the cutoff.
-- It paces itself: after the straddling day and after each detached day it pauses five times as
-- long as that piece took (telemetry.pause_after), about 0.2 s of work spread over ~1.2 s at 1 M
-- expired events. While it works, concurrent recording runs at ~0.75x on 2 cores; over the whole
-- prune, paced three times, it kept 0.84-0.89x, paced five times, ~0.95x (bench/RESULTS.md). The
-- pauses stay short: the transaction holds the expired days' locks (queries that cannot prune
-- them at plan time wait) and keeps dead row versions from being cleaned up.
create or replace function telemetry.prune_events() returns bigint
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_cutoff timestamptz;
  v_cut_day timestamptz;
  v_cut_day_end timestamptz;
  v_removed bigint := 0;
  v_count bigint;
  v_days text[];
  v_counts bigint[];
  v_table text;
  v_started timestamptz;
begin
  select pg_catalog.now() - pg_catalog.make_interval(hours => 24 * s.retention_days) into v_cutoff
    from telemetry.settings as s
     for update;
  v_cutoff := coalesce(v_cutoff, pg_catalog.now() - interval '2160 hours');
  v_cut_day := pg_catalog.date_bin('1 day', v_cutoff, timestamptz '2000-01-01 00:00:00+00');
  -- (a value, not an expression: plans then keep only that day's partitions, where an expression
  -- left every day's to be planned and pruned at run time)
  v_cut_day_end := v_cut_day + interval '24 hours';
  v_started := pg_catalog.clock_timestamp();

  perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', 'on', true);

  -- The straddling day: delete its expired rows and decrement their rollup buckets at once.
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
  shards as materialized (  -- (one hash per workspace, not per deleted row)
    select p.workspace_id, telemetry.workspace_shard(p.workspace_id) as shard from per_workspace as p
  ),
  per_hour as (
    select pg_catalog.date_bin('1 hour', d.occurred_at, timestamptz '2000-01-01 00:00:00+00') as bucket_start,
           s.shard, d.event_name, count(*) as n
      from deleted as d join shards as s on s.workspace_id = d.workspace_id
     group by 1, 2, 3
  ),
  decremented_hours as (
    update telemetry.usage_hourly_event_rollup as r
       set event_count = r.event_count - p.n
      from per_hour as p
     where r.bucket_start = p.bucket_start and r.shard = p.shard and r.event_name = p.event_name
       -- (the day's bounds let the planner read that day's partition only, not every one)
       and r.bucket_start >= v_cut_day and r.bucket_start < v_cut_day_end
  )
  select coalesce(sum(p.n), 0) into v_removed from per_bucket as p;
  v_started := telemetry.pause_after(v_started, 5);

  -- Whole expired days that still have their rows, with their counts from the exact rollup, in one
  -- statement (collected first: a day cannot be detached while a query still reads it).
  select pg_catalog.array_agg(pg_catalog.right(x.partition_name, 8) order by x.day), pg_catalog.array_agg(n.n order by x.day)
    into v_days, v_counts
    from telemetry.expired_partitions(v_cutoff) as x
    join (select r.bucket_start, sum(r.event_count) as n from telemetry.usage_daily_workspace_rollup as r
           where r.bucket_start < v_cut_day group by r.bucket_start) as n on n.bucket_start = x.day
   where x.parent_name = 'product_usage_events' and n.n > 0
     -- (a day pruned before has no rows partition any more: its late rows are deleted below)
     and pg_catalog.to_regclass('telemetry.product_usage_events_p' || pg_catalog.right(x.partition_name, 8) || '_rows') is not null;
  -- Each leaves ledger and rollups together, detached.
  for i in 1 .. coalesce(pg_catalog.cardinality(v_days), 0) loop
    foreach v_table in array array['product_usage_events', 'usage_daily_rollup', 'usage_daily_workspace_rollup', 'usage_hourly_event_rollup'] loop
      v_table := v_table || '_p' || v_days[i];
      execute pg_catalog.format('alter table telemetry.%I detach partition telemetry.%I', v_table, v_table || '_rows');
      execute pg_catalog.format('alter table telemetry.%I rename to %I', v_table || '_rows',
        v_table || '_pruned_' || pg_catalog.pg_current_xact_id());
    end loop;
    v_removed := v_removed + v_counts[i];
    v_started := telemetry.pause_after(v_started, 5);
  end loop;

  -- Rows the owner wrote directly for days that had no partitions are in the default partitions,
  -- and rows written to days pruned before in those days' spares: those of earlier days go now,
  -- and every rollup row of those days with them (all their events are gone). Through the parents
  -- (their policies apply); the days emptied above cost nothing.
  delete from telemetry.product_usage_events as e where e.occurred_at < v_cut_day;
  get diagnostics v_count = row_count;
  v_removed := v_removed + v_count;
  delete from telemetry.usage_daily_rollup as r where r.bucket_start < v_cut_day;
  delete from telemetry.usage_daily_workspace_rollup as r where r.bucket_start < v_cut_day;
  delete from telemetry.usage_hourly_event_rollup as r where r.bucket_start < v_cut_day;
  perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', '', true);

  insert into telemetry.prune_runs (cutoff, rows_removed) values (v_cutoff, v_removed);
  return v_removed;
end
$$;
comment on function telemetry.prune_events() is
  'Deletes every event older than now() - retention_days (detaching whole expired days, whose storage telemetry.free_pruned_storage() frees), records the run in telemetry.prune_runs and returns how many events it removed. Safe beside recording and beside itself.';
grant execute on function telemetry.prune_events() to tp_worker;
