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
