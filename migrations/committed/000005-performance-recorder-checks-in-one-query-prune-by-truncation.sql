--! Previous: sha1:1fb1965d3cdfca98cd8502bd6ba45d2402f63d2a
--! Hash: sha1:01cb9851d578d343908494721b745879a117620a
--! Message: Performance: recorder checks in one query, prune by truncation with a separate partition drop, health summaries without evidence, one-pass roll-ups

-- source: migrations/steps/begin_as_owner.sql
-- Every object is created as, and owned by, tp_owner (SPEC §1).
set local role tp_owner;

-- source: migrations/draft/telemetry_dedup_keys_brin.sql
-- The de-duplication keys are collected by age once a day (prune_dedup_keys); a BRIN index on
-- occurred_at serves that (keys arrive in time order) and costs the recorder almost nothing per
-- key, where the b-tree it replaces cost an index insert on every recorded milestone.
drop index telemetry.event_dedup_keys_occurred_idx;
create index event_dedup_keys_occurred_idx on telemetry.event_dedup_keys using brin (occurred_at);

-- source: sql/telemetry/metadata_violation.sql
-- Safe metadata (SPEC §3.2), as data-driven checks against telemetry.event_metadata_rules.
-- metadata_violation() returns null when the metadata is safe for the event, else one sentence
-- naming the offending key and why; check_metadata() raises TP004 with that sentence as DETAIL.
create or replace function telemetry.metadata_violation(p_event_name text, p_metadata jsonb) returns text
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_pair record;
begin
  if p_metadata is null then
    return 'metadata is null (use {} for none)';
  end if;
  if pg_catalog.jsonb_typeof(p_metadata) <> 'object' then
    return pg_catalog.format('metadata must be a JSON object, not %s', pg_catalog.jsonb_typeof(p_metadata));
  end if;
  if pg_catalog.jsonb_array_length(pg_catalog.jsonb_path_query_array(p_metadata, '$.keyvalue()')) > 8 then
    return 'metadata has more than 8 keys';
  end if;
  if pg_catalog.octet_length(p_metadata::text) > 1024 then
    return pg_catalog.format('metadata is %s bytes serialised, more than 1 KiB', pg_catalog.octet_length(p_metadata::text));
  end if;
  -- One query (the recorder runs this for every event): each key with its rule, in key order,
  -- then the event's rules no key matched (a missing required key).
  for v_pair in
    select e.key, e.value, r.key as rule_key, r.max_length, r.allowed_values, r.pattern, r.required
      from pg_catalog.jsonb_each(p_metadata) as e
      full join (select * from telemetry.event_metadata_rules as r where r.event_name = p_event_name) as r on r.key = e.key
     order by e.key is null, coalesce(e.key, r.key)
  loop
    if v_pair.key is null then
      if v_pair.required then
        return pg_catalog.format('key "%s" is required for %s', v_pair.rule_key, p_event_name);
      end if;
    elsif v_pair.rule_key is null then
      return pg_catalog.format('key "%s" is not allowed for %s (allowed: %s)', v_pair.key, p_event_name,
        coalesce((select pg_catalog.string_agg(r.key, ', ' order by r.key) from telemetry.event_metadata_rules as r
                   where r.event_name = p_event_name), 'none'));
    elsif pg_catalog.jsonb_typeof(v_pair.value) <> 'string' then
      return pg_catalog.format('key "%s" must be a string, not %s', v_pair.key, pg_catalog.jsonb_typeof(v_pair.value));
    elsif pg_catalog.length(v_pair.value #>> '{}') > v_pair.max_length then
      return pg_catalog.format('key "%s" is longer than %s characters', v_pair.key, v_pair.max_length);
    elsif v_pair.allowed_values is not null and not ((v_pair.value #>> '{}') = any (v_pair.allowed_values)) then
      return pg_catalog.format('key "%s" must be one of %s', v_pair.key, pg_catalog.array_to_string(v_pair.allowed_values, ', '));
    elsif v_pair.pattern is not null and (v_pair.value #>> '{}') !~ v_pair.pattern then
      return pg_catalog.format('key "%s" must match %s', v_pair.key, v_pair.pattern);
    end if;
  end loop;
  return null;
end
$$;
comment on function telemetry.metadata_violation(text, jsonb) is
  'Why metadata is not safe for the event (naming the key and the rule), or null when it is safe (SPEC §3.2).';
grant execute on function telemetry.metadata_violation(text, jsonb) to tp_admin_plane, tp_system_operator, tp_dba_reader, tp_worker;

create or replace function telemetry.check_metadata(p_event_name text, p_metadata jsonb) returns void
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_problem text := telemetry.metadata_violation(p_event_name, p_metadata);
begin
  if v_problem is not null then
    raise exception using errcode = 'TP004', message = 'metadata is not safe', detail = v_problem;
  end if;
end
$$;
comment on function telemetry.check_metadata(text, jsonb) is
  'Raises TP004 (DETAIL names the key and why) unless the metadata is safe for the event.';
grant execute on function telemetry.check_metadata(text, jsonb) to tp_admin_plane, tp_system_operator, tp_dba_reader, tp_worker;

-- source: sql/telemetry/record_event.sql
-- The recorder (SPEC §3.3): the single write path of the ledger. It checks everything before it
-- writes anything, so a rejection leaves no trace:
--   TP001 unknown event   TP002 missing workspace/tenant/actor   TP007 caller's workspace context
--   TP006 subject         TP004 metadata                          TP005 occurred_at
--   TP003 workspace/tenant/actor do not exist, are archived or do not belong together
-- Retry safety: a de-duplicated event's milestone (workspace, event, subject [, checkpoint]) has a
-- key in telemetry.event_dedup_keys; a retry returns the first event's id while that event is
-- still in the ledger (after it is pruned, the retry records anew). Concurrent retries serialise
-- on the key's insert.
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
  v_facts record;
  v_other_workspace uuid;
  v_id uuid := pg_catalog.gen_random_uuid();
  v_existing_id uuid;
  v_existing_at timestamptz;
  v_dedup_value text;
begin
  -- Every fact the checks need, in one query (this runs for every event); the checks below
  -- then report in their documented order.
  select c as event,
         telemetry.metadata_violation(record_event.event_name, record_event.metadata) as metadata_problem,
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
  if v_context is not null and v_context is distinct from record_event.workspace_id::text then
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
    v_dedup_value := coalesce(record_event.metadata ->> v_event.dedup_metadata_key, '');
    insert into telemetry.event_dedup_keys as k (workspace_id, event_name, subject_id, dedup_value, event_id, occurred_at)
    values (record_event.workspace_id, v_event.event_name, record_event.subject_id, v_dedup_value, v_id, record_event.occurred_at)
    on conflict do nothing;
    if not found then
      -- A retry (possibly concurrent: the insert above waited for the first to commit).
      select k.event_id, k.occurred_at into v_existing_id, v_existing_at
        from telemetry.event_dedup_keys as k
       where k.workspace_id = record_event.workspace_id and k.event_name = v_event.event_name
         and k.subject_id = record_event.subject_id and k.dedup_value = v_dedup_value
         for update;
      perform from telemetry.product_usage_events as e
       where e.workspace_id = record_event.workspace_id and e.id = v_existing_id and e.occurred_at = v_existing_at;
      if found then
        return v_existing_id;
      end if;
      -- The first event has been pruned: this retry records anew.
      update telemetry.event_dedup_keys as k
         set event_id = v_id, occurred_at = record_event.occurred_at
       where k.workspace_id = record_event.workspace_id and k.event_name = v_event.event_name
         and k.subject_id = record_event.subject_id and k.dedup_value = v_dedup_value;
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
    select pg_catalog.to_char(d.day at time zone 'UTC', 'YYYYMMDD') as suffix, d.day
      from (select (pg_catalog.right(c.relname, 8)::date::timestamp at time zone 'UTC') as day
              from pg_catalog.pg_inherits as i
              join pg_catalog.pg_class as c on c.oid = i.inhrelid
             where i.inhparent = 'telemetry.product_usage_events'::pg_catalog.regclass
               and c.relname ~ '^product_usage_events_p[0-9]{8}$') as d
     where d.day + interval '1 day' <= v_cutoff
     order by d.day
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
    select c.relname, p.relname as parent,
           case when p.relname = 'product_usage_events' then 'occurred_at' else 'bucket_start' end as time_column,
           (pg_catalog.right(c.relname, 8)::date::timestamp at time zone 'UTC') as day
      from pg_catalog.pg_inherits as i
      join pg_catalog.pg_class as c on c.oid = i.inhrelid
      join pg_catalog.pg_class as p on p.oid = i.inhparent
     where i.inhparent in ('telemetry.product_usage_events'::pg_catalog.regclass, 'telemetry.usage_daily_rollup'::pg_catalog.regclass,
                           'telemetry.usage_daily_workspace_rollup'::pg_catalog.regclass, 'telemetry.usage_hourly_event_rollup'::pg_catalog.regclass)
       and c.relname ~ '_p[0-9]{8}$'
       and (pg_catalog.right(c.relname, 8)::date::timestamp at time zone 'UTC') + interval '1 day' <= v_cutoff
     order by c.relname
  loop
    -- Read through the parent: its policies are the ones that apply, and it prunes to the day.
    execute pg_catalog.format('select exists (select from telemetry.%I where %I >= $1 and %I < $1 + interval ''1 day'')',
      v_partition.parent, v_partition.time_column, v_partition.time_column)
      into v_found using v_partition.day;
    continue when v_found;
    execute pg_catalog.format('drop table telemetry.%I', v_partition.relname);
    v_dropped := v_dropped + 1;
  end loop;
  return v_dropped;
end
$$;
comment on function telemetry.drop_expired_partitions() is
  'Drops the empty daily partitions (ledger and rollups) of days wholly before the last prune''s cutoff; returns how many. '
  'Gives up (0) when the tables stay busy for lock_timeout.';
grant execute on function telemetry.drop_expired_partitions() to tp_worker;

-- source: migrations/draft/health_optional_evidence.sql
-- The per-tenant dimensions, their roll-up and health.evaluate gain p_with_evidence (the
-- summaries skip building evidence); the old signatures go first, so calls stay unambiguous.
-- Nothing depends on them by catalog (function bodies are strings; views call other functions).
drop function health.evaluate(text, uuid);
drop function health.dimension_onboarding_readiness(uuid);
drop function health.dimension_provider_connection_health(uuid);
drop function health.dimension_governance_pressure(uuid);
drop function health.roll_up_tenants(uuid, text, health.tenant_result[]);

-- source: migrations/draft/health_operation_runs_window_cover.sql
-- Operational stability reads every run of the window (dashboard, KPIs): the window index now
-- carries the columns it needs, so that read is an index-only scan instead of a heap visit per run.
drop index platform.operation_runs_window_idx;
create index operation_runs_window_idx on platform.operation_runs (created_at)
  include (workspace_id, tenant_id, status, id, last_heartbeat_at, started_at);

-- source: sql/health/level_precedence.sql
-- The one precedence of health levels (SPEC §4.1): critical > warn > unknown > ok. Everything
-- that compares or combines levels goes through health.severity (directly or via health.worst).
create or replace function health.severity(p_level health.level) returns int
  -- Not strict: a strict function whose body is a CASE cannot be inlined, and this runs per row.
  language sql immutable parallel safe
as $$
  select case p_level
    when 'critical' then 3
    when 'warn' then 2
    when 'unknown' then 1
    when 'ok' then 0
  end
$$;
comment on function health.severity(health.level) is
  'Severity rank of a level: critical 3 > warn 2 > unknown 1 > ok 0 (the one precedence of SPEC §4.1).';
grant execute on function health.severity(health.level) to tp_system_operator, tp_dba_reader;

create or replace function health.worse(p_a health.level, p_b health.level) returns health.level
  language sql immutable parallel safe
as $$
  select case
    when p_a is null then p_b
    when p_b is null then p_a
    when health.severity(p_b) > health.severity(p_a) then p_b
    else p_a
  end
$$;
comment on function health.worse(health.level, health.level) is
  'The worse of two levels by health.severity (nulls ignored).';
grant execute on function health.worse(health.level, health.level) to tp_system_operator, tp_dba_reader;

create or replace aggregate health.worst(health.level) (
  sfunc = health.worse,
  stype = health.level,
  combinefunc = health.worse,
  parallel = safe
);
comment on aggregate health.worst(health.level) is
  'The worst level of a set by health.severity; null for an empty set.';
grant execute on function health.worst(health.level) to tp_system_operator, tp_dba_reader;

-- source: sql/health/roll_up_tenants.sql
-- Per-tenant dimensions roll up by precedence over the workspace's active tenants (SPEC §4.2):
-- the workspace takes the worst tenant level (health.severity); no active tenant is unknown. The
-- reason names the most telling verdict at that level (lowest priority, then code) counted over
-- all tenants ("1 of 3 tenants has revoked consent"); the evidence counts tenants per level and
-- per reason and lists at most 5 tenants at the level (sorted). A single tenant at the level is
-- the attributed tenant (the next link may point at it, SPEC §4.3).
-- Set-based: one call per dimension with every tenant's verdict, not one per workspace.
-- p_with_evidence = false leaves evidence null: the summaries (dashboard, KPIs) do not show it,
-- and building it is most of a roll-up's cost.
create or replace function health.roll_up_tenants(
  p_workspace_id uuid, p_no_tenant_code text, p_verdicts health.tenant_result[], p_with_evidence boolean default true
)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
  -- Called with the verdicts of every tenant: a generic plan (reused after 5 calls) would not
  -- know the array's size, guess 10 rows and pick nested loops.
  set plan_cache_mode = force_custom_plan
as $$
  -- One sorted pass: each workspace's verdicts ordered most telling first (worst level, then
  -- priority, code, tenant). The first is the reason; the verdicts at its level, and those with
  -- its code, lead the arrays.
  with per_workspace as (
    select u.workspace_id,
           count(*)::int as tenants,
           (count(*) filter (where u.level = 'ok'))::int as ok,
           (count(*) filter (where u.level = 'warn'))::int as warn,
           (count(*) filter (where u.level = 'critical'))::int as critical,
           (count(*) filter (where u.level = 'unknown'))::int as unknown,
           pg_catalog.array_agg(u.level order by health.severity(u.level) desc, u.priority, u.reason_code, u.tenant_id) as levels,
           pg_catalog.array_agg(u.reason_code order by health.severity(u.level) desc, u.priority, u.reason_code, u.tenant_id) as codes,
           pg_catalog.array_agg(u.tenant_id order by health.severity(u.level) desc, u.priority, u.reason_code, u.tenant_id) as tenant_ids,
           pg_catalog.array_agg(u.phrase_one order by health.severity(u.level) desc, u.priority, u.reason_code, u.tenant_id) as phrases_one,
           pg_catalog.array_agg(u.phrase_many order by health.severity(u.level) desc, u.priority, u.reason_code, u.tenant_id) as phrases_many
      from pg_catalog.unnest(p_verdicts) as u
     group by u.workspace_id
  ),
  counted as (
    select p.*,
           pg_catalog.cardinality(pg_catalog.array_positions(p.levels, p.levels[1])) as n_level,
           (select count(*)::int from rows from (pg_catalog.unnest(p.levels), pg_catalog.unnest(p.codes)) as x (level, code)
             where x.level = p.levels[1] and x.code = p.codes[1]) as n_code
      from per_workspace as p
  )
  select w.id,
         coalesce(c.levels[1], 'unknown'),
         coalesce(c.codes[1], p_no_tenant_code),
         case when c.workspace_id is null then 'The workspace has no active tenant'
              else pg_catalog.format('%s of %s %s %s', c.n_code, c.tenants,
                     case when c.tenants = 1 then 'tenant' else 'tenants' end,
                     case when c.n_code = 1 then c.phrases_one[1] else c.phrases_many[1] end)
         end,
         case when p_with_evidence then pg_catalog.jsonb_build_object(
           'tenants', coalesce(c.tenants, 0), 'ok', coalesce(c.ok, 0), 'warn', coalesce(c.warn, 0),
           'critical', coalesce(c.critical, 0), 'unknown', coalesce(c.unknown, 0),
           'by_reason', coalesce((select pg_catalog.jsonb_object_agg(r.code, r.n)
                                    from (select x.code, count(*) as n from pg_catalog.unnest(c.codes) as x (code) group by x.code) as r),
                                 '{}'),
           'tenant_ids', coalesce((select pg_catalog.jsonb_agg(t.id order by t.id)
                                     from (select x.id from pg_catalog.unnest(c.tenant_ids[1:c.n_level]) as x (id) order by x.id limit 5) as t),
                                  '[]')) end,
         case when c.n_level = 1 then c.tenant_ids[1] end
    from platform.workspaces as w
    left join counted as c on c.workspace_id = w.id
   where w.archived_at is null
     and (p_workspace_id is null or w.id = p_workspace_id)
$$;
comment on function health.roll_up_tenants(uuid, text, health.tenant_result[], boolean) is
  'Rolls per-tenant verdicts up to every active workspace (or the one given): worst level, reason of the most telling verdict at that level, evidence, and the attributed tenant when exactly one is at the level.';
grant execute on function health.roll_up_tenants(uuid, text, health.tenant_result[], boolean) to tp_system_operator, tp_dba_reader;

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
                    and s.updated_at <= pg_catalog.now() - pg_catalog.make_interval(days => st.onboarding_stall_days) then
                 row(t.workspace_id, t.id, 'critical', 'onboarding.stalled',
                     pg_catalog.format('has an onboarding not updated for %s days', st.onboarding_stall_days),
                     pg_catalog.format('have an onboarding not updated for %s days', st.onboarding_stall_days), 3)::health.tenant_result
               when s.status = 'in_progress' then
                 row(t.workspace_id, t.id, 'warn', 'onboarding.in_progress', 'is still onboarding', 'are still onboarding', 1)::health.tenant_result
               else
                 row(t.workspace_id, t.id, 'ok', 'onboarding.completed', 'has completed onboarding', 'have completed onboarding', 1)::health.tenant_result
             end
        from platform.tenants as t
        join platform.workspaces as w on w.id = t.workspace_id and w.archived_at is null
        cross join health.settings as st
        -- Every tenant's latest session in one sorted pass (cheaper than a probe per tenant).
        left join (
          select distinct on (s.workspace_id, s.tenant_id) s.workspace_id, s.tenant_id, s.status, s.updated_at
            from platform.onboarding_sessions as s
           where p_workspace_id is null or s.workspace_id = p_workspace_id
           order by s.workspace_id, s.tenant_id, s.started_at desc, s.id desc
        ) as s on s.workspace_id = t.workspace_id and s.tenant_id = t.id
       where t.archived_at is null
         and (p_workspace_id is null or t.workspace_id = p_workspace_id)
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
        from platform.tenants as t
        join platform.workspaces as w on w.id = t.workspace_id and w.archived_at is null
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
                               or pc.last_verified_at < pg_catalog.now() - pg_catalog.make_interval(days => s2.provider_verification_stale_days) then 5
                          else 6 end) as first_rule
            from platform.provider_connections as pc
            cross join health.settings as s2
           where p_workspace_id is null or pc.workspace_id = p_workspace_id
           group by pc.workspace_id, pc.tenant_id
        ) as c on c.workspace_id = t.workspace_id and c.tenant_id = t.id
       where t.archived_at is null
         and (p_workspace_id is null or t.workspace_id = p_workspace_id)
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
        from platform.tenants as t
        join platform.workspaces as w on w.id = t.workspace_id and w.archived_at is null
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
            from platform.findings as f
            cross join (select pg_catalog.now() + pg_catalog.make_interval(days => st2.exception_warning_days) as exception_horizon
                          from health.settings as st2) as s2
           where f.status <> 'resolved'
             and (p_workspace_id is null or f.workspace_id = p_workspace_id)
           group by f.workspace_id, f.tenant_id
        ) as p on p.workspace_id = t.workspace_id and p.tenant_id = t.id
       where t.archived_at is null
         and (p_workspace_id is null or t.workspace_id = p_workspace_id)
    ), p_with_evidence) as r
