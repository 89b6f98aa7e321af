--! Previous: sha1:47d967f15a0383ad2646fc526eedaf4ce45605a3
--! Hash: sha1:6ab6288cd71ef8806ffe9d551e48c8738dd9876b
--! Message: Health cards reuse one generic plan: scoped reads, archived-tenant index

-- source: migrations/steps/begin_as_owner.sql
-- Every object is created as, and owned by, tp_owner (SPEC §1).
set local role tp_owner;

-- source: migrations/draft/tenants_archived_idx.sql
-- The few archived tenants, for the anti-joins that exclude their rows from health (operation
-- runs, review packs): a hash of this tiny index instead of a scan of every tenant.
create index tenants_archived_idx on platform.tenants (workspace_id, id) where archived_at is not null;

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
grant execute on function health.active_workspaces(uuid) to tp_system_operator, tp_dba_reader;

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
grant execute on function health.active_tenants(uuid) to tp_system_operator, tp_dba_reader;

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
                               or pc.last_verified_at < pg_catalog.now() - pg_catalog.make_interval(days => s2.provider_verification_stale_days) then 5
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
            cross join (select pg_catalog.now() + pg_catalog.make_interval(days => st2.exception_warning_days) as exception_horizon
                          from health.settings as st2) as s2
           where f.status <> 'resolved'
           group by f.workspace_id, f.tenant_id
        ) as p on p.workspace_id = t.workspace_id and p.tenant_id = t.id
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
grant execute on function health.dimension_operational_stability(timestamptz, interval, uuid) to tp_system_operator, tp_dba_reader;

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
grant execute on function health.dimension_review_pack_readiness(timestamptz, interval, uuid) to tp_system_operator, tp_dba_reader;

-- source: sql/health/dimension_engagement_freshness.sql
-- Dimension 6, engagement freshness (SPEC §4.2), over a window (p_as_of - p_length, p_as_of],
-- from telemetry (events of active tenants): >= 1 event in the window: ok; none in the window but
-- some within retention (p_as_of - retention_days, p_as_of]: warn; none within retention:
-- critical when the workspace is older than the window (created at or before its start), else
-- unknown. Decided by the latest event at or before p_as_of (health.last_event_at), which is
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
        p_as_of - pg_catalog.make_interval(days => (select r2.days from retention as r2)),
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

-- source: sql/system_api/workspace_health.sql
-- A workspace's health card (SPEC §4.3): the same row as the dashboard's, plus the window and the
-- previous overall level (worst of the windowed dimensions' previous levels and the current
-- point-in-time levels). No row (null) for an archived or unknown workspace.
create or replace function system_api.workspace_health(workspace_id uuid, "window" system_api.console_window)
  returns system_api.workspace_health_card
  language sql stable strict parallel safe
  -- A card is read one workspace at a time, so its plan is made once per session and reused for
  -- any workspace and window (a generic plan): planning the six dimensions costs more than
  -- running them, and their scoped reads (health.active_workspaces) still probe the indexes for
  -- the given workspace. No JIT and no parallel workers: both would cost more than the few rows.
  set jit = off
  set plan_cache_mode = force_generic_plan
  set max_parallel_workers_per_gather = 0
as $$
  select s.workspace_id, s.workspace_name, s.overall_level, s.non_ok_count, s.top_dimension,
         s.top_reason_code, s.top_reason, s.drivers, s.window_start, s.window_end, s.next_link,
         (select health.worst(l.level)
            from (select p.previous_level as level
                    from health.previous_levels("window"::text, workspace_health.workspace_id) as p
                  union all
                  select unnest(array[s.onboarding_readiness, s.provider_connection_health, s.governance_pressure])) as l)
    from health.workspace_summary("window"::text, workspace_health.workspace_id) as s
$$;
comment on function system_api.workspace_health(uuid, system_api.console_window) is
  'The health card of one active workspace for the window (null when archived or unknown); agrees with its attention row.';
grant execute on function system_api.workspace_health(uuid, system_api.console_window) to tp_system_operator;

-- source: sql/system_api/workspace_health_dimensions.sql
-- The six dimensions of a workspace's card (SPEC §4.3), in dimension order, with the previous
-- level of the windowed ones (null for point-in-time ones). No rows for an archived or unknown
-- workspace.
create or replace function system_api.workspace_health_dimensions(workspace_id uuid, "window" system_api.console_window)
  returns setof system_api.workspace_health_dimension
  language sql stable strict parallel safe
  -- A card is read one workspace at a time, so its plan is made once per session and reused for
  -- any workspace and window (a generic plan): planning the six dimensions costs more than
  -- running them, and their scoped reads (health.active_workspaces) still probe the indexes for
  -- the given workspace. No JIT and no parallel workers: both would cost more than the few rows.
  set jit = off
  set plan_cache_mode = force_generic_plan
  set max_parallel_workers_per_gather = 0
