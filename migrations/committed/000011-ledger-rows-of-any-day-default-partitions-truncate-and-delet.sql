--! Previous: sha1:291a83ee710589ea69b0b885343beeb84d8e699c
--! Hash: sha1:3d5ff0a3f9904caec2bb82c8139d2c0c7b05c26c
--! Message: Ledger rows of any day (default partitions), TRUNCATE and deleted workspaces/tenants keep the counts exact; TP007 compares the context as a uuid; engagement sees an unpruned event in a window longer than retention; attention max_rows null = 10

-- source: migrations/steps/begin_as_owner.sql
-- Every object is created as, and owned by, tp_owner (SPEC §1).
set local role tp_owner;

-- source: migrations/draft/telemetry_any_day_truncate_deleted_tenants.sql
-- A row the owner writes directly is counted like any other (SPEC §3.1), whatever its day: the
-- ledger and its rollups get default partitions for the days that have no daily partition (the
-- recorder creates its day's partitions before it writes; a direct writer no longer has to).
-- telemetry.ensure_partitions moves a day's rows out of the defaults when it creates that day's
-- partitions, and telemetry.prune_events removes expired rows from them.
create table telemetry.product_usage_events_default partition of telemetry.product_usage_events default;
create table telemetry.usage_daily_rollup_default partition of telemetry.usage_daily_rollup default;
create table telemetry.usage_daily_workspace_rollup_default partition of telemetry.usage_daily_workspace_rollup default;
create table telemetry.usage_hourly_event_rollup_default partition of telemetry.usage_hourly_event_rollup default;
alter table telemetry.product_usage_events_default enable row level security;
alter table telemetry.product_usage_events_default force row level security;
alter table telemetry.usage_daily_rollup_default enable row level security;
alter table telemetry.usage_daily_rollup_default force row level security;
alter table telemetry.usage_daily_workspace_rollup_default enable row level security;
alter table telemetry.usage_daily_workspace_rollup_default force row level security;
alter table telemetry.usage_hourly_event_rollup_default enable row level security;
alter table telemetry.usage_hourly_event_rollup_default force row level security;
comment on table telemetry.product_usage_events_default is
  'Ledger rows of days that have no daily partition (written directly by the owner); moved into a day''s partition when it is created.';
comment on table telemetry.usage_daily_rollup_default is 'Rollup rows of days that have no daily partition.';
comment on table telemetry.usage_daily_workspace_rollup_default is 'Rollup rows of days that have no daily partition.';
comment on table telemetry.usage_hourly_event_rollup_default is 'Rollup rows of days that have no daily partition.';

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
          case v_table when 'product_usage_events' then 'occurred_at' else 'bucket_start' end, v_day, v_day + interval '1 day');
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
              v_table, v_partition, v_day, v_day + interval '1 day');
          else
            execute pg_catalog.format('create table telemetry.%I partition of telemetry.%I for values from (%L) to (%L)',
              v_partition, v_table, v_day, v_day + interval '1 day');
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
    v_day := v_day + interval '1 day';
  end loop;
  return v_created;
end
$$;
comment on function telemetry.ensure_partitions(timestamptz, timestamptz) is
  'Creates the missing daily (UTC) partitions of the ledger and its rollups covering [p_from, p_to], moving those days'' rows out of the default partitions; returns how many ledger partitions it created.';
grant execute on function telemetry.ensure_partitions(timestamptz, timestamptz) to tp_worker;

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
       -- (the day's bounds let the planner read that day's partition only, not every one)
       and r.bucket_start >= v_cut_day and r.bucket_start < v_cut_day + interval '1 day'
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
  perform telemetry.ensure_partitions(pg_catalog.now(), pg_catalog.now() + interval '7 days');

  insert into telemetry.prune_runs (cutoff, rows_removed) values (v_cutoff, v_removed);
  return v_removed;
end
$$;
comment on function telemetry.prune_events() is
  'Deletes every event older than now() - retention_days (truncating whole expired days), records the run in telemetry.prune_runs and returns how many events it removed. Safe beside recording and beside itself.';
grant execute on function telemetry.prune_events() to tp_worker;

-- source: sql/telemetry/rollup.sql
-- Keeps the three rollups exactly equal to the ledger's counts: per workspace, UTC day, tenant and
-- event (telemetry.usage_daily_rollup), per workspace and day (usage_daily_workspace_rollup) and
-- per hour, shard and event (usage_hourly_event_rollup). A row trigger on the partitioned ledger
-- (cloned onto every partition), so every write is counted whoever makes it and whichever table
-- it names. The prune removes whole days with their rollup partitions and counts its row-by-row
-- remainder itself: it sets tenantpulse.rollup_batched_delete = on for its transaction, and
-- deletes then skip the per-row decrement (only the owner can delete ledger rows at all). That
-- rule is the delete trigger's WHEN clause, so a batched delete does not even enter PL/pgSQL.
create or replace function telemetry.workspace_shard(p_workspace_id uuid) returns smallint
  language sql immutable strict parallel safe
  set search_path = pg_catalog, pg_temp
