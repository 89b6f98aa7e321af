--! Previous: sha1:3d5ff0a3f9904caec2bb82c8139d2c0c7b05c26c
--! Hash: sha1:fc0b5dab448a998b94f51c794a5aed8f88a35505
--! Message: Time in hours whatever the session TimeZone; engagement at the retention edges with its event count; ambiguous checkpoint sessions; tenants stay in their workspace

-- source: migrations/steps/begin_as_owner.sql
-- Every object is created as, and owned by, tp_owner (SPEC §1).
set local role tp_owner;

-- source: migrations/draft/engagement_evidence_signature.sql
-- dimension_engagement_freshness gains p_with_evidence (its evidence counts the window's events
-- on cards and the DBA view); the three-argument version goes.
drop function if exists health.dimension_engagement_freshness(timestamptz, interval, uuid);

-- source: sql/platform/onboarding_checkpoint_workspace.sql
-- onboarding_checkpoints.workspace_id may be omitted by the writer: take it from the session.
-- Runs with the writer's rights, so an admin can only find sessions of its own workspace.
-- Sessions are keyed by (workspace_id, id): should the same id exist in two workspaces the
-- writer sees, the session is ambiguous and the writer must name the workspace.
create or replace function platform.fill_checkpoint_workspace() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_workspaces uuid[];
begin
  if new.workspace_id is null then
    select pg_catalog.array_agg(s.workspace_id) into v_workspaces
      from platform.onboarding_sessions as s
     where s.id = new.session_id;
    if pg_catalog.cardinality(v_workspaces) > 1 then
      raise exception using
        errcode = '23503',
        message = 'onboarding checkpoint refers to an ambiguous onboarding session',
        detail = format('session_id %s exists in %s workspaces; give workspace_id', new.session_id, pg_catalog.cardinality(v_workspaces));
    end if;
    new.workspace_id := v_workspaces[1];
    if new.workspace_id is null then
      raise exception using
        errcode = '23503',
        message = 'onboarding checkpoint refers to an unknown onboarding session',
        detail = format('session_id %s does not exist (or is not visible to the writer)', new.session_id);
    end if;
  end if;
  return new;
end
$$;
comment on function platform.fill_checkpoint_workspace() is
  'Trigger: fills onboarding_checkpoints.workspace_id from its session when the writer omits it.';

create or replace trigger fill_workspace
  before insert on platform.onboarding_checkpoints
  for each row execute function platform.fill_checkpoint_workspace();

-- source: sql/platform/tenant_stays_in_workspace.sql
-- A tenant belongs to its workspace for good: every row of a tenant is keyed by
-- (workspace_id, tenant_id), and the telemetry ledger (which has no foreign key, see README)
-- would keep its events in the old workspace. Moving one is refused outright, as the composite
-- foreign keys already refuse it for a tenant with source rows. After the row is written, so
-- the admin plane's row-level security refuses it first (42501), as for every other table.
create or replace function platform.refuse_tenant_move() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  raise exception using
    errcode = '23503',
    message = 'a tenant cannot move to another workspace',
    detail = pg_catalog.format('tenant %s belongs to workspace %s, not %s', old.id, old.workspace_id, new.workspace_id);
end
$$;
comment on function platform.refuse_tenant_move() is
  'Trigger: refuses an update of platform.tenants that changes workspace_id.';

create or replace trigger stays_in_workspace
  after update of workspace_id on platform.tenants
  for each row when (old.workspace_id is distinct from new.workspace_id)
  execute function platform.refuse_tenant_move();

-- source: sql/telemetry/console_window_length.sql
-- The length of a console window (SPEC §3.5); the window is (now() - length, now()].
create or replace function telemetry.console_window_length(p_window system_api.console_window) returns interval
  language sql immutable strict parallel safe
  set search_path = pg_catalog, pg_temp
as $$
  select case p_window
    when 'last_hour' then interval '1 hour'
    when 'last_24_hours' then interval '24 hours'
    when 'last_7_days' then interval '168 hours'
    when 'last_30_days' then interval '720 hours'
  end
$$;
comment on function telemetry.console_window_length(system_api.console_window) is
  'Length of a console window; the window is the half-open interval (now() - length, now()].';
grant execute on function telemetry.console_window_length(system_api.console_window) to tp_system_operator, tp_dba_reader;

-- source: sql/telemetry/ensure_partitions.sql
-- Daily partitions (UTC days) of the ledger and of its rollups, created ahead of need. Called by
-- the migration, by the prune (a week ahead), and by the recorder when an event falls on a day
-- that has none yet. A row the owner writes directly for a day without partitions lands in the
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
     and d.day + interval '24 hours' <= p_cutoff
   order by c.relname
