--! Previous: sha1:92f58f9c8143868a10077718e0435932eee7b5fe
--! Hash: sha1:c495608222cc511fb3d88a2a5d93ad24ffaa5378
--! Message: Prune: the coming week's partitions are created in a step of their own, not inside prune_events

-- source: migrations/steps/begin_as_owner.sql
-- Every object is created as, and owned by, tp_owner (SPEC §1).
set local role tp_owner;

-- source: sql/telemetry/ensure_partitions.sql
-- Daily partitions (UTC days) of the ledger and of its rollups, created ahead of need: by the
-- migration, and by the prune job a week ahead (telemetry.create_partitions_ahead). The recorder
-- never calls it. A row written for a day without partitions lands in the
-- default partitions (telemetry.*_default) and counts like any other; when that day's partitions
-- are created, its rows move out of the defaults into them (moved, not new: the rollups are left
-- as they are). Each partition gets row-level security enabled and forced like its parent
-- (direct access to a partition sees nothing; everything goes through the parent).
create or replace function telemetry.ensure_partitions(p_from timestamptz, p_to timestamptz) returns int
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_day timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00');
  v_table text;
  v_partition text;
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
        v_bounds := pg_catalog.format('%1$I >= %2$L and %1$I < %3$L',
          case v_table when 'product_usage_events' then 'occurred_at' else 'bucket_start' end, v_day, v_day + interval '24 hours');
        begin
          -- (read through the parent, whose policies apply: the day has no partition, so its rows are the default's)
          execute pg_catalog.format('select exists (select from telemetry.%I where %s)', v_table, v_bounds) into v_held;
          if v_held then
            -- A partition cannot be created over rows the default holds: they move to a table of
            -- their own that then becomes the day's partition. Ledger rows are moved, not
            -- removed, so the delete leaves the rollups as they are.
            execute pg_catalog.format('create table telemetry.%I (like telemetry.%I including all)', v_partition, v_table);
            execute pg_catalog.format('insert into telemetry.%I select * from telemetry.%I where %s', v_partition, v_table, v_bounds);
            perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', 'on', true);
            execute pg_catalog.format('delete from telemetry.%I where %s', v_table, v_bounds);
            perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', '', true);
            execute pg_catalog.format('alter table telemetry.%I attach partition telemetry.%I for values from (%L) to (%L)',
              v_table, v_partition, v_day, v_day + interval '24 hours');
          else
            execute pg_catalog.format('create table telemetry.%I partition of telemetry.%I for values from (%L) to (%L)',
              v_partition, v_table, v_day, v_day + interval '24 hours');
          end if;
          execute pg_catalog.format('alter table telemetry.%I enable row level security', v_partition);
          execute pg_catalog.format('alter table telemetry.%I force row level security', v_partition);
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

-- source: sql/telemetry/create_partitions_ahead.sql
-- The coming week of daily partitions (ledger and rollups), created by the prune job in a short
-- transaction of its own, after the prune: creating a partition locks its parent table
-- exclusively until commit, so inside the prune's transaction it would pause recording for the
-- whole prune. Waiting for that lock is bounded (lock_timeout): when recording keeps the tables
-- busy, nothing is created and the next run tries again, with days to spare (a day still without
-- partitions when its events arrive records them in the default partitions, see ensure_partitions).
create or replace function telemetry.create_partitions_ahead() returns int
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
  set lock_timeout = '100ms'
as $$
begin
  return telemetry.ensure_partitions(pg_catalog.now(), pg_catalog.now() + interval '168 hours');
exception when lock_not_available then
  raise notice 'telemetry.create_partitions_ahead: the tables are busy; the next run will create the coming partitions';
  return 0;
end
$$;
comment on function telemetry.create_partitions_ahead() is
  'Creates the missing daily partitions (ledger and rollups) of the coming week; returns how many ledger partitions it created. '
  'Gives up (0) when the tables stay busy for lock_timeout.';
grant execute on function telemetry.create_partitions_ahead() to tp_worker;

-- source: sql/telemetry/prune_events.sql
-- Retention (SPEC §3.6): removes every event older than now() - retention_days, returns how many,
-- and records the run. Whole expired days are emptied with TRUNCATE of their daily partitions
-- (ledger and rollups; the count comes from the exact rollup): that locks only those old
-- partitions, never the parent tables, so recording into today's partition goes on unblocked.
-- Only the day that straddles the cutoff is deleted row by row, with its rollup decremented in
-- one statement (as are the rows the owner wrote directly for days without partitions: they
-- live in the default partitions, see ensure_partitions). It runs no DDL that locks a parent: the
-- emptied partitions are dropped, and the coming week's created, later, each in a short
-- transaction of its own (telemetry.drop_expired_partitions, telemetry.create_partitions_ahead).
-- A batched delete skips the rollup trigger (tenantpulse.rollup_batched_delete, for the whole
-- prune): its statements keep the rollups themselves. Concurrent prunes serialise on
-- an advisory lock (the second finds nothing left); the recorder never writes before the cutoff.
-- It is one short transaction on purpose: while it runs, no dead row version anywhere can be
-- cleaned up, and the recorder's rollup upserts rewrite a few hot rows (a pacing prune that
-- paused between steps made concurrent recording slower, not faster).
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
  select pg_catalog.now() - pg_catalog.make_interval(hours => 24 * s.retention_days) into v_cutoff from telemetry.settings as s;
  v_cutoff := coalesce(v_cutoff, pg_catalog.now() - interval '2160 hours');
  v_cut_day := pg_catalog.date_bin('1 day', v_cutoff, timestamptz '2000-01-01 00:00:00+00');

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
       -- (the day's bounds let the planner read that day's partition only, not every one)
       and r.bucket_start >= v_cut_day and r.bucket_start < v_cut_day + interval '24 hours'
  )
  select coalesce(sum(p.n), 0) into v_removed from per_bucket as p;

  -- Whole expired days (not emptied yet): count them from the rollup, then truncate ledger and
  -- rollup partitions together.
  for v_partition in
    select pg_catalog.right(x.partition_name, 8) as suffix, x.day
      from telemetry.expired_partitions(v_cutoff) as x
     where x.parent_name = 'product_usage_events'
  loop
    -- (through the parent: its policies are the ones that apply, and it prunes to the day)
    select exists (select from telemetry.product_usage_events as e
                    where e.occurred_at >= v_partition.day and e.occurred_at < v_partition.day + interval '24 hours')
      into v_found;
    continue when not v_found;
    select coalesce(sum(r.event_count), 0) into v_count from telemetry.usage_daily_workspace_rollup as r
     where r.bucket_start = v_partition.day;
    execute pg_catalog.format('truncate telemetry.%I, telemetry.%I, telemetry.%I, telemetry.%I',
      'product_usage_events_p' || v_partition.suffix, 'usage_daily_rollup_p' || v_partition.suffix,
      'usage_daily_workspace_rollup_p' || v_partition.suffix, 'usage_hourly_event_rollup_p' || v_partition.suffix);
    v_removed := v_removed + v_count;
  end loop;

  -- Rows the owner wrote directly for days that had no partitions are in the default partitions:
  -- those of earlier days go now, and every rollup row of those days with them (all their events
  -- are gone). Through the parents (their policies apply); the days emptied above cost nothing.
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
  'Deletes every event older than now() - retention_days (truncating whole expired days), records the run in telemetry.prune_runs and returns how many events it removed. Safe beside recording and beside itself.';