as $$
  select (pg_catalog.hashtextextended(p_workspace_id::text, 0) & 15)::smallint
$$;
comment on function telemetry.workspace_shard(uuid) is 'Shard (0-15) of a workspace in telemetry.usage_hourly_event_rollup.';

create or replace function telemetry.maintain_usage_rollup() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    update telemetry.usage_daily_rollup as r
       set event_count = r.event_count - 1
     where r.workspace_id = old.workspace_id
       and r.bucket_start = pg_catalog.date_bin('1 day', old.occurred_at, timestamptz '2000-01-01 00:00:00+00')
       and r.tenant_id = old.tenant_id
       and r.event_name = old.event_name;
    update telemetry.usage_daily_workspace_rollup as r
       set event_count = r.event_count - 1
     where r.workspace_id = old.workspace_id
       and r.bucket_start = pg_catalog.date_bin('1 day', old.occurred_at, timestamptz '2000-01-01 00:00:00+00');
    update telemetry.usage_hourly_event_rollup as r
       set event_count = r.event_count - 1
     where r.bucket_start = pg_catalog.date_bin('1 hour', old.occurred_at, timestamptz '2000-01-01 00:00:00+00')
       and r.shard = telemetry.workspace_shard(old.workspace_id)
       and r.event_name = old.event_name;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into telemetry.usage_daily_rollup as r (workspace_id, bucket_start, tenant_id, event_name, event_count)
    values (new.workspace_id, pg_catalog.date_bin('1 day', new.occurred_at, timestamptz '2000-01-01 00:00:00+00'),
            new.tenant_id, new.event_name, 1)
    on conflict (workspace_id, bucket_start, tenant_id, event_name)
    do update set event_count = r.event_count + 1;
    insert into telemetry.usage_daily_workspace_rollup as r (workspace_id, bucket_start, event_count)
    values (new.workspace_id, pg_catalog.date_bin('1 day', new.occurred_at, timestamptz '2000-01-01 00:00:00+00'), 1)
    on conflict (workspace_id, bucket_start)
    do update set event_count = r.event_count + 1;
    insert into telemetry.usage_hourly_event_rollup as r (bucket_start, shard, event_name, event_count)
    values (pg_catalog.date_bin('1 hour', new.occurred_at, timestamptz '2000-01-01 00:00:00+00'),
            telemetry.workspace_shard(new.workspace_id), new.event_name, 1)
    on conflict (bucket_start, shard, event_name)
    do update set event_count = r.event_count + 1;
  end if;
  return null;
end
$$;
comment on function telemetry.maintain_usage_rollup() is
  'Trigger: keeps the telemetry rollups equal to the ledger''s counts (insert, update, delete).';

create or replace trigger maintain_usage_rollup
  after insert or update on telemetry.product_usage_events
  for each row execute function telemetry.maintain_usage_rollup();

create or replace trigger maintain_usage_rollup_on_delete
  after delete on telemetry.product_usage_events
  for each row
  when (pg_catalog.current_setting('tenantpulse.rollup_batched_delete', true) is distinct from 'on')
  execute function telemetry.maintain_usage_rollup();

