--! Previous: sha1:74470389fd0f93394e1372cd8e6fd9e87e4bd261
--! Hash: sha1:679bc68f6160b384ef3264ee17c59e97f121a7ce
--! Message: The DBA reader reads the health views and catalogs only: the views' functions run as the owner, and the reader's access to the platform tables and the helpers behind the views is revoked

-- source: migrations/steps/begin_as_owner.sql
-- Every object is created as, and owned by, tp_owner (SPEC §1).
set local role tp_owner;

-- source: migrations/draft/dba_reader_reads_health_only.sql
-- The DBA reader reads the health views and the catalogs (SPEC §1), not the platform tables: the
-- views' functions now run as the owner (sql/health/workspace_health_view.sql,
-- workspace_dimension_health_view.sql), so the reader's reach to the source truth and to the
-- helpers behind the views goes. The sql/ files below grant back what it keeps.
revoke usage on schema platform from tp_dba_reader;
do $dba_reads_no_platform$
declare
  v_table text;
begin
  foreach v_table in array array[
    'workspaces', 'tenants', 'onboarding_sessions', 'provider_connections',
    'operation_runs', 'findings', 'review_packs', 'stored_reports'
  ] loop
    execute format('drop policy if exists dba_reads_%1$s on platform.%1$I', v_table);
    execute format('revoke select on platform.%I from tp_dba_reader', v_table);
  end loop;
end
$dba_reads_no_platform$;
revoke execute on all functions in schema health, platform from tp_dba_reader;
revoke execute on function
  telemetry.console_window_length(system_api.console_window),
  telemetry.event_counts(timestamptz, timestamptz),
  telemetry.workspace_event_counts(uuid[], timestamptz, timestamptz),
  telemetry.usage_event_totals(timestamptz, timestamptz),
  telemetry.active_workspace_count(timestamptz, timestamptz)
  from tp_dba_reader;
revoke usage on type system_api.console_window from tp_dba_reader;

-- source: sql/platform/current_workspace_id.sql
-- The admin plane's tenant context: the workspace named by the transaction-local setting
-- tenantpulse.workspace_id, or null when unset. Every policy reads it through this one accessor
-- (as `(select platform.current_workspace_id())`, so it is evaluated once per statement).
create or replace function platform.current_workspace_id() returns uuid
  language sql stable parallel safe
  set search_path = pg_catalog, pg_temp
as $$
  select nullif(pg_catalog.current_setting('tenantpulse.workspace_id', true), '')::uuid
$$;
comment on function platform.current_workspace_id() is
  'The workspace of the admin-plane context (setting tenantpulse.workspace_id), or null when unset.';
grant execute on function platform.current_workspace_id() to tp_admin_plane, tp_system_operator, tp_worker;

-- source: sql/system_api/console_window.sql
-- The console's time windows (SPEC §3.5). A window is the half-open interval (now() - length, now()].
-- Enums cannot be `create or replace`d: create it once, and add labels only by a migration.
do $console_window$
begin
  if to_regtype('system_api.console_window') is null then
    create type system_api.console_window as enum ('last_hour', 'last_24_hours', 'last_7_days', 'last_30_days');
  end if;
end
$console_window$;
comment on type system_api.console_window is
  'A console time window: last_hour, last_24_hours, last_7_days or last_30_days; it covers (now() - length, now()].';
grant usage on type system_api.console_window to tp_system_operator;

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
grant execute on function telemetry.console_window_length(system_api.console_window) to tp_system_operator;

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
grant execute on function telemetry.event_counts(timestamptz, timestamptz) to tp_owner, tp_system_operator;

-- The same, for a few workspaces only (reads their rollup rows and ledger rows by index): used to
-- take archived workspaces and tenants out of the console's totals.
create or replace function telemetry.workspace_event_counts(p_workspace_ids uuid[], p_from timestamptz, p_to timestamptz)
  returns table (workspace_id uuid, tenant_id uuid, event_name text, event_count bigint)
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
  -- A generic plan covers every daily partition (planning it costs ~0.2 s at 90 days); a plan
  -- for the given bounds touches only theirs.
  set plan_cache_mode = force_custom_plan
