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
