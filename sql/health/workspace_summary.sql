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