as $$
declare
  v_lo timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00') + interval '24 hours';
  v_hi timestamptz := pg_catalog.date_bin('1 day', p_to, timestamptz '2000-01-01 00:00:00+00');
begin
  if coalesce(pg_catalog.cardinality(p_workspace_ids), 0) = 0 then
    return; -- no workspace: nothing to plan
  end if;
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
grant execute on function telemetry.workspace_event_counts(uuid[], timestamptz, timestamptz) to tp_owner, tp_system_operator;

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
grant execute on function telemetry.usage_event_totals(timestamptz, timestamptz) to tp_owner, tp_system_operator;

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
grant execute on function telemetry.active_workspace_count(timestamptz, timestamptz) to tp_owner, tp_system_operator;

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
grant execute on function health.severity(health.level) to tp_system_operator;

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
grant execute on function health.worse(health.level, health.level) to tp_system_operator;

create or replace aggregate health.worst(health.level) (
  sfunc = health.worse,
  stype = health.level,
  combinefunc = health.worse,
  parallel = safe
);
comment on aggregate health.worst(health.level) is
  'The worst level of a set by health.severity; null for an empty set.';
grant execute on function health.worst(health.level) to tp_system_operator;

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
grant execute on function health.window_length(text) to tp_system_operator;

-- source: sql/health/configured_window.sql
-- The window of the DBA views: setting tenantpulse.health_window (any level: role, database,
-- session), default last_24_hours. An invalid value fails loudly (22P02) rather than guessing.
create or replace function health.configured_window() returns text
  language sql stable parallel safe
as $$
  select v.name
    from (select coalesce(nullif(btrim(pg_catalog.current_setting('tenantpulse.health_window', true)), ''),
                          'last_24_hours') as name) as v
   where health.window_length(v.name) is not null
$$;
comment on function health.configured_window() is
  'Window of the DBA views: setting tenantpulse.health_window, default last_24_hours (validated).';
grant execute on function health.configured_window() to tp_system_operator;

-- source: sql/health/retention_window.sql
-- Engagement freshness looks back over the telemetry retention window (SPEC §3.6). The readers
-- of health (operator, DBA) may not read telemetry.settings, so this one value is read as the
-- owner. Definer: pinned search_path, schema-qualified, takes no input.
create or replace function health.retention_days() returns int
  language sql stable security definer parallel safe
  set search_path = pg_catalog, pg_temp
as $$
  select s.retention_days::int from telemetry.settings as s limit 1
$$;
comment on function health.retention_days() is
  'Telemetry retention in days (telemetry.settings.retention_days), readable by the health readers.';
grant execute on function health.retention_days() to tp_system_operator;

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
grant execute on function health.last_event_at(uuid[], timestamptz, timestamptz) to tp_system_operator;

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
grant execute on function health.review_pack_requests(uuid[], timestamptz, timestamptz) to tp_system_operator;

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
    from health.active_workspaces(p_workspace_id) as w
    left join counted as c on c.workspace_id = w.id
$$;
comment on function health.roll_up_tenants(uuid, text, health.tenant_result[], boolean) is
  'Rolls per-tenant verdicts up to every active workspace (or the one given): worst level, reason of the most telling verdict at that level, evidence, and the attributed tenant when exactly one is at the level.';
grant execute on function health.roll_up_tenants(uuid, text, health.tenant_result[], boolean) to tp_system_operator;

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
grant execute on function health.dimension_onboarding_readiness(uuid, boolean) to tp_system_operator;

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
grant execute on function health.dimension_provider_connection_health(uuid, boolean) to tp_system_operator;

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
      from (select r.* from platform.operation_runs as r where p_workspace_id is null
            union all
            select r.* from platform.operation_runs as r where r.workspace_id = p_workspace_id) as r
      cross join health.settings as st
     where r.created_at > p_as_of - p_length and r.created_at <= p_as_of
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
      from health.active_workspaces(p_workspace_id) as w
      cross join health.settings as st
      left join counted as c on c.workspace_id = w.id
      left join deciding as d on d.workspace_id = w.id
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
grant execute on function health.dimension_operational_stability(timestamptz, interval, uuid) to tp_system_operator;

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
grant execute on function health.dimension_governance_pressure(uuid, boolean) to tp_system_operator;