$$;
comment on function telemetry.expired_partitions(timestamptz) is
  'Daily partitions of the ledger and its rollups whose UTC day ends at or before p_cutoff.';

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
    execute pg_catalog.format('select exists (select from telemetry.%I where %I >= $1 and %I < $1 + interval ''24 hours'')',
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

-- source: sql/telemetry/event_counts.sql
-- Exact event counts for any half-open interval (p_from, p_to], from whole UTC days of the rollup
-- plus the raw ledger rows of the partial days at both edges. Raw: no archived filtering (callers
-- filter; telemetry.active_usage_counts does it for the usage summary).
create or replace function telemetry.event_counts(p_from timestamptz, p_to timestamptz)
  returns table (workspace_id uuid, tenant_id uuid, event_name text, event_count bigint)
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  -- whole buckets [v_lo, v_hi): the first day starting after p_from up to the day holding p_to
  v_lo timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00') + interval '24 hours';
  v_hi timestamptz := pg_catalog.date_bin('1 day', p_to, timestamptz '2000-01-01 00:00:00+00');
begin
  return query
  select c.workspace_id, c.tenant_id, c.event_name, sum(c.n)::bigint
    from (
      select r.workspace_id, r.tenant_id, r.event_name, r.event_count as n
        from telemetry.usage_daily_rollup as r
       where r.bucket_start >= v_lo and r.bucket_start < v_hi
      union all
      select e.workspace_id, e.tenant_id, e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at < v_lo
      union all
      select e.workspace_id, e.tenant_id, e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at >= greatest(v_hi, v_lo)
    ) as c
   group by c.workspace_id, c.tenant_id, c.event_name
  having sum(c.n) > 0;
end
$$;
comment on function telemetry.event_counts(timestamptz, timestamptz) is
  'Exact number of ledger events with occurred_at in (p_from, p_to], per workspace, tenant and event (raw: archived ones included). '
  'Whole UTC days come from the rollup, the partial days at the edges from the ledger.';
grant execute on function telemetry.event_counts(timestamptz, timestamptz) to tp_owner, tp_system_operator, tp_dba_reader;

-- The same, for a few workspaces only (reads their rollup rows and ledger rows by index): used to
-- take archived workspaces and tenants out of the console's totals.
create or replace function telemetry.workspace_event_counts(p_workspace_ids uuid[], p_from timestamptz, p_to timestamptz)
  returns table (workspace_id uuid, tenant_id uuid, event_name text, event_count bigint)
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_lo timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00') + interval '24 hours';
  v_hi timestamptz := pg_catalog.date_bin('1 day', p_to, timestamptz '2000-01-01 00:00:00+00');
begin
  return query
  select c.workspace_id, c.tenant_id, c.event_name, sum(c.n)::bigint
    from (
      select r.workspace_id, r.tenant_id, r.event_name, r.event_count as n
        from telemetry.usage_daily_rollup as r
       where r.workspace_id = any (p_workspace_ids) and r.bucket_start >= v_lo and r.bucket_start < v_hi
      union all
      select e.workspace_id, e.tenant_id, e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.workspace_id = any (p_workspace_ids)
         and e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at < v_lo
      union all
      select e.workspace_id, e.tenant_id, e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.workspace_id = any (p_workspace_ids)
         and e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at >= greatest(v_hi, v_lo)
    ) as c
   group by c.workspace_id, c.tenant_id, c.event_name
  having sum(c.n) > 0;
end
$$;
comment on function telemetry.workspace_event_counts(uuid[], timestamptz, timestamptz) is
  'event_counts restricted to the given workspaces: ledger events in (p_from, p_to] per workspace, tenant and event.';
grant execute on function telemetry.workspace_event_counts(uuid[], timestamptz, timestamptz) to tp_owner, tp_system_operator, tp_dba_reader;

-- source: sql/telemetry/usage_window.sql
-- What the console counts in a window (p_from, p_to] (SPEC §3.5): only events of active
-- workspaces and active tenants. Built for speed on a large ledger:
--   usage_event_totals       whole hours from usage_hourly_event_rollup, the raw rows of the
--                            partial hour at the start, the last hour's bucket minus the raw rows
--                            after the end (none but a few future ones when the window ends at
--                            now()), minus the events of archived workspaces and archived
--                            tenants (read per workspace, by index, from the tenant rollup and
--                            the ledger);
--   active_workspace_count   workspaces with events in whole days of usage_daily_workspace_rollup,
--                            or (for the rest) a raw event in the partial days, probed by index;
--                            workspaces with an archived tenant are recounted exactly.
-- Ledger rows whose tenant does not exist at all in a workspace without archived tenants are
-- counted (the recorder never writes such rows; only a direct owner write could).
create or replace function telemetry.usage_event_totals(p_from timestamptz, p_to timestamptz)
  returns table (event_name text, event_count bigint)
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_lo timestamptz := pg_catalog.date_bin('1 hour', p_from, timestamptz '2000-01-01 00:00:00+00') + interval '1 hour';
  v_hi timestamptz := pg_catalog.date_bin('1 hour', p_to, timestamptz '2000-01-01 00:00:00+00');
  v_excluded uuid[];
begin
  select coalesce(pg_catalog.array_agg(w.id), '{}') into v_excluded
    from platform.workspaces as w
   where w.archived_at is not null
      or exists (select from platform.tenants as t where t.workspace_id = w.id and t.archived_at is not null);
  return query
  select x.event_name, sum(x.n)::bigint
    from (
      select r.event_name, r.event_count as n
        from telemetry.usage_hourly_event_rollup as r
       where r.bucket_start >= v_lo and r.bucket_start < v_hi
      union all
      select e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at < v_lo
      -- the partial hour at the end, [v_hi, p_to]: its whole bucket minus the rows after p_to (for
      -- a window ending at now(), only the few recorded up to 5 minutes ahead) ...
      union all
      select r.event_name, r.event_count
        from telemetry.usage_hourly_event_rollup as r
       where r.bucket_start = v_hi and v_hi >= v_lo
      union all
      select e.event_name, -1::bigint
        from telemetry.product_usage_events as e
       where e.occurred_at > p_to and e.occurred_at < v_hi + interval '1 hour' and v_hi >= v_lo
      -- ... or, when the window lies within two partial hours, its raw rows after v_lo
      union all
      select e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at >= v_lo and v_hi < v_lo
      union all
      select c.event_name, -c.event_count
        from telemetry.workspace_event_counts(v_excluded, p_from, p_to) as c
       where not exists (
               select from platform.tenants as t join platform.workspaces as w on w.id = t.workspace_id
                where t.workspace_id = c.workspace_id and t.id = c.tenant_id
                  and t.archived_at is null and w.archived_at is null)
    ) as x
   group by x.event_name;
end
$$;
comment on function telemetry.usage_event_totals(timestamptz, timestamptz) is
  'Events in (p_from, p_to] per event name, counting only active workspaces and active tenants.';
grant execute on function telemetry.usage_event_totals(timestamptz, timestamptz) to tp_owner, tp_system_operator, tp_dba_reader;

create or replace function telemetry.active_workspace_count(p_from timestamptz, p_to timestamptz) returns int
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_lo timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00') + interval '24 hours';
  v_hi timestamptz := pg_catalog.date_bin('1 day', p_to, timestamptz '2000-01-01 00:00:00+00');
  v_edge timestamptz := greatest(v_hi, v_lo);
  v_active int;
  v_mixed uuid[];
begin
  -- active workspaces with at least one event in the window, whatever the tenant; those with an
  -- archived tenant count only through an active tenant's event, so they are recounted below
  select count(*) filter (where not m.mixed)::int, coalesce(pg_catalog.array_agg(w.id) filter (where m.mixed), '{}')
    into v_active, v_mixed
    from platform.workspaces as w
    cross join lateral (
      select exists (select from platform.tenants as t where t.workspace_id = w.id and t.archived_at is not null) as mixed
    ) as m
   where w.archived_at is null
     and (w.id in (select r.workspace_id from telemetry.usage_daily_workspace_rollup as r
                    where r.bucket_start >= v_lo and r.bucket_start < v_hi and r.event_count > 0)
          or exists (select from telemetry.product_usage_events as e
                      where e.workspace_id = w.id and e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at < v_lo)
          or exists (select from telemetry.product_usage_events as e
                      where e.workspace_id = w.id and e.occurred_at >= v_edge and e.occurred_at > p_from and e.occurred_at <= p_to));
  return v_active + (
    select count(distinct c.workspace_id)::int
      from telemetry.workspace_event_counts(v_mixed, p_from, p_to) as c
      join platform.tenants as t on t.workspace_id = c.workspace_id and t.id = c.tenant_id and t.archived_at is null);
end
$$;
comment on function telemetry.active_workspace_count(timestamptz, timestamptz) is
  'Active workspaces with at least one event of an active tenant in (p_from, p_to].';
grant execute on function telemetry.active_workspace_count(timestamptz, timestamptz) to tp_owner, tp_system_operator, tp_dba_reader;

-- source: sql/telemetry/record_event.sql
-- The recorder (SPEC §3.3): the single write path of the ledger. It checks everything before it
-- writes anything, so a rejection leaves no trace:
--   TP001 unknown event   TP002 missing workspace/tenant/actor   TP007 caller's workspace context
--   TP006 subject         TP004 metadata                          TP005 occurred_at
--   TP003 workspace/tenant/actor do not exist, are archived or do not belong together
-- Retry safety: a de-duplicated event's milestone (workspace, event, subject [, checkpoint]) has a
-- key in telemetry.event_dedup_keys, unique as one telemetry.milestone value; a retry returns the
-- first event's id while that event is still in the ledger (after it is pruned, the retry records
-- anew). Concurrent retries serialise on the key's insert.
create or replace function telemetry.record_event(
  event_name text,
  workspace_id uuid,
  tenant_id uuid,
  actor_id uuid,
  subject_type text,
  subject_id uuid,
  metadata jsonb default '{}',
  occurred_at timestamptz default now()
) returns uuid
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_event telemetry.event_catalog;
  v_caller text := coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user);
  v_context text := nullif(pg_catalog.current_setting('tenantpulse.workspace_id', true), '');
  v_admin_plane boolean;
  v_context_matches boolean;
  v_facts record;
  v_other_workspace uuid;
  v_id uuid := pg_catalog.gen_random_uuid();
  v_existing_id uuid;
  v_existing_at timestamptz;
  v_milestone telemetry.milestone;