grant execute on function telemetry.prune_events() to tp_worker;

-- source: sql/health/dimension_engagement_freshness.sql
-- Dimension 6, engagement freshness (SPEC §4.2), over a window (p_as_of - p_length, p_as_of],
-- from telemetry (events of active tenants): >= 1 event in the window: ok; none in the window but
-- some within retention: warn; none within retention: critical when the workspace is older than
-- the window (created at or before its start), else unknown. "Within retention" is what the
-- recorder accepts and the prune keeps: not older than p_as_of - retention_days (the cutoff
-- itself is in), and, when judged now, any event recorded ahead of now() too (the recorder accepts
-- up to 5 minutes; the owner may write further ahead. As of an earlier p_as_of, for the previous
-- window, later events had not happened yet). Decided by the
-- latest event at or before p_as_of (health.last_event_at), searched back over the longer of the
-- window and retention (an event in the window counts even when a shortened retention has not
-- been pruned to yet, as the usage summary counts it). Evidence: that time and, on cards and the
-- DBA view (p_with_evidence), the number of events in the window. Never attributable to one tenant.
create or replace function health.dimension_engagement_freshness(
  p_as_of timestamptz, p_length interval, p_workspace_id uuid default null, p_with_evidence boolean default true
)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  with workspaces as (
    select w.id, w.created_at from health.active_workspaces(p_workspace_id) as w
  ),
  bounds as (
    select r.days, p_as_of - pg_catalog.make_interval(hours => 24 * r.days) as retained_from
      from (select health.retention_days() as days) as r
  ),
  latest as (
    -- last_event_at takes an exclusive lower bound; timestamptz counts whole microseconds, so
    -- "after retained_from - 1 µs" is exactly "at or after retained_from".
    select l.workspace_id, l.last_event_at
      from health.last_event_at(
             array(select w.id from workspaces as w),
             least(p_as_of - p_length, (select b.retained_from - interval '1 microsecond' from bounds as b)),
             p_as_of) as l
  ),
  ahead as (
    -- judged now: the events recorded ahead of now(), for the workspaces with none retained before
    select a.workspace_id, a.last_event_at
      from health.last_event_at(
             array(select l.workspace_id from latest as l, bounds as b
                    where p_as_of >= pg_catalog.now() and (l.last_event_at is null or l.last_event_at < b.retained_from)),
             p_as_of, 'infinity') as a
     where a.last_event_at is not null
  ),
  counts as (
    -- events (of active tenants) in the window, for the evidence only; the tenants are reached
    -- through the workspaces (by index), not matched against every tenant
    select t.workspace_id, sum(c.event_count) as events
      from workspaces as w
      join platform.tenants as t on t.workspace_id = w.id and t.archived_at is null
      join telemetry.workspace_event_counts(
             case when p_with_evidence then array(select w2.id from workspaces as w2) else '{}' end,
             p_as_of - p_length, p_as_of) as c on c.workspace_id = t.workspace_id and c.tenant_id = t.id
     group by t.workspace_id
  ),
  judged as (
    select w.id as workspace_id, w.created_at <= p_as_of - p_length as older_than_window, b.days, l.last_event_at,
           l.last_event_at > p_as_of - p_length as in_window,
           case when l.last_event_at >= b.retained_from then l.last_event_at else a.last_event_at end as retained_event_at,
           coalesce(c.events, 0) as events_in_window
      from workspaces as w
      cross join bounds as b
      left join latest as l on l.workspace_id = w.id
      left join ahead as a on a.workspace_id = w.id
      left join counts as c on c.workspace_id = w.id
  )
  select j.workspace_id,
         case when j.in_window then 'ok'::health.level
              when j.retained_event_at is not null then 'warn'
              when j.older_than_window then 'critical'
              else 'unknown' end,
         case when j.in_window then 'engagement.active'
              when j.retained_event_at is not null then 'engagement.quiet'
              when j.older_than_window then 'engagement.dormant'
              else 'engagement.too_new' end,
         case when j.in_window then 'Events in the window'
              when j.retained_event_at is not null then
                -- An absolute time: the same data gives the same reason on every read.
                pg_catalog.format('No events in the window; the last one at %s',
                  pg_catalog.to_char(j.retained_event_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'))
              when j.older_than_window then pg_catalog.format('No events in the last %s days', j.days)
              else 'No events yet, and the workspace is younger than the window' end,
         pg_catalog.jsonb_build_object(
           'last_event_at', case when j.in_window then j.last_event_at else j.retained_event_at end,
           'retention_days', j.days, 'older_than_window', j.older_than_window)
         || case when p_with_evidence then pg_catalog.jsonb_build_object('events_in_window', j.events_in_window) else '{}' end,
         null::uuid
    from judged as j
$$;
comment on function health.dimension_engagement_freshness(timestamptz, interval, uuid, boolean) is
  'Engagement freshness per active workspace (or the one given) over the window (p_as_of - p_length, p_as_of], from the latest telemetry event '
  '(p_with_evidence: the evidence also counts the events in the window).';
grant execute on function health.dimension_engagement_freshness(timestamptz, interval, uuid, boolean) to tp_system_operator, tp_dba_reader;

-- source: migrations/steps/end_as_owner.sql
-- Back to the migrating login, which records the migration in graphile_migrate.migrations.
reset role;