-- source: sql/health/dimension_review_pack_readiness.sql
-- Dimension 5, review-pack readiness (SPEC §4.2), over a window (p_as_of - p_length, p_as_of]
-- ("recent" = the window). Request context = a review_packs.generation_requested event in the
-- window (of an active tenant) or a review pack created in the window. The latest relevant pack =
-- the newest pack created in the window (workspace-wide or of an active tenant); it alone decides.
--   no request context and no pack in the window   unknown   review_packs.no_request
--   context, no usable pack yet (none, or latest queued/generating)
--                                                   warn      review_packs.not_generated / review_packs.pending
--   latest ready and not expired (expires_at null or after p_as_of)
--                                                   ok        review_packs.ready
--   latest failed, or ready but expired             critical  review_packs.failed / review_packs.expired
-- Attribution: the latest pack's tenant; with no pack, the one tenant of the request events.
-- Request events are counted (health.review_pack_requests) only where no pack was created in the
-- window; elsewhere evidence.request_events is null (the latest pack decides).
create or replace function health.dimension_review_pack_readiness(
  p_as_of timestamptz, p_length interval, p_workspace_id uuid default null
)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  with packs as (
    select p.workspace_id, p.id, p.tenant_id, p.status, p.expires_at, p.created_at,
           pg_catalog.row_number() over (partition by p.workspace_id order by p.created_at desc, p.id desc) as recency
      from (select p.* from platform.review_packs as p where p_workspace_id is null
            union all
            select p.* from platform.review_packs as p where p.workspace_id = p_workspace_id) as p
     where p.created_at > p_as_of - p_length and p.created_at <= p_as_of
       -- (excluding the few archived tenants' packs: tenants_archived_idx)
       and not exists (select from platform.tenants as t
                        where t.workspace_id = p.workspace_id and t.id = p.tenant_id and t.archived_at is not null)
  ),
  pack_summary as (
    select p.workspace_id,
           count(*)::int as packs,
           pg_catalog.jsonb_agg(p.id order by p.recency) filter (where p.recency <= 5) as pack_ids,
           (pg_catalog.array_agg(p.id) filter (where p.recency = 1))[1] as latest_id,
           (pg_catalog.array_agg(p.tenant_id) filter (where p.recency = 1))[1] as latest_tenant,
           (pg_catalog.array_agg(p.status) filter (where p.recency = 1))[1] as latest_status,
           bool_or(p.status = 'ready' and p.expires_at <= p_as_of) filter (where p.recency = 1) as latest_expired
      from packs as p
     group by p.workspace_id
  ),
  workspaces as (
    select w.id, s.packs, s.pack_ids, s.latest_id, s.latest_tenant, s.latest_status, s.latest_expired
      from health.active_workspaces(p_workspace_id) as w
      left join pack_summary as s on s.workspace_id = w.id
  ),
  judged as (
    -- Request events only matter where no pack was created in the window (a pack is context).
    select w.id as workspace_id,
           coalesce(r.request_events, 0) as request_events,
           pg_catalog.cardinality(r.tenant_ids) as request_tenants, r.tenant_ids[1] as request_tenant,
           coalesce(w.packs, 0) as packs, w.pack_ids, w.latest_id, w.latest_tenant, w.latest_status,
           coalesce(w.latest_expired, false) as latest_expired
      from workspaces as w
      left join health.review_pack_requests(
        array(select w2.id from workspaces as w2 where w2.packs is null),
        p_as_of - p_length, p_as_of) as r on r.workspace_id = w.id
  ),
  verdict as (
    select j.*,
           case when j.packs = 0 and j.request_events = 0 then 'review_packs.no_request'
                when j.packs = 0 then 'review_packs.not_generated'
                when j.latest_status in ('queued', 'generating') then 'review_packs.pending'
                when j.latest_status = 'failed' then 'review_packs.failed'
                when j.latest_expired then 'review_packs.expired'
                else 'review_packs.ready' end as code
      from judged as j
  )
  select v.workspace_id,
         case v.code when 'review_packs.no_request' then 'unknown'::health.level
                     when 'review_packs.not_generated' then 'warn'
                     when 'review_packs.pending' then 'warn'
                     when 'review_packs.ready' then 'ok'
                     else 'critical' end,
         v.code,
         case v.code
           when 'review_packs.no_request' then 'No review pack requested or created in the window'
           when 'review_packs.not_generated' then pg_catalog.format('%s review pack %s in the window, none generated yet',
             v.request_events, case when v.request_events = 1 then 'request' else 'requests' end)
           when 'review_packs.pending' then pg_catalog.format('The latest review pack is still %s', v.latest_status)
           when 'review_packs.failed' then 'The latest review pack failed'
           when 'review_packs.expired' then 'The latest review pack has expired'
           else 'The latest review pack is ready'
         end,
         pg_catalog.jsonb_build_object(
           'request_events', case when v.packs = 0 then v.request_events end, 'packs_in_window', v.packs,
           'latest_pack_id', v.latest_id, 'latest_status', v.latest_status,
           'pack_ids', coalesce(v.pack_ids, '[]')),
         case when v.latest_id is not null then v.latest_tenant
              when v.request_tenants = 1 then v.request_tenant end
    from verdict as v
$$;
comment on function health.dimension_review_pack_readiness(timestamptz, interval, uuid) is
  'Review-pack readiness per active workspace (or the one given) over the window (p_as_of - p_length, p_as_of].';
grant execute on function health.dimension_review_pack_readiness(timestamptz, interval, uuid) to tp_system_operator;

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
grant execute on function health.dimension_engagement_freshness(timestamptz, interval, uuid, boolean) to tp_system_operator;

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
grant execute on function health.evaluate(text, uuid, boolean) to tp_system_operator;

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
grant execute on function health.previous_levels(text, uuid) to tp_system_operator;

-- source: sql/health/workspace_summary.sql
-- One row per active workspace (or the one given): overall level (worst by precedence), the
-- dominant drivers (dimensions at the overall level, in dimension order; none when ok), the top
-- driver's reason, the single next link (the tenant's only when its id names no tenant of another
-- workspace), and each dimension's level. The dashboard row, the KPIs,
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
                   and not health.tenant_id_in_other_workspace(g.by_severity_tenant[1], g.workspace_id)
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
grant execute on function health.workspace_summary(text, uuid) to tp_system_operator;