begin
  -- Every fact the checks need, in one query (this runs for every event); the checks below
  -- then report in their documented order.
  select c as event,
         -- The event's rules compiled to one path answer for safe metadata (sql/telemetry/metadata_rule.sql);
         -- only metadata that path does not pass is examined key by key, to say why.
         case when pg_catalog.jsonb_typeof(record_event.metadata) = 'object'
                   and pg_catalog.octet_length(record_event.metadata::text) <= 1024
                   and pg_catalog.jsonb_path_match(record_event.metadata, c.metadata_rule, silent => true)
              then null
              else telemetry.metadata_violation(record_event.event_name, record_event.metadata) end as metadata_problem,
         (select s.retention_days from telemetry.settings as s) as retention_days,
         w.id is not null as workspace_found, w.archived_at as workspace_archived,
         t.id is not null as tenant_found, t.archived_at as tenant_archived,
         exists (select from platform.users as u where u.id = record_event.actor_id) as actor_found
    into v_facts
    from (values (1)) as one (x)
    left join telemetry.event_catalog as c on c.event_name = record_event.event_name
    left join platform.workspaces as w on w.id = record_event.workspace_id
    -- The tenant by its key in the workspace; only when it is not there (a rejection) is it
    -- looked up by id alone below, to say where it belongs.
    left join platform.tenants as t on t.workspace_id = record_event.workspace_id and t.id = record_event.tenant_id;
  v_event := v_facts.event;
  if v_event.event_name is null then
    raise exception using errcode = 'TP001', message = 'unknown telemetry event',
      detail = pg_catalog.format('event_name %s is not in telemetry.event_catalog', coalesce(pg_catalog.quote_literal(record_event.event_name), 'null'));
  end if;

  if record_event.workspace_id is null or record_event.tenant_id is null or record_event.actor_id is null then
    raise exception using errcode = 'TP002', message = 'telemetry events are tenant-bound and user-initiated',
      detail = pg_catalog.format('%s is null',
        case when record_event.workspace_id is null then 'workspace_id'
             when record_event.tenant_id is null then 'tenant_id' else 'actor_id' end);
  end if;

  -- The admin plane records only for the workspace of its context; any other caller's context,
  -- when set, must name the same workspace.
  v_admin_plane := v_caller = 'tp_admin_plane'
     or (pg_catalog.pg_has_role(v_caller, 'tp_admin_plane', 'member') and not pg_catalog.pg_has_role(v_caller, 'tp_owner', 'member'));
  if v_admin_plane then
    if v_context is null then
      raise exception using errcode = 'TP007', message = 'the admin plane must record within its workspace context',
        detail = pg_catalog.format('tenantpulse.workspace_id is not set; workspace_id is %s', record_event.workspace_id);
    end if;
  end if;
  -- (compared as uuids, as the policies compare it: any spelling of the same workspace matches)
  v_context_matches := case when pg_catalog.pg_input_is_valid(v_context, 'uuid') then v_context::uuid = record_event.workspace_id end;
  if v_context is not null and v_context_matches is not true then
    raise exception using errcode = 'TP007', message = 'workspace_id does not match the workspace context',
      detail = pg_catalog.format('workspace_id %s differs from tenantpulse.workspace_id %s', record_event.workspace_id, v_context);
  end if;

  if record_event.subject_id is null then
    raise exception using errcode = 'TP006', message = 'subject_id is required',
      detail = pg_catalog.format('subject_id is null for %s', v_event.event_name);
  end if;
  if record_event.subject_type is null or not (record_event.subject_type = any (v_event.subject_types)) then
    raise exception using errcode = 'TP006', message = 'subject_type is not allowed for this event',
      detail = pg_catalog.format('subject_type %s is not allowed for %s (allowed: %s)',
        coalesce(pg_catalog.quote_literal(record_event.subject_type), 'null'), v_event.event_name,
        pg_catalog.array_to_string(v_event.subject_types, ', '));
  end if;

  if v_facts.metadata_problem is not null then
    raise exception using errcode = 'TP004', message = 'metadata is not safe', detail = v_facts.metadata_problem;
  end if;

  if record_event.occurred_at is null then
    raise exception using errcode = 'TP005', message = 'occurred_at is required', detail = 'occurred_at is null';
  elsif record_event.occurred_at > pg_catalog.now() + interval '5 minutes' then
    raise exception using errcode = 'TP005', message = 'occurred_at is too far in the future',
      detail = pg_catalog.format('occurred_at %s is more than 5 minutes after now() (%s)', record_event.occurred_at, pg_catalog.now());
  elsif record_event.occurred_at < pg_catalog.now() - pg_catalog.make_interval(hours => 24 * coalesce(v_facts.retention_days, 90)) then
    raise exception using errcode = 'TP005', message = 'occurred_at is older than the retention window',
      detail = pg_catalog.format('occurred_at %s is older than %s days (retention_days)', record_event.occurred_at, coalesce(v_facts.retention_days, 90));
  end if;

  if not v_facts.workspace_found then
    raise exception using errcode = 'TP003', message = 'unknown workspace',
      detail = pg_catalog.format('workspace_id %s does not exist', record_event.workspace_id);
  elsif v_facts.workspace_archived is not null then
    raise exception using errcode = 'TP003', message = 'the workspace is archived',
      detail = pg_catalog.format('workspace_id %s was archived at %s', record_event.workspace_id, v_facts.workspace_archived);
  end if;
  if not v_facts.tenant_found then
    -- The admin plane sees only its own workspace (RLS): it learns that the tenant is not there,
    -- not whether, or where, it exists elsewhere.
    if v_admin_plane then
      raise exception using errcode = 'TP003', message = 'the tenant is not in that workspace',
        detail = pg_catalog.format('tenant_id %s is not a tenant of workspace_id %s', record_event.tenant_id, record_event.workspace_id);
    end if;
    select t.workspace_id into v_other_workspace from platform.tenants as t where t.id = record_event.tenant_id limit 1;
    if v_other_workspace is null then
      raise exception using errcode = 'TP003', message = 'unknown tenant',
        detail = pg_catalog.format('tenant_id %s does not exist', record_event.tenant_id);
    end if;
    raise exception using errcode = 'TP003', message = 'the tenant is not in that workspace',
      detail = pg_catalog.format('tenant_id %s belongs to workspace %s, not workspace_id %s', record_event.tenant_id, v_other_workspace, record_event.workspace_id);
  elsif v_facts.tenant_archived is not null then
    raise exception using errcode = 'TP003', message = 'the tenant is archived',
      detail = pg_catalog.format('tenant_id %s was archived at %s', record_event.tenant_id, v_facts.tenant_archived);
  end if;
  if not v_facts.actor_found then
    raise exception using errcode = 'TP003', message = 'unknown actor',
      detail = pg_catalog.format('actor_id %s does not exist', record_event.actor_id);
  end if;

  -- Every check passed: write (creating the day's partition first if nobody has yet).
  if pg_catalog.to_regclass('telemetry.product_usage_events_p' || pg_catalog.to_char(record_event.occurred_at at time zone 'UTC', 'YYYYMMDD')) is null then
    perform telemetry.ensure_partitions(record_event.occurred_at, record_event.occurred_at);
  end if;

  if v_event.deduplicated then
    v_milestone := (record_event.workspace_id, v_event.event_name, record_event.subject_id,
                    coalesce(record_event.metadata ->> v_event.dedup_metadata_key, ''));
    insert into telemetry.event_dedup_keys as k (workspace_id, event_name, subject_id, dedup_value, event_id, occurred_at)
    values (v_milestone.workspace_id, v_milestone.event_name, v_milestone.subject_id, v_milestone.dedup_value, v_id, record_event.occurred_at)
    on conflict do nothing;
    if not found then
      -- A retry (possibly concurrent: the insert above waited for the first to commit). The key
      -- is found by the same milestone value its constraint's hash index holds.
      select k.event_id, k.occurred_at into v_existing_id, v_existing_at
        from telemetry.event_dedup_keys as k
       where (k.workspace_id, k.event_name, k.subject_id, k.dedup_value)::telemetry.milestone = v_milestone
         for update;
      perform from telemetry.product_usage_events as e
       where e.workspace_id = record_event.workspace_id and e.id = v_existing_id and e.occurred_at = v_existing_at;
      if found then
        return v_existing_id;
      end if;
      -- The first event has been pruned: this retry records anew.
      update telemetry.event_dedup_keys as k
         set event_id = v_id, occurred_at = record_event.occurred_at
       where (k.workspace_id, k.event_name, k.subject_id, k.dedup_value)::telemetry.milestone = v_milestone;
    end if;
  end if;

  insert into telemetry.product_usage_events
    (workspace_id, id, event_name, tenant_id, actor_id, subject_type, subject_id, metadata, occurred_at)
  values
    (record_event.workspace_id, v_id, v_event.event_name, record_event.tenant_id, record_event.actor_id,
     record_event.subject_type, record_event.subject_id, record_event.metadata, record_event.occurred_at);
  return v_id;
end
$$;
comment on function telemetry.record_event(text, uuid, uuid, uuid, text, uuid, jsonb, timestamptz) is
  'Records a product usage event (the single write path) and returns its id; a retry of a de-duplicated milestone returns the first id. '
  'Rejects with TP001-TP007 (DETAIL names the field or key) and then writes nothing.';
grant execute on function telemetry.record_event(text, uuid, uuid, uuid, text, uuid, jsonb, timestamptz) to tp_admin_plane, tp_owner;

-- source: sql/telemetry/prune_events.sql
-- Retention (SPEC §3.6): removes every event older than now() - retention_days, returns how many,
-- and records the run. Whole expired days are emptied with TRUNCATE of their daily partitions
-- (ledger and rollups; the count comes from the exact rollup): that locks only those old
-- partitions, never the parent tables, so recording into today's partition goes on unblocked.
-- Only the day that straddles the cutoff is deleted row by row, with its rollup decremented in
-- one statement (as are the rows the owner wrote directly for days without partitions: they
-- live in the default partitions, see ensure_partitions). The emptied partitions are dropped later, in a short transaction of their own
-- (telemetry.drop_expired_partitions: a drop locks the parent). Concurrent prunes serialise on
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
       -- (the day's bounds let the planner read that day's partition only, not every one)
       and r.bucket_start >= v_cut_day and r.bucket_start < v_cut_day + interval '24 hours'
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
  perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', 'on', true);
  delete from telemetry.product_usage_events as e where e.occurred_at < v_cut_day;
  get diagnostics v_count = row_count;
  v_removed := v_removed + v_count;
  perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', '', true);
  delete from telemetry.usage_daily_rollup as r where r.bucket_start < v_cut_day;
  delete from telemetry.usage_daily_workspace_rollup as r where r.bucket_start < v_cut_day;
  delete from telemetry.usage_hourly_event_rollup as r where r.bucket_start < v_cut_day;

  -- Keep a week of partitions ready ahead.
  perform telemetry.ensure_partitions(pg_catalog.now(), pg_catalog.now() + interval '168 hours');

  insert into telemetry.prune_runs (cutoff, rows_removed) values (v_cutoff, v_removed);
  return v_removed;
end
$$;
comment on function telemetry.prune_events() is
  'Deletes every event older than now() - retention_days (truncating whole expired days), records the run in telemetry.prune_runs and returns how many events it removed. Safe beside recording and beside itself.';
grant execute on function telemetry.prune_events() to tp_worker;

-- source: sql/health/window_length.sql
-- The length of a console window (SPEC §3.5): a window is (now() - length, now()]. Health takes
-- the window by name (text, the labels of system_api.console_window) so that its readers need no
-- right on system_api: the DBA reader evaluates health without it. An unknown name is refused.
create or replace function health.window_length(p_window text) returns interval
  language plpgsql immutable strict parallel safe
  set search_path = pg_catalog, pg_temp
as $$
begin
  case p_window
    when 'last_hour' then return interval '1 hour';
    when 'last_24_hours' then return interval '24 hours';
    when 'last_7_days' then return interval '168 hours';
    when 'last_30_days' then return interval '720 hours';
    else
      raise exception using
        errcode = '22P02',
        message = pg_catalog.format('invalid health window: %L', p_window),
        detail = 'The window must be one of last_hour, last_24_hours, last_7_days, last_30_days.';
  end case;
end
$$;
comment on function health.window_length(text) is
  'Length of a console window given by name (last_hour, last_24_hours, last_7_days, last_30_days); the window is (now() - length, now()].';
grant execute on function health.window_length(text) to tp_system_operator, tp_dba_reader;

-- source: sql/health/telemetry_activity.sql
-- Telemetry facts health needs, per workspace, without handing any plane a raw event: the time
-- of the latest event and the request events of a window. telemetry.event_counts answers the
-- same questions for every workspace at once; these answer them for the given workspaces with
-- index probes ((workspace_id, occurred_at) on the ledger), which the card (< 20 ms) and the
-- dashboard (< 300 ms) need. Definers (the ledger is the owner's), pinned search_path; only
-- aggregates leave them, and only events of active tenants count. Planned per call
-- (force_custom_plan): a generic plan cannot prune the ledger's daily partitions.

-- The latest event at or before p_as_of and after p_after, per given workspace (null: none).
-- Probed in two steps, each planned with its own bounds so that it plans and touches only its
-- own daily partitions: the last 2 days for every workspace (most are answered there), then the
-- rest of the range for the workspaces not answered yet (skipped when there are none).
create or replace function health.last_event_at(p_workspace_ids uuid[], p_after timestamptz, p_as_of timestamptz)
  returns table (workspace_id uuid, last_event_at timestamptz)
  language plpgsql stable security definer parallel safe
  set search_path = pg_catalog, pg_temp
  set plan_cache_mode = force_custom_plan
  -- Over a few partitions the planner would rather sort a workspace's events than walk its
  -- index backwards and stop at the first event of an active tenant (which is what we want).
  set enable_sort = off
  set enable_bitmapscan = off
as $$
declare
  v_pending uuid[] := coalesce(p_workspace_ids, '{}');
  v_upper timestamptz := p_as_of;
  v_lower timestamptz;
  v_step interval;
  v_found_ids uuid[];
  v_found_at timestamptz[];
begin
  foreach v_step in array array[interval '48 hours', null::interval] loop
    exit when pg_catalog.cardinality(v_pending) = 0 or v_upper <= p_after;
    v_lower := case when v_step is null then p_after else greatest(p_after, v_upper - v_step) end;
    select coalesce(pg_catalog.array_agg(f.id), '{}'), coalesce(pg_catalog.array_agg(f.at), '{}')
      into v_found_ids, v_found_at
      from (select w.id,
                   (select e.occurred_at
                      from telemetry.product_usage_events as e
                     where e.workspace_id = w.id
                       and e.occurred_at > v_lower and e.occurred_at <= v_upper
                       and exists (select from platform.tenants as t
                                    where t.workspace_id = e.workspace_id and t.id = e.tenant_id and t.archived_at is null)
                     order by e.occurred_at desc
                     limit 1) as at
              from unnest(v_pending) as w (id)) as f
     where f.at is not null;
    return query select u.id, u.at from unnest(v_found_ids, v_found_at) as u (id, at);
    v_pending := array(select p.id from unnest(v_pending) as p (id) except all select f.id from unnest(v_found_ids) as f (id));
    v_upper := v_lower;
  end loop;
  return query select p.id, null::timestamptz from unnest(v_pending) as p (id);
end
$$;
comment on function health.last_event_at(uuid[], timestamptz, timestamptz) is
  'Per given workspace: occurred_at of its latest event (of an active tenant) in (p_after, p_as_of], or null.';
grant execute on function health.last_event_at(uuid[], timestamptz, timestamptz) to tp_system_operator, tp_dba_reader;

-- review_packs.generation_requested events in (p_from, p_to] per given workspace (active
-- tenants only): how many, and the distinct tenants that made them (sorted). Read from the
-- partial index product_usage_events_review_requests_idx (migrations/draft/health_perf_indexes.sql).
-- No workspace given (the card of a workspace with a pack in the window): nothing is planned.
create or replace function health.review_pack_requests(p_workspace_ids uuid[], p_from timestamptz, p_to timestamptz)
  returns table (workspace_id uuid, request_events int, tenant_ids uuid[])
  language plpgsql stable security definer parallel safe
  set search_path = pg_catalog, pg_temp
  set plan_cache_mode = force_custom_plan
as $$
begin
  if coalesce(pg_catalog.cardinality(p_workspace_ids), 0) = 0 then
    return;
  end if;
  return query
  select e.workspace_id, count(*)::int, pg_catalog.array_agg(distinct e.tenant_id order by e.tenant_id)
    from unnest(p_workspace_ids) as w (id)
    join telemetry.product_usage_events as e
      on e.workspace_id = w.id and e.occurred_at > p_from and e.occurred_at <= p_to
     and e.event_name = 'review_packs.generation_requested'
    join platform.tenants as t on t.workspace_id = e.workspace_id and t.id = e.tenant_id and t.archived_at is null
   group by e.workspace_id;
end
$$;
comment on function health.review_pack_requests(uuid[], timestamptz, timestamptz) is
  'Per given workspace: review_packs.generation_requested events (of active tenants) in (p_from, p_to], and their distinct tenants.';
grant execute on function health.review_pack_requests(uuid[], timestamptz, timestamptz) to tp_system_operator, tp_dba_reader;

-- source: sql/health/dimension_onboarding_readiness.sql
-- Dimension 1, onboarding readiness (SPEC §4.2), point in time, per tenant: the tenant's latest
-- onboarding session (by started_at) decides. No session: unknown; completed: ok; in_progress
-- updated within onboarding_stall_days: warn; blocked, abandoned, or in_progress not updated for
-- onboarding_stall_days (age >= the threshold): critical. Rolled up over active tenants.
create or replace function health.dimension_onboarding_readiness(p_workspace_id uuid default null, p_with_evidence boolean default true)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  select r.*
    from health.roll_up_tenants(p_workspace_id, 'onboarding.no_active_tenant', array(
      select case
               when s.status is null then
                 row(t.workspace_id, t.id, 'unknown', 'onboarding.no_session', 'has no onboarding session', 'have no onboarding session', 1)::health.tenant_result
               when s.status = 'blocked' then
                 row(t.workspace_id, t.id, 'critical', 'onboarding.blocked', 'has a blocked onboarding', 'have a blocked onboarding', 1)::health.tenant_result
               when s.status = 'abandoned' then
                 row(t.workspace_id, t.id, 'critical', 'onboarding.abandoned', 'has an abandoned onboarding', 'have an abandoned onboarding', 2)::health.tenant_result
               when s.status = 'in_progress'
                    and s.updated_at <= pg_catalog.now() - pg_catalog.make_interval(hours => 24 * st.onboarding_stall_days) then
                 row(t.workspace_id, t.id, 'critical', 'onboarding.stalled',
                     pg_catalog.format('has an onboarding not updated for %s days', st.onboarding_stall_days),
                     pg_catalog.format('have an onboarding not updated for %s days', st.onboarding_stall_days), 3)::health.tenant_result
               when s.status = 'in_progress' then
                 row(t.workspace_id, t.id, 'warn', 'onboarding.in_progress', 'is still onboarding', 'are still onboarding', 1)::health.tenant_result
               else
                 row(t.workspace_id, t.id, 'ok', 'onboarding.completed', 'has completed onboarding', 'have completed onboarding', 1)::health.tenant_result
             end
        from health.active_tenants(p_workspace_id) as t
        cross join health.settings as st
        -- Every tenant's latest session in one sorted pass (cheaper than a probe per tenant).
        left join (
          select distinct on (s.workspace_id, s.tenant_id) s.workspace_id, s.tenant_id, s.status, s.updated_at
            from (select s.* from platform.onboarding_sessions as s where p_workspace_id is null
                  union all
                  select s.* from platform.onboarding_sessions as s where s.workspace_id = p_workspace_id) as s
           order by s.workspace_id, s.tenant_id, s.started_at desc, s.id desc
        ) as s on s.workspace_id = t.workspace_id and s.tenant_id = t.id
    ), p_with_evidence) as r
$$;
comment on function health.dimension_onboarding_readiness(uuid, boolean) is
  'p_with_evidence = false: evidence null. Onboarding readiness per active workspace (or the one given): worst latest-session verdict over its active tenants.';
grant execute on function health.dimension_onboarding_readiness(uuid, boolean) to tp_system_operator, tp_dba_reader;

-- source: sql/health/dimension_provider_connection_health.sql
-- Dimension 2, provider connection health (SPEC §4.2), point in time, per tenant, worst
-- connection: none: unknown; consent revoked or verification failed: critical; consent pending,
-- verification unverified, or last_verified_at null or older than (strictly more than)
-- provider_verification_stale_days: warn; else ok. Rolled up over active tenants.
create or replace function health.dimension_provider_connection_health(p_workspace_id uuid default null, p_with_evidence boolean default true)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  select r.*
    from health.roll_up_tenants(p_workspace_id, 'provider.no_active_tenant', array(
      select case
               when c.first_rule is null then
                 row(t.workspace_id, t.id, 'unknown', 'provider.no_connection', 'has no provider connection', 'have no provider connection', 1)::health.tenant_result
               when c.first_rule = 1 then
                 row(t.workspace_id, t.id, 'critical', 'provider.consent_revoked', 'has revoked consent', 'have revoked consent', 1)::health.tenant_result
               when c.first_rule = 2 then
                 row(t.workspace_id, t.id, 'critical', 'provider.verification_failed', 'has a failed verification', 'have a failed verification', 2)::health.tenant_result
               when c.first_rule = 3 then
                 row(t.workspace_id, t.id, 'warn', 'provider.consent_pending', 'has consent pending', 'have consent pending', 1)::health.tenant_result
               when c.first_rule = 4 then
                 row(t.workspace_id, t.id, 'warn', 'provider.unverified', 'has an unverified connection', 'have an unverified connection', 2)::health.tenant_result
               when c.first_rule = 5 then
                 row(t.workspace_id, t.id, 'warn', 'provider.verification_stale',
                     pg_catalog.format('has a connection not verified in the last %s days', st.provider_verification_stale_days),
                     pg_catalog.format('have a connection not verified in the last %s days', st.provider_verification_stale_days), 3)::health.tenant_result
               else
                 row(t.workspace_id, t.id, 'ok', 'provider.healthy', 'has healthy connections', 'have healthy connections', 1)::health.tenant_result
             end
        from health.active_tenants(p_workspace_id) as t
        cross join health.settings as st
        left join (
          -- Each connection ranked by the first rule it meets (1 revoked, 2 verification failed,
          -- 3 consent pending, 4 unverified, 5 verification stale, 6 healthy); a tenant's verdict
          -- is the first rule any of its connections meets, i.e. the least rank.
          select pc.workspace_id, pc.tenant_id,
                 min(case when pc.consent_status = 'revoked' then 1
                          when pc.verification_status = 'failed' then 2
                          when pc.consent_status = 'pending' then 3
                          when pc.verification_status = 'unverified' then 4
                          when pc.last_verified_at is null
                               or pc.last_verified_at < pg_catalog.now() - pg_catalog.make_interval(hours => 24 * s2.provider_verification_stale_days) then 5
                          else 6 end) as first_rule
            from (select pc.* from platform.provider_connections as pc where p_workspace_id is null
                  union all
                  select pc.* from platform.provider_connections as pc where pc.workspace_id = p_workspace_id) as pc
            cross join health.settings as s2
           group by pc.workspace_id, pc.tenant_id
        ) as c on c.workspace_id = t.workspace_id and c.tenant_id = t.id
    ), p_with_evidence) as r
$$;
comment on function health.dimension_provider_connection_health(uuid, boolean) is
  'p_with_evidence = false: evidence null. Provider connection health per active workspace (or the one given): worst connection verdict over its active tenants.';
grant execute on function health.dimension_provider_connection_health(uuid, boolean) to tp_system_operator, tp_dba_reader;

-- source: sql/health/dimension_governance_pressure.sql
-- Dimension 4, governance pressure (SPEC §4.2), point in time, per tenant: no finding (resolved
-- ones included) and no permission_posture report ever: unknown; an open critical finding, or an
-- open high finding past due_at: critical; an open high finding, any open finding past due_at,
-- or a risk_accepted exception expired or expiring within exception_warning_days (inclusive;
-- none when exception_expires_at is null): warn; else ok. Rolled up over active tenants.
create or replace function health.dimension_governance_pressure(p_workspace_id uuid default null, p_with_evidence boolean default true)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  select r.*
    from health.roll_up_tenants(p_workspace_id, 'governance.no_active_tenant', array(
      select case
               -- (the report check first: it is one hash lookup; the findings one an index probe)
               when p.tenant_id is null
                    and not exists (select from platform.stored_reports as sr
                                     where sr.workspace_id = t.workspace_id and sr.tenant_id = t.id
                                       and sr.report_type = 'permission_posture')
                    and not exists (select from platform.findings as f
                                     where f.workspace_id = t.workspace_id and f.tenant_id = t.id) then
                 row(t.workspace_id, t.id, 'unknown', 'governance.no_data',
                     'has no findings and no permission posture report', 'have no findings and no permission posture report', 1)::health.tenant_result
               when p.first_rule = 1 then
                 row(t.workspace_id, t.id, 'critical', 'governance.open_critical', 'has an open critical finding', 'have an open critical finding', 1)::health.tenant_result
               when p.first_rule = 2 then
                 row(t.workspace_id, t.id, 'critical', 'governance.high_overdue', 'has an open high finding past due', 'have an open high finding past due', 2)::health.tenant_result
               when p.first_rule = 3 then
                 row(t.workspace_id, t.id, 'warn', 'governance.open_high', 'has an open high finding', 'have an open high finding', 1)::health.tenant_result
               when p.first_rule = 4 then
                 row(t.workspace_id, t.id, 'warn', 'governance.overdue', 'has an open finding past due', 'have an open finding past due', 2)::health.tenant_result
               when p.first_rule = 5 then
                 row(t.workspace_id, t.id, 'warn', 'governance.exception_expiring',
                     pg_catalog.format('has a risk exception expired or expiring within %s days', st.exception_warning_days),
                     pg_catalog.format('have a risk exception expired or expiring within %s days', st.exception_warning_days), 3)::health.tenant_result
               else
                 row(t.workspace_id, t.id, 'ok', 'governance.clear', 'has no governance pressure', 'have no governance pressure', 1)::health.tenant_result
             end
        from health.active_tenants(p_workspace_id) as t
        cross join health.settings as st
        left join (
          -- Unresolved findings only (partial index findings_unresolved_idx); resolved ones only
          -- prove that governance truth exists (the exists probes above). Each finding is ranked
          -- by the first rule it meets (1 open critical, 2 open high past due, 3 open high,
          -- 4 open past due, 5 risk exception expiring, 6 none); a tenant's verdict is the
          -- first rule any of its findings meets, i.e. the least rank: one aggregate, not five.
          select f.workspace_id, f.tenant_id,
                 min(case when f.status = 'open' and f.severity = 'critical' then 1
                          when f.status = 'open' and f.severity = 'high' and f.due_at < pg_catalog.now() then 2
                          when f.status = 'open' and f.severity = 'high' then 3
                          when f.status = 'open' and f.due_at < pg_catalog.now() then 4
                          when f.status = 'risk_accepted' and f.exception_expires_at <= s2.exception_horizon then 5
                          else 6 end) as first_rule
            from (select f.* from platform.findings as f where p_workspace_id is null
                  union all
                  select f.* from platform.findings as f where f.workspace_id = p_workspace_id) as f
            cross join (select pg_catalog.now() + pg_catalog.make_interval(hours => 24 * st2.exception_warning_days) as exception_horizon
                          from health.settings as st2) as s2
           where f.status <> 'resolved'
           group by f.workspace_id, f.tenant_id
        ) as p on p.workspace_id = t.workspace_id and p.tenant_id = t.id
    ), p_with_evidence) as r
$$;
comment on function health.dimension_governance_pressure(uuid, boolean) is
  'p_with_evidence = false: evidence null. Governance pressure per active workspace (or the one given): worst findings verdict over its active tenants.';
grant execute on function health.dimension_governance_pressure(uuid, boolean) to tp_system_operator, tp_dba_reader;

-- source: sql/health/dimension_engagement_freshness.sql
-- Dimension 6, engagement freshness (SPEC §4.2), over a window (p_as_of - p_length, p_as_of],
-- from telemetry (events of active tenants): >= 1 event in the window: ok; none in the window but
-- some within retention: warn; none within retention: critical when the workspace is older than
-- the window (created at or before its start), else unknown. "Within retention" is what the
-- recorder accepts and the prune keeps: not older than p_as_of - retention_days (the cutoff
-- itself is in), and, when judged now, the events recorded up to 5 minutes ahead too (as of an
-- earlier p_as_of, for the previous window, later events had not happened yet). Decided by the
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
    -- events (of active tenants) in the window, for the evidence only
    select c.workspace_id, sum(c.event_count) as events
      from telemetry.workspace_event_counts(
             case when p_with_evidence then array(select w.id from workspaces as w) else '{}' end,
             p_as_of - p_length, p_as_of) as c
      join platform.tenants as t on t.workspace_id = c.workspace_id and t.id = c.tenant_id and t.archived_at is null
     group by c.workspace_id
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

-- source: sql/health/evaluate.sql
-- The one shared definition of workspace health: every active workspace (or the one given) ×
-- the six dimensions, evaluated now for the window. The dashboard, the KPIs, the cards and the
-- DBA views all read this (through health.workspace_summary), so they cannot disagree. The
-- summaries pass p_with_evidence = false: they show levels and reasons, and the per-tenant
-- dimensions then skip building evidence (which is most of their cost; it is null there), and
-- engagement does not count the window's events.
create or replace function health.evaluate(p_window text, p_workspace_id uuid default null, p_with_evidence boolean default true)
  returns table (
    workspace_id uuid, workspace_name text, dimension text, label text, basis text, display_order int,
    level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid
  )
  language sql stable parallel safe
as $$
  with results as (
    select 'onboarding_readiness' as dimension, r.*
      from health.dimension_onboarding_readiness(p_workspace_id, p_with_evidence) as r
    union all
    select 'provider_connection_health', r.*
      from health.dimension_provider_connection_health(p_workspace_id, p_with_evidence) as r
    union all
    select 'operational_stability', r.*
      from health.dimension_operational_stability(pg_catalog.now(), health.window_length(p_window), p_workspace_id) as r
    union all
    select 'governance_pressure', r.*
      from health.dimension_governance_pressure(p_workspace_id, p_with_evidence) as r
    union all
    select 'review_pack_readiness', r.*
      from health.dimension_review_pack_readiness(pg_catalog.now(), health.window_length(p_window), p_workspace_id) as r
    union all
    select 'engagement_freshness', r.*
      from health.dimension_engagement_freshness(pg_catalog.now(), health.window_length(p_window), p_workspace_id, p_with_evidence) as r
  )
  select w.id, w.name, d.key, d.label, d.basis, d.display_order,
         r.level, r.reason_code, r.reason, r.evidence, r.attributed_tenant_id
    from results as r
    join health.dimensions as d on d.key = r.dimension
    join platform.workspaces as w on w.id = r.workspace_id
$$;
comment on function health.evaluate(text, uuid, boolean) is
  'Health of every active workspace (or the one given) on each of the six dimensions, now, for the window '
  '(p_with_evidence = false: the per-tenant dimensions leave evidence null).';
grant execute on function health.evaluate(text, uuid, boolean) to tp_system_operator, tp_dba_reader;

-- source: sql/health/previous_levels.sql
-- Trend without persistence (SPEC §4.3): each windowed dimension evaluated over the previous
-- window of equal length, i.e. as of now() - length, on today's statuses.
create or replace function health.previous_levels(p_window text, p_workspace_id uuid default null)
  returns table (workspace_id uuid, dimension text, previous_level health.level)
  language sql stable parallel safe
as $$
  select r.workspace_id, 'operational_stability', r.level
    from health.dimension_operational_stability(
      pg_catalog.now() - health.window_length(p_window), health.window_length(p_window), p_workspace_id) as r
  union all
  select r.workspace_id, 'review_pack_readiness', r.level
    from health.dimension_review_pack_readiness(
      pg_catalog.now() - health.window_length(p_window), health.window_length(p_window), p_workspace_id) as r
  union all
  select r.workspace_id, 'engagement_freshness', r.level
    from health.dimension_engagement_freshness(
      pg_catalog.now() - health.window_length(p_window), health.window_length(p_window), p_workspace_id, p_with_evidence => false) as r
$$;
comment on function health.previous_levels(text, uuid) is
  'Levels of the windowed dimensions over the previous window of equal length (as of now() minus the length).';
grant execute on function health.previous_levels(text, uuid) to tp_system_operator, tp_dba_reader;

-- source: migrations/steps/end_as_owner.sql
-- Back to the migrating login, which records the migration in graphile_migrate.migrations.
reset role;
