--! Previous: sha1:ad94b0768eea4279c741194aab9398d155f8860a
--! Hash: sha1:bb51d6f736fa2b4576bbfae9c40be7fe9362cd61
--! Message: Health cards plan less: roll_up_tenants keeps a generic plan (hash joins only), engagement counts and governance reports read in scope

-- source: migrations/steps/begin_as_owner.sql
-- Every object is created as, and owned by, tp_owner (SPEC §1).
set local role tp_owner;

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
  -- Its plan is cached for the session and, after five calls, reused for any array (a generic
  -- plan): planning it anew took ~1 ms, six times per card. A generic plan guesses 10 verdicts;
  -- hash and merge joins only, so the dashboard's 10,000 do not meet a nested loop.
  set enable_nestloop = off
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
               -- (the report check first: it is joined; the findings one an index probe)
               when p.tenant_id is null and r.tenant_id is null
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
        left join (
          -- Tenants with a permission_posture report, read in scope (a card's plan reads only its
          -- workspace's reports by index, where a per-tenant probe would hash every report)
          select distinct sr.workspace_id, sr.tenant_id
            from (select sr.workspace_id, sr.tenant_id from platform.stored_reports as sr
                   where p_workspace_id is null and sr.report_type = 'permission_posture'
                  union all
                  select sr.workspace_id, sr.tenant_id from platform.stored_reports as sr
                   where sr.workspace_id = p_workspace_id and sr.report_type = 'permission_posture') as sr
        ) as r on r.workspace_id = t.workspace_id and r.tenant_id = t.id
    ), p_with_evidence) as r
$$;
comment on function health.dimension_governance_pressure(uuid, boolean) is
  'p_with_evidence = false: evidence null. Governance pressure per active workspace (or the one given): worst findings verdict over its active tenants.';
grant execute on function health.dimension_governance_pressure(uuid, boolean) to tp_system_operator;

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
    -- events (of active tenants) in the window, for the evidence only; the tenants come from
    -- the scoped read (health.active_tenants), so a card's plan reads its workspace's by index
    -- and never every tenant
    select t.workspace_id, sum(c.event_count) as events
      from health.active_tenants(p_workspace_id) as t
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

-- source: migrations/steps/end_as_owner.sql
-- Back to the migrating login, which records the migration in graphile_migrate.migrations.
reset role;