-- source: sql/health/workspace_dimension_health_view.sql
-- DBA view (SPEC §4.3): one row per active workspace × dimension, for the window in setting
-- tenantpulse.health_window (default last_24_hours). Read through a function
-- that runs as the owner, so the reader needs no access to the platform tables health derives
-- from (SPEC §1: the DBA reads the health views and catalogs), and that turns JIT off: these
-- plans are big but cheap to run.
create or replace function health.configured_evaluation()
  returns table (workspace_id uuid, dimension text, level health.level, reason_code text, reason text, evidence jsonb)
  language sql stable parallel safe
  security definer
  set search_path = pg_catalog, pg_temp
  set jit = off
  set plan_cache_mode = force_custom_plan
as $$
  select e.workspace_id, e.dimension, e.level, e.reason_code, e.reason, e.evidence
    from health.evaluate(health.configured_window()) as e
   order by e.workspace_id, e.display_order
$$;
comment on function health.configured_evaluation() is
  'health.evaluate for the window in setting tenantpulse.health_window (the DBA view health.workspace_dimension_health).';
grant execute on function health.configured_evaluation() to tp_dba_reader;

create or replace view health.workspace_dimension_health with (security_invoker = true) as
  select e.workspace_id, e.dimension, e.level, e.reason_code, e.reason, e.evidence
    from health.configured_evaluation() as e;
