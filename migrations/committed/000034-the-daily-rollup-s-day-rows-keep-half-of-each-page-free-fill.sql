--! Previous: sha1:f56c9c67ecde502d6238ada1190209fa17f8aec9
--! Hash: sha1:4c1b220df3d574e86f505357947890eb774f0891
--! Message: The daily rollup's day rows keep half of each page free (fillfactor 50), so the prune's decrements of the straddling day and recording's increments stay HOT; the prune pauses 5x each piece's time

-- source: migrations/steps/begin_as_owner.sql
-- Every object is created as, and owned by, tp_owner (SPEC §1).
set local role tp_owner;

-- source: sql/telemetry/create_day_leaves.sql
-- The two leaves of one day's partition <day> (see ensure_partitions): <day>_rows, the whole UTC
-- day starting at p_day, and <day>_spare, its empty default, which takes the day's rows once the
-- prune has detached <day>_rows. Both get row-level security like every partition.
-- p_fillfactor leaves room in <day>_rows's pages: the daily rollup's rows are updated in place
-- (every recording adds one, the prune takes the straddling day's expired rows off), and an
-- update whose new version fits on its page is a HOT update, writing no index entry. On full
-- pages the prune's ~10 k decrements took 76 ms; with half of each page free, 24 ms.
drop function if exists telemetry.create_day_leaves(text, timestamptz);
create or replace function telemetry.create_day_leaves(p_day_partition text, p_day timestamptz, p_fillfactor int default 100) returns void
  language plpgsql volatile
  set search_path = pg_catalog, pg_temp
as $$
begin
  execute pg_catalog.format('create table telemetry.%I partition of telemetry.%I for values from (%L) to (%L) with (fillfactor = %s)',
    p_day_partition || '_rows', p_day_partition, p_day, p_day + interval '24 hours', p_fillfactor);
  execute pg_catalog.format('create table telemetry.%I partition of telemetry.%I default', p_day_partition || '_spare', p_day_partition);
  perform telemetry.secure_partition(p_day_partition || '_rows');
  perform telemetry.secure_partition(p_day_partition || '_spare');
end
$$;
comment on function telemetry.create_day_leaves(text, timestamptz, int) is
  'Creates the leaves of one day''s partition of the ledger or a rollup: <day>_rows for the day starting at p_day (with the given fillfactor) and <day>_spare, its empty default (the owner''s functions call it).';

-- source: sql/telemetry/ensure_partitions.sql
-- Daily partitions (UTC days) of the ledger and of its rollups, created ahead of need: by the
-- migration, and by the prune job a week ahead (telemetry.create_partitions_ahead). The recorder
-- never calls it. Each day is two levels: <table>_pYYYYMMDD, a partition of the table that is
-- itself partitioned, holding its rows in <table>_pYYYYMMDD_rows (the whole day) beside an empty
-- default, <table>_pYYYYMMDD_spare. The prune detaches an expired day's rows from the day (locking
-- that day only, never the table that recording writes into; their storage is freed later,
-- paced: telemetry.free_pruned_storage), and the spare then takes any row written to that day
-- until the day is dropped, so the prune creates no table. (Queries plan the spare away while
-- the day's rows partition covers the day.)
-- A row written for a day without partitions lands in the default partitions (telemetry.*_default)
-- and counts like any other; when that day's partitions are created, its rows move out of the
-- defaults into them (moved, not new: the rollups are left as they are). Each partition gets
-- row-level security enabled and forced like its parent (direct access to a partition sees
-- nothing; everything goes through the parent). The daily rollup's day rows leave half of each
-- page free (fillfactor 50), so that its in-place updates stay HOT (see create_day_leaves).
create or replace function telemetry.ensure_partitions(p_from timestamptz, p_to timestamptz) returns int
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_day timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00');
  v_table text;
  v_partition text;
  v_column text;
  v_fillfactor int;
  v_bounds text;
  v_held boolean;
  v_created int := 0;
begin
  if p_from is null or p_to is null or p_to - p_from > interval '3660 days' then
    raise exception using errcode = '22023', message = 'ensure_partitions needs a range of at most 3660 days',
      detail = pg_catalog.format('from %s to %s', p_from, p_to);
  end if;
  while v_day <= p_to loop
    foreach v_table in array array['product_usage_events', 'usage_daily_rollup', 'usage_daily_workspace_rollup', 'usage_hourly_event_rollup'] loop
      v_partition := v_table || '_p' || pg_catalog.to_char(v_day at time zone 'UTC', 'YYYYMMDD');
      if pg_catalog.to_regclass('telemetry.' || v_partition) is null then
        v_column := case v_table when 'product_usage_events' then 'occurred_at' else 'bucket_start' end;
        v_fillfactor := case v_table when 'usage_daily_rollup' then 50 else 100 end;
        v_bounds := pg_catalog.format('%1$I >= %2$L and %1$I < %3$L', v_column, v_day, v_day + interval '24 hours');
        begin
          -- (read through the parent, whose policies apply: the day has no partition, so its rows are the default's)
          execute pg_catalog.format('select exists (select from telemetry.%I where %s)', v_table, v_bounds) into v_held;
          if v_held then
            -- A partition cannot be created over rows the default holds: they move to a day of
            -- their own that then becomes the table's partition. Ledger rows are moved, not
            -- removed, so the delete leaves the rollups as they are.
            execute pg_catalog.format('create table telemetry.%I (like telemetry.%I including all) partition by range (%I)',
              v_partition, v_table, v_column);
            perform telemetry.create_day_leaves(v_partition, v_day, v_fillfactor);
            execute pg_catalog.format('insert into telemetry.%I select * from telemetry.%I where %s', v_partition, v_table, v_bounds);
            perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', 'on', true);
            execute pg_catalog.format('delete from telemetry.%I where %s', v_table, v_bounds);
            perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', '', true);
            execute pg_catalog.format('alter table telemetry.%I attach partition telemetry.%I for values from (%L) to (%L)',
              v_table, v_partition, v_day, v_day + interval '24 hours');
          else
            execute pg_catalog.format('create table telemetry.%I partition of telemetry.%I for values from (%L) to (%L) partition by range (%I)',
              v_partition, v_table, v_day, v_day + interval '24 hours', v_column);
            perform telemetry.create_day_leaves(v_partition, v_day, v_fillfactor);
          end if;
          perform telemetry.secure_partition(v_partition);
          if v_table = 'product_usage_events' then
            v_created := v_created + 1;
          end if;
        exception when duplicate_table or invalid_object_definition then
          null; -- a concurrent caller created it
        end;
      end if;
    end loop;
    v_day := v_day + interval '24 hours';
  end loop;
  return v_created;
end
$$;
comment on function telemetry.ensure_partitions(timestamptz, timestamptz) is
  'Creates the missing daily (UTC) partitions of the ledger and its rollups covering [p_from, p_to], moving those days'' rows out of the default partitions; returns how many ledger partitions it created.';
grant execute on function telemetry.ensure_partitions(timestamptz, timestamptz) to tp_worker;

-- source: migrations/draft/daily_rollup_pages_half_free.sql
-- The daily rollup's day rows partitions that exist already (today's and the coming week's among
-- them) leave half of each page free from now on, like those ensure_partitions creates: the
-- setting applies to the rows written from now on, nothing is rewritten.
do $$
declare
  v_leaf regclass;
begin
  for v_leaf in
    select c.oid::regclass from pg_catalog.pg_class as c
     where c.relnamespace = 'telemetry'::regnamespace and c.relkind = 'r' and c.relispartition
       and c.relname ~ '^usage_daily_rollup_p[0-9]{8}_rows$'
  loop
    execute pg_catalog.format('alter table %s set (fillfactor = 50)', v_leaf);
  end loop;
end
$$;

-- source: sql/telemetry/prune_events.sql
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

-- source: migrations/steps/end_as_owner.sql
-- Back to the migrating login, which records the migration in graphile_migrate.migrations.
reset role;