as $$
  select e.dimension, e.label, e.basis, e.level, e.reason_code, e.reason, e.evidence, p.previous_level
    from health.evaluate("window"::text, workspace_health_dimensions.workspace_id) as e
    left join health.previous_levels("window"::text, workspace_health_dimensions.workspace_id) as p
      on p.workspace_id = e.workspace_id and p.dimension = e.dimension
   order by e.display_order
$$;
comment on function system_api.workspace_health_dimensions(uuid, system_api.console_window) is
  'The six health dimensions of one active workspace for the window, with reason, evidence and (windowed ones) the previous level.';
grant execute on function system_api.workspace_health_dimensions(uuid, system_api.console_window) to tp_system_operator;

-- source: sql/system_api/tenant_health.sql
-- A tenant's health card (SPEC §4.3): its workspace's card plus the tenant, same drivers and link
-- as the dashboard. No row (null) for an archived or unknown tenant or an archived workspace.
create or replace function system_api.tenant_health(tenant_id uuid, "window" system_api.console_window)
  returns system_api.tenant_health_card
  language sql stable strict parallel safe
  -- A card is read one workspace at a time, so its plan is made once per session and reused for
  -- any workspace and window (a generic plan): planning the six dimensions costs more than
  -- running them, and their scoped reads (health.active_workspaces) still probe the indexes for
  -- the given workspace. No JIT and no parallel workers: both would cost more than the few rows.
  set jit = off
  set plan_cache_mode = force_generic_plan
  set max_parallel_workers_per_gather = 0
as $$
  select t.id, t.name, c.workspace_id, c.workspace_name, c.overall_level, c.non_ok_count,
         c.top_dimension, c.top_reason_code, c.top_reason, c.drivers, c.window_start, c.window_end,
         c.next_link, c.previous_overall_level
    from platform.tenants as t
    cross join lateral system_api.workspace_health(t.workspace_id, "window") as c
   where t.id = tenant_health.tenant_id
     and t.archived_at is null
     and c.workspace_id is not null
$$;
comment on function system_api.tenant_health(uuid, system_api.console_window) is
  'The health card of a tenant''s workspace for the window, naming the tenant (null when archived or unknown).';
grant execute on function system_api.tenant_health(uuid, system_api.console_window) to tp_system_operator;

-- source: sql/system_api/health_kpis.sql
-- Health KPIs for the console (SPEC §4.3): one row, counts of active workspaces per overall level.
create or replace function system_api.health_kpis("window" system_api.console_window)
  returns system_api.health_kpi_summary
  language sql stable strict parallel safe
  -- Big plans that are cheap to run: JIT would cost more than it saves. Planned for each call: a
  -- few ms beside reading every workspace, and the plan then drops the scoped reads' branches
  -- for a single workspace (health.active_workspaces).
  set jit = off
  set plan_cache_mode = force_custom_plan
as $$
  select pg_catalog.now() - health.window_length("window"::text), pg_catalog.now(),
         count(s.workspace_id)::int,
         (count(*) filter (where s.overall_level = 'ok'))::int,
         (count(*) filter (where s.overall_level = 'warn'))::int,
         (count(*) filter (where s.overall_level = 'critical'))::int,
         (count(*) filter (where s.overall_level = 'unknown'))::int
    from health.workspace_summary("window"::text) as s
$$;
comment on function system_api.health_kpis(system_api.console_window) is
  'Health KPIs of the active workspaces for the window: how many are ok, warn, critical and unknown.';
grant execute on function system_api.health_kpis(system_api.console_window) to tp_system_operator;

-- source: sql/system_api/attention_workspaces.sql
-- The attention list (SPEC §4.3): workspaces whose overall level is not ok, ordered by overall
-- severity desc, number of non-ok dimensions desc, name asc, id asc; at most max_rows (default 10).
create or replace function system_api.attention_workspaces("window" system_api.console_window, max_rows int default 10)
  returns setof system_api.attention_workspace
  language sql stable strict parallel safe
  -- Big plans that are cheap to run: JIT would cost more than it saves. Planned for each call: a
  -- few ms beside reading every workspace, and the plan then drops the scoped reads' branches
  -- for a single workspace (health.active_workspaces).
  set jit = off
  set plan_cache_mode = force_custom_plan
as $$
  select s.workspace_id, s.workspace_name, s.overall_level, s.non_ok_count, s.top_dimension,
         s.top_reason_code, s.top_reason, s.drivers, s.next_link
    from health.workspace_summary("window"::text) as s
   where s.overall_level <> 'ok'
   order by health.severity(s.overall_level) desc, s.non_ok_count desc, s.workspace_name asc, s.workspace_id asc
   limit greatest(max_rows, 0)
$$;
comment on function system_api.attention_workspaces(system_api.console_window, int) is
  'Workspaces needing attention for the window (overall level not ok), worst first, with their drivers and the one next link.';
grant execute on function system_api.attention_workspaces(system_api.console_window, int) to tp_system_operator;

-- source: migrations/steps/end_as_owner.sql
-- Back to the migrating login, which records the migration in graphile_migrate.migrations.
reset role;