comment on view health.workspace_dimension_health is
  'Health of every active workspace on each dimension, for the window in setting tenantpulse.health_window (default last_24_hours). Derived on read.';
comment on column health.workspace_dimension_health.workspace_id is 'The workspace (active ones only).';
comment on column health.workspace_dimension_health.dimension is 'Dimension key (health.dimensions.key).';
comment on column health.workspace_dimension_health.level is 'ok, warn, critical or unknown (missing or stale truth is unknown).';
comment on column health.workspace_dimension_health.reason_code is 'Stable reason code, e.g. provider.consent_revoked.';
comment on column health.workspace_dimension_health.reason is 'Human reason, e.g. "1 of 3 tenants have revoked consent".';
comment on column health.workspace_dimension_health.evidence is 'Counts and the ids of at most 5 contributing tenants or rows.';
grant select on health.workspace_dimension_health to tp_dba_reader;

-- source: sql/health/workspace_health_view.sql
-- DBA view (SPEC §4.3): one row per active workspace with each dimension's level, for the window
-- in setting tenantpulse.health_window (default last_24_hours). Read through a function
-- that runs as the owner, so the reader needs no access to the platform tables health derives
-- from (SPEC §1: the DBA reads the health views and catalogs), and that turns JIT off: these
-- plans are big but cheap to run.
create or replace function health.configured_summary()
  returns table (
    workspace_id uuid, workspace_name text,
    onboarding_readiness health.level, provider_connection_health health.level,
    operational_stability health.level, governance_pressure health.level,
    review_pack_readiness health.level, engagement_freshness health.level,
    overall_level health.level, non_ok_count int, top_reason text
  )
  language sql stable parallel safe
  security definer
  set search_path = pg_catalog, pg_temp
  set jit = off
  set plan_cache_mode = force_custom_plan
as $$
  select s.workspace_id, s.workspace_name,
         s.onboarding_readiness, s.provider_connection_health, s.operational_stability,
         s.governance_pressure, s.review_pack_readiness, s.engagement_freshness,
         s.overall_level, s.non_ok_count, s.top_reason
    from health.workspace_summary(health.configured_window()) as s
   order by s.workspace_name, s.workspace_id
$$;
comment on function health.configured_summary() is
  'health.workspace_summary for the window in setting tenantpulse.health_window (the DBA view health.workspace_health).';
grant execute on function health.configured_summary() to tp_dba_reader;

create or replace view health.workspace_health with (security_invoker = true) as
  select s.workspace_id, s.workspace_name,
         s.onboarding_readiness, s.provider_connection_health, s.operational_stability,
         s.governance_pressure, s.review_pack_readiness, s.engagement_freshness,
         s.overall_level, s.non_ok_count, s.top_reason
    from health.configured_summary() as s;
comment on view health.workspace_health is
  'Overall health of every active workspace, for the window in setting tenantpulse.health_window (default last_24_hours). Derived on read.';
comment on column health.workspace_health.workspace_id is 'The workspace (active ones only).';
comment on column health.workspace_health.workspace_name is 'Its name.';
comment on column health.workspace_health.onboarding_readiness is 'Onboarding readiness (point in time): worst latest-session verdict over active tenants.';
comment on column health.workspace_health.provider_connection_health is 'Provider connection health (point in time): worst connection verdict over active tenants.';
comment on column health.workspace_health.operational_stability is 'Operational stability (window): stuck and failed runs created in the window.';
comment on column health.workspace_health.governance_pressure is 'Governance pressure (point in time): open, overdue and exception-expiring findings over active tenants.';
comment on column health.workspace_health.review_pack_readiness is 'Review-pack readiness (window): the latest pack created in the window, given request context.';
comment on column health.workspace_health.engagement_freshness is 'Engagement freshness (window): telemetry events in the window, else within retention.';
comment on column health.workspace_health.overall_level is 'Worst dimension level by precedence critical > warn > unknown > ok.';
comment on column health.workspace_health.non_ok_count is 'How many of the six dimensions are not ok.';
comment on column health.workspace_health.top_reason is 'Reason of the top driver (first dimension at the overall level); null when ok.';
grant select on health.workspace_health to tp_dba_reader;

