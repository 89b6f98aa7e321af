-- Dimension 4, governance pressure (SPEC §4.2), point in time, per tenant: no finding (resolved
-- ones included) and no permission_posture report ever: unknown; an open critical finding, or an
-- open high finding past due_at: critical; an open high finding, any open finding past due_at,
-- or a risk_accepted exception expired or expiring within exception_warning_days (inclusive;
-- none when exception_expires_at is null): warn; else ok. Rolled up over active tenants.
create or replace function health.dimension_governance_pressure(p_workspace_id uuid default null)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  select r.*
    from health.roll_up_tenants(p_workspace_id, 'governance.no_active_tenant', array(
      select case
               when p.tenant_id is null
                    and not exists (select from platform.findings as f
                                     where f.workspace_id = t.workspace_id and f.tenant_id = t.id)
                    and not exists (select from platform.stored_reports as sr
                                     where sr.workspace_id = t.workspace_id and sr.tenant_id = t.id
                                       and sr.report_type = 'permission_posture') then
                 row(t.workspace_id, t.id, 'unknown', 'governance.no_data',
                     'has no findings and no permission posture report', 'have no findings and no permission posture report', 1)::health.tenant_result
               when p.open_critical then
                 row(t.workspace_id, t.id, 'critical', 'governance.open_critical', 'has an open critical finding', 'have an open critical finding', 1)::health.tenant_result
               when p.high_overdue then
                 row(t.workspace_id, t.id, 'critical', 'governance.high_overdue', 'has an open high finding past due', 'have an open high finding past due', 2)::health.tenant_result
               when p.open_high then
                 row(t.workspace_id, t.id, 'warn', 'governance.open_high', 'has an open high finding', 'have an open high finding', 1)::health.tenant_result
               when p.overdue then
                 row(t.workspace_id, t.id, 'warn', 'governance.overdue', 'has an open finding past due', 'have an open finding past due', 2)::health.tenant_result
               when p.exception_expiring then
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
          -- prove that governance truth exists (the exists probes above).
          select f.workspace_id, f.tenant_id,
                 coalesce(bool_or(f.status = 'open' and f.severity = 'critical'), false) as open_critical,
                 coalesce(bool_or(f.status = 'open' and f.severity = 'high' and f.due_at < pg_catalog.now()), false) as high_overdue,
                 coalesce(bool_or(f.status = 'open' and f.severity = 'high'), false) as open_high,
                 coalesce(bool_or(f.status = 'open' and f.due_at < pg_catalog.now()), false) as overdue,
                 coalesce(bool_or(f.status = 'risk_accepted'
                   and f.exception_expires_at <= pg_catalog.now() + pg_catalog.make_interval(days => s2.exception_warning_days)), false) as exception_expiring
            from platform.findings as f
            cross join health.settings as s2
           where f.status <> 'resolved'
             and (p_workspace_id is null or f.workspace_id = p_workspace_id)
           group by f.workspace_id, f.tenant_id
        ) as p on p.workspace_id = t.workspace_id and p.tenant_id = t.id
       where t.archived_at is null
         and (p_workspace_id is null or t.workspace_id = p_workspace_id)
    )) as r
$$;
comment on function health.dimension_governance_pressure(uuid) is
  'Governance pressure per active workspace (or the one given): worst findings verdict over its active tenants.';
grant execute on function health.dimension_governance_pressure(uuid) to tp_system_operator, tp_dba_reader;