$$;
comment on function health.dimension_governance_pressure(uuid, boolean) is
  'p_with_evidence = false: evidence null. Governance pressure per active workspace (or the one given): worst findings verdict over its active tenants.';
grant execute on function health.dimension_governance_pressure(uuid, boolean) to tp_system_operator, tp_dba_reader;

-- source: sql/health/dimension_operational_stability.sql
-- Dimension 3, operational stability (SPEC §4.2), over a window (p_as_of - p_length, p_as_of]:
-- the runs of the workspace (its active tenants' and its tenantless runs) created in the window.
-- None: unknown; any stuck run, or >= operations_critical_failed_runs failed, or a failure rate
-- >= operations_critical_failure_rate among >= operations_rate_min_finished_runs finished runs:
-- critical; >= 1 failed: warn; else ok. Finished = succeeded or failed (cancelled: neither).
-- Stuck, as of p_as_of = queued for more than run_queued_stuck_minutes since created, or running
-- with no heartbeat (or start) for more than run_running_stuck_minutes. p_as_of lets the card
-- evaluate the previous window (as of now() - length) on today's statuses.
-- Evidence: the counts, and the ids (at most 5, sorted) of the runs that decided the level
-- (stuck runs when stuck decided, else failed runs). Attribution: those runs all belong to one
-- tenant and none is tenantless.
create or replace function health.dimension_operational_stability(
  p_as_of timestamptz, p_length interval, p_workspace_id uuid default null
)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  -- Not materialized: the two readers below each scan the window's runs from the covering index
  -- operation_runs_window_idx (an index-only scan), which is cheaper than writing them out.
  with runs as not materialized (
    select r.workspace_id, r.id, r.tenant_id, r.status,
           (r.status = 'queued'
              and r.created_at < p_as_of - pg_catalog.make_interval(mins => st.run_queued_stuck_minutes))
           or (r.status = 'running'
              and coalesce(r.last_heartbeat_at, r.started_at, r.created_at)
                  < p_as_of - pg_catalog.make_interval(mins => st.run_running_stuck_minutes)) as stuck
      from platform.operation_runs as r
      cross join health.settings as st
     where r.created_at > p_as_of - p_length and r.created_at <= p_as_of
       and (p_workspace_id is null or r.workspace_id = p_workspace_id)
       -- Excluding the archived (a few rows) is cheaper than joining every run to its tenant.
       and not exists (select from platform.workspaces as w where w.id = r.workspace_id and w.archived_at is not null)
       and not exists (select from platform.tenants as t
                        where t.workspace_id = r.workspace_id and t.id = r.tenant_id and t.archived_at is not null)
  ),
  counted as (
    select r.workspace_id,
           count(*)::int as runs,
           (count(*) filter (where r.stuck))::int as stuck,
           (count(*) filter (where r.status = 'failed'))::int as failed,
           (count(*) filter (where r.status = 'succeeded'))::int as succeeded,
           (count(*) filter (where r.status = 'cancelled'))::int as cancelled,
           (count(*) filter (where r.status in ('queued', 'running')))::int as in_flight
      from runs as r
     group by r.workspace_id
  ),
  -- The few runs that can decide a level (stuck or failed), kept apart so only they are sorted.
  deciding as (
    select r.workspace_id,
           (pg_catalog.array_agg(r.id order by r.id) filter (where r.stuck))[1:5] as stuck_ids,
           (pg_catalog.array_agg(r.id order by r.id) filter (where r.status = 'failed'))[1:5] as failed_ids,
           case when count(distinct r.tenant_id) filter (where r.stuck) = 1
                 and not bool_or(r.tenant_id is null) filter (where r.stuck)
                then (pg_catalog.array_agg(r.tenant_id) filter (where r.stuck))[1] end as stuck_tenant,
           case when count(distinct r.tenant_id) filter (where r.status = 'failed') = 1
                 and not bool_or(r.tenant_id is null) filter (where r.status = 'failed')
                then (pg_catalog.array_agg(r.tenant_id) filter (where r.status = 'failed'))[1] end as failed_tenant
      from runs as r
     where r.stuck or r.status = 'failed'
     group by r.workspace_id
  ),
  judged as (
    select w.id as workspace_id,
           coalesce(c.runs, 0) as runs, coalesce(c.stuck, 0) as stuck, coalesce(c.failed, 0) as failed,
           coalesce(c.succeeded, 0) as succeeded, coalesce(c.cancelled, 0) as cancelled,
           coalesce(c.in_flight, 0) as in_flight,
           coalesce(c.succeeded, 0) + coalesce(c.failed, 0) as finished,
           d.stuck_ids, d.failed_ids, d.stuck_tenant, d.failed_tenant,
           st.operations_critical_failed_runs as critical_failed,
           st.operations_critical_failure_rate as critical_rate,
           st.operations_rate_min_finished_runs as rate_min_finished
      from platform.workspaces as w
      cross join health.settings as st
      left join counted as c on c.workspace_id = w.id
      left join deciding as d on d.workspace_id = w.id
     where w.archived_at is null
       and (p_workspace_id is null or w.id = p_workspace_id)
  ),
  verdict as (
    select j.*,
           case when j.runs = 0 then 'operations.no_runs'
                when j.stuck > 0 then 'operations.stuck_runs'
                when j.failed >= j.critical_failed then 'operations.failed_runs'
                when j.finished >= j.rate_min_finished
                     and j.failed::double precision / j.finished >= j.critical_rate then 'operations.failure_rate'
                when j.failed >= 1 then 'operations.failed_run'
                else 'operations.stable' end as code
      from judged as j
  )
  select v.workspace_id,
         case v.code when 'operations.no_runs' then 'unknown'::health.level
                     when 'operations.failed_run' then 'warn'
                     when 'operations.stable' then 'ok'
                     else 'critical' end,
         v.code,
         case v.code
           when 'operations.no_runs' then 'No operation runs in the window'
           when 'operations.stuck_runs' then pg_catalog.format('%s of %s %s stuck', v.stuck, v.runs,
             case when v.runs = 1 then 'run is' when v.stuck = 1 then 'runs is' else 'runs are' end)
           when 'operations.failure_rate' then pg_catalog.format('%s of %s finished runs failed (%s%%)', v.failed, v.finished,
             pg_catalog.round(100.0 * v.failed / v.finished))
           when 'operations.stable' then pg_catalog.format('%s %s, none failed or stuck', v.runs,
             case when v.runs = 1 then 'run' else 'runs' end)
           else pg_catalog.format('%s of %s %s failed', v.failed, v.runs, case when v.runs = 1 then 'run' else 'runs' end)
         end,
         pg_catalog.jsonb_build_object(
           'runs', v.runs, 'stuck', v.stuck, 'failed', v.failed, 'succeeded', v.succeeded,
           'finished', v.finished, 'cancelled', v.cancelled, 'in_flight', v.in_flight,
           'failure_rate', case when v.finished > 0 then v.failed::double precision / v.finished end,
           'run_ids', pg_catalog.to_jsonb(coalesce(
             case when v.code = 'operations.stuck_runs' then v.stuck_ids
                  when v.code in ('operations.failed_runs', 'operations.failure_rate', 'operations.failed_run') then v.failed_ids
             end, '{}'::uuid[]))),
         case when v.code = 'operations.stuck_runs' then v.stuck_tenant
              when v.code in ('operations.failed_runs', 'operations.failure_rate', 'operations.failed_run') then v.failed_tenant
         end
    from verdict as v
$$;
comment on function health.dimension_operational_stability(timestamptz, interval, uuid) is
  'Operational stability per active workspace (or the one given) over the window (p_as_of - p_length, p_as_of].';
grant execute on function health.dimension_operational_stability(timestamptz, interval, uuid) to tp_system_operator, tp_dba_reader;

-- source: sql/health/evaluate.sql
-- The one shared definition of workspace health: every active workspace (or the one given) ×
-- the six dimensions, evaluated now for the window. The dashboard, the KPIs, the cards and the
-- DBA views all read this (through health.workspace_summary), so they cannot disagree. The
-- summaries pass p_with_evidence = false: they show levels and reasons, and the per-tenant
-- dimensions then skip building evidence (which is most of their cost); it is null there.
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
      from health.dimension_engagement_freshness(pg_catalog.now(), health.window_length(p_window), p_workspace_id) as r
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

-- source: sql/health/workspace_summary.sql
-- One row per active workspace (or the one given): overall level (worst by precedence), the
-- dominant drivers (dimensions at the overall level, in dimension order; none when ok), the top
-- driver's reason, the single next link, and each dimension's level. The dashboard row, the KPIs,
-- the cards and the DBA view are all this function.
create or replace function health.workspace_summary(p_window text, p_workspace_id uuid default null)
  returns table (
    workspace_id uuid, workspace_name text, overall_level health.level, non_ok_count int,
    top_dimension text, top_reason_code text, top_reason text, drivers text[], next_link text,
    window_start timestamptz, window_end timestamptz,
    onboarding_readiness health.level, provider_connection_health health.level,
    operational_stability health.level, governance_pressure health.level,
    review_pack_readiness health.level, engagement_freshness health.level
  )
  language sql stable parallel safe
as $$
  -- One pass over the evaluation, grouped by workspace. Ordering each workspace's dimensions by
  -- severity (desc), then dimension order, puts the drivers first: the overall level is the
  -- first one's, the top driver is the first one, and the drivers are the first n, n being how
  -- many dimensions share the worst severity (none when that is ok).
  select g.workspace_id, g.workspace_name,
         ('{ok,unknown,warn,critical}'::health.level[])[g.worst + 1],
         g.non_ok_count,
         case when g.worst > 0 then g.by_severity_dimension[1] end,
         case when g.worst > 0 then g.by_severity_reason_code[1] end,
         case when g.worst > 0 then g.by_severity_reason[1] end,
         case when g.worst > 0 then g.by_severity_label[1:pg_catalog.cardinality(pg_catalog.array_positions(g.severities, g.worst))] else '{}' end,
         case when g.worst > 0 and g.by_severity_tenant[1] is not null
                then pg_catalog.format('/system/tenants/%s?window=%s', g.by_severity_tenant[1], p_window)
              else pg_catalog.format('/system/workspaces/%s?window=%s', g.workspace_id, p_window)
         end,
         pg_catalog.now() - health.window_length(p_window),
         pg_catalog.now(),
         g.onboarding_readiness, g.provider_connection_health, g.operational_stability,
         g.governance_pressure, g.review_pack_readiness, g.engagement_freshness
    from (
      select e.workspace_id, e.workspace_name,
             max(health.severity(e.level)) as worst,
             (count(*) filter (where e.level <> 'ok'))::int as non_ok_count,
             pg_catalog.array_agg(health.severity(e.level)) as severities,
             pg_catalog.array_agg(e.dimension order by health.severity(e.level) desc, e.display_order) as by_severity_dimension,
             pg_catalog.array_agg(e.reason_code order by health.severity(e.level) desc, e.display_order) as by_severity_reason_code,
             pg_catalog.array_agg(e.reason order by health.severity(e.level) desc, e.display_order) as by_severity_reason,
             pg_catalog.array_agg(e.label order by health.severity(e.level) desc, e.display_order) as by_severity_label,
             pg_catalog.array_agg(e.attributed_tenant_id order by health.severity(e.level) desc, e.display_order) as by_severity_tenant,
             (pg_catalog.array_agg(e.level) filter (where e.dimension = 'onboarding_readiness'))[1] as onboarding_readiness,
             (pg_catalog.array_agg(e.level) filter (where e.dimension = 'provider_connection_health'))[1] as provider_connection_health,
             (pg_catalog.array_agg(e.level) filter (where e.dimension = 'operational_stability'))[1] as operational_stability,
             (pg_catalog.array_agg(e.level) filter (where e.dimension = 'governance_pressure'))[1] as governance_pressure,
             (pg_catalog.array_agg(e.level) filter (where e.dimension = 'review_pack_readiness'))[1] as review_pack_readiness,
             (pg_catalog.array_agg(e.level) filter (where e.dimension = 'engagement_freshness'))[1] as engagement_freshness
        from health.evaluate(p_window, p_workspace_id, p_with_evidence => false) as e
       group by e.workspace_id, e.workspace_name
    ) as g
$$;
comment on function health.workspace_summary(text, uuid) is
  'Overall health, drivers, top reason and next link of every active workspace (or the one given) for the window.';
grant execute on function health.workspace_summary(text, uuid) to tp_system_operator, tp_dba_reader;

-- source: migrations/steps/end_as_owner.sql
-- Back to the migrating login, which records the migration in graphile_migrate.migrations.
reset role;