-- source: sql/health/scope.sql
-- The scope of an evaluation: every active workspace, or the one given (p_workspace_id). Each
-- scoped read is two UNION ALL branches, one per case ("p_workspace_id is null" / "= id"), not
-- one filter "p_workspace_id is null or x = p_workspace_id": the card's plan is made once and
-- reused for any workspace (a generic plan), and only the second branch lets that plan probe an
-- index for the given id, while the first one's "is null" gate keeps its full scan from running.
-- Where p_workspace_id is a constant (the dashboard's null) the planner drops the branch that
-- cannot apply, so the dashboard's plan is that of a plain scan.

-- The active workspaces in scope.
create or replace function health.active_workspaces(p_workspace_id uuid default null)
  returns table (id uuid, name text, created_at timestamptz)
  language sql stable parallel safe
as $$
  select w.id, w.name, w.created_at
    from platform.workspaces as w
   where p_workspace_id is null and w.archived_at is null
  union all
  select w.id, w.name, w.created_at
    from platform.workspaces as w
   where w.id = p_workspace_id and w.archived_at is null
$$;
comment on function health.active_workspaces(uuid) is
  'The active workspaces, or the one given when it is active (the scope of a health evaluation).';
grant execute on function health.active_workspaces(uuid) to tp_system_operator;

-- The active tenants of the active workspaces in scope.
create or replace function health.active_tenants(p_workspace_id uuid default null)
  returns table (workspace_id uuid, id uuid)
  language sql stable parallel safe
as $$
  select t.workspace_id, t.id
    from platform.tenants as t
    join platform.workspaces as w on w.id = t.workspace_id and w.archived_at is null
   where p_workspace_id is null and t.archived_at is null
  union all
  select t.workspace_id, t.id
    from platform.tenants as t
    join platform.workspaces as w on w.id = t.workspace_id and w.archived_at is null
   where t.workspace_id = p_workspace_id and t.archived_at is null
$$;
comment on function health.active_tenants(uuid) is
  'The active tenants of the active workspaces, or of the one given (the scope of a per-tenant health dimension).';
grant execute on function health.active_tenants(uuid) to tp_system_operator;

-- source: sql/health/tenant_id_in_other_workspace.sql
-- Tenant ids are unique per workspace only (keys lead with workspace_id, SPEC §2), yet the tenant
-- link and system_api.tenant_health name a tenant by its id alone. When another active workspace
-- has an active tenant with the same id (a host's bug, or an admin reusing another workspace's id), that
-- id names no tenant for certain: the dashboard links to the workspace instead, and the tenant
-- card is not shown (no row), so a link never opens another workspace's card. One index probe.
create or replace function health.tenant_id_in_other_workspace(p_tenant_id uuid, p_workspace_id uuid)
  returns boolean
  language sql stable parallel safe
as $$
  select exists (
    select from platform.tenants as t
      join platform.workspaces as w on w.id = t.workspace_id and w.archived_at is null
     where t.id = p_tenant_id and t.workspace_id <> p_workspace_id and t.archived_at is null
  )
$$;
comment on function health.tenant_id_in_other_workspace(uuid, uuid) is
  'Whether an active tenant of another active workspace has this tenant id (then the id alone names no tenant for certain).';
grant execute on function health.tenant_id_in_other_workspace(uuid, uuid) to tp_system_operator;

-- source: migrations/steps/end_as_owner.sql
-- Back to the migrating login, which records the migration in graphile_migrate.migrations.
reset role;