-- TRUNCATE of the ledger (the owner's, of the whole table) empties its companions with it: the
-- rollups and the de-duplication keys. (The prune truncates single partitions, which does not
-- fire this; it empties the rollup partitions itself.)
create or replace function telemetry.empty_ledger_companions() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  truncate telemetry.usage_daily_rollup, telemetry.usage_daily_workspace_rollup, telemetry.usage_hourly_event_rollup,
           telemetry.event_dedup_keys;
  return null;
end
$$;
comment on function telemetry.empty_ledger_companions() is
  'Trigger: a TRUNCATE of the ledger empties the rollups and the de-duplication keys too.';

create or replace trigger empty_ledger_companions
  after truncate on telemetry.product_usage_events
  for each statement execute function telemetry.empty_ledger_companions();

-- source: sql/telemetry/forget_deleted_events.sql
-- The events of a deleted workspace or tenant go with it, as every platform row of theirs does
-- (on delete cascade): otherwise the usage summary would count events of a workspace it no longer
-- has. (Not a foreign key from the ledger: its check would lock the tenant's row for every event
-- recorded.) Statement-level, one delete per deleting statement; the rollups follow through the
-- ledger's own trigger.
create or replace function telemetry.forget_deleted_events() returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_table_name = 'workspaces' then
    delete from telemetry.product_usage_events as e using gone as g where e.workspace_id = g.id;
  else
    delete from telemetry.product_usage_events as e using gone as g where e.workspace_id = g.workspace_id and e.tenant_id = g.id;
  end if;
  return null;
end
$$;
comment on function telemetry.forget_deleted_events() is
  'Trigger: deletes the ledger events of deleted workspaces or tenants.';

create or replace trigger forget_deleted_events
  after delete on platform.workspaces
  referencing old table as gone
  for each statement execute function telemetry.forget_deleted_events();

create or replace trigger forget_deleted_events
  after delete on platform.tenants
  referencing old table as gone
  for each statement execute function telemetry.forget_deleted_events();

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
  if v_caller = 'tp_admin_plane'
     or (pg_catalog.pg_has_role(v_caller, 'tp_admin_plane', 'member') and not pg_catalog.pg_has_role(v_caller, 'tp_owner', 'member')) then
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
  elsif record_event.occurred_at < pg_catalog.now() - pg_catalog.make_interval(days => coalesce(v_facts.retention_days, 90)) then
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

-- source: sql/health/dimension_engagement_freshness.sql
-- Dimension 6, engagement freshness (SPEC §4.2), over a window (p_as_of - p_length, p_as_of],
-- from telemetry (events of active tenants): >= 1 event in the window: ok; none in the window but
-- some within retention (p_as_of - retention_days, p_as_of]: warn; none within retention:
-- critical when the workspace is older than the window (created at or before its start), else
-- unknown. Decided by the latest event at or before p_as_of (health.last_event_at), searched
-- back over the longer of the window and retention (an event in the window counts even when a
-- shortened retention has not been pruned to yet, as the usage summary counts it), which is
-- also the evidence. Never attributable to one tenant.
create or replace function health.dimension_engagement_freshness(
  p_as_of timestamptz, p_length interval, p_workspace_id uuid default null
)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  with workspaces as (
    select w.id, w.created_at from health.active_workspaces(p_workspace_id) as w
  ),
  retention as (
    select health.retention_days() as days
  ),
  judged as (
    select w.id as workspace_id, w.created_at <= p_as_of - p_length as older_than_window, r.days, l.last_event_at,
           l.last_event_at > p_as_of - p_length as in_window
      from workspaces as w
      cross join retention as r
      left join health.last_event_at(
        array(select w2.id from workspaces as w2),
        p_as_of - greatest(p_length, pg_catalog.make_interval(days => (select r2.days from retention as r2))),
        p_as_of) as l on l.workspace_id = w.id
  )
  select j.workspace_id,
         case when j.in_window then 'ok'::health.level
              when j.last_event_at is not null then 'warn'
              when j.older_than_window then 'critical'
              else 'unknown' end,
         case when j.in_window then 'engagement.active'
              when j.last_event_at is not null then 'engagement.quiet'
              when j.older_than_window then 'engagement.dormant'
              else 'engagement.too_new' end,
         case when j.in_window then 'Events in the window'
              when j.last_event_at is not null then
                -- An absolute time: the same data gives the same reason on every read.
                pg_catalog.format('No events in the window; the last one at %s',
                  pg_catalog.to_char(j.last_event_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'))
              when j.older_than_window then pg_catalog.format('No events in the last %s days', j.days)
              else 'No events yet, and the workspace is younger than the window' end,
         pg_catalog.jsonb_build_object(
           'last_event_at', j.last_event_at, 'retention_days', j.days, 'older_than_window', j.older_than_window),
         null::uuid
    from judged as j
$$;
comment on function health.dimension_engagement_freshness(timestamptz, interval, uuid) is
  'Engagement freshness per active workspace (or the one given) over the window (p_as_of - p_length, p_as_of], from the latest telemetry event.';
grant execute on function health.dimension_engagement_freshness(timestamptz, interval, uuid) to tp_system_operator, tp_dba_reader;

-- source: sql/system_api/attention_workspaces.sql
-- The attention list (SPEC §4.3): workspaces whose overall level is not ok, ordered by overall
-- severity desc, number of non-ok dimensions desc, name asc, id asc; at most max_rows (default 10,
-- also when it is passed as null: GraphQL's `maxRows: null` means "not given"). No window: no rows.
create or replace function system_api.attention_workspaces("window" system_api.console_window, max_rows int default 10)
  returns setof system_api.attention_workspace
  language sql stable parallel safe
  -- Big plans that are cheap to run: JIT would cost more than it saves. Planned for each call: a
  -- few ms beside reading every workspace, and the plan then drops the scoped reads' branches
  -- for a single workspace (health.active_workspaces).
  set jit = off
  set plan_cache_mode = force_custom_plan
as $$
  select s.workspace_id, s.workspace_name, s.overall_level, s.non_ok_count, s.top_dimension,
         s.top_reason_code, s.top_reason, s.drivers, s.next_link
    from health.workspace_summary("window"::text) as s
   where s.overall_level <> 'ok' and "window" is not null
   order by health.severity(s.overall_level) desc, s.non_ok_count desc, s.workspace_name asc, s.workspace_id asc
   limit greatest(coalesce(max_rows, 10), 0)
$$;
comment on function system_api.attention_workspaces(system_api.console_window, int) is
  'Workspaces needing attention for the window (overall level not ok), worst first, with their drivers and the one next link.';
grant execute on function system_api.attention_workspaces(system_api.console_window, int) to tp_system_operator;

-- source: migrations/steps/end_as_owner.sql
-- Back to the migrating login, which records the migration in graphile_migrate.migrations.
reset role;
