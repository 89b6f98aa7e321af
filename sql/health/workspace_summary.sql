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
  with e as materialized (
    select * from health.evaluate(p_window, p_workspace_id)
  ),
  -- The worst level by health.severity (what health.worst gives), without a SQL state function
  -- call per row: severity inlines, and the rank maps back to its level.
  overall as (
    select e.workspace_id,
           ('{ok,unknown,warn,critical}'::health.level[])[max(health.severity(e.level)) + 1] as level
      from e group by e.workspace_id
  ),
  ranked as (
    select e.*, o.level as overall_level,
           e.level = o.level and o.level <> 'ok' as is_driver
      from e join overall as o on o.workspace_id = e.workspace_id
  )
  select r.workspace_id, r.workspace_name, r.overall_level,
         (count(*) filter (where r.level <> 'ok'))::int,
         (pg_catalog.array_agg(r.dimension order by r.display_order) filter (where r.is_driver))[1],
         (pg_catalog.array_agg(r.reason_code order by r.display_order) filter (where r.is_driver))[1],
         (pg_catalog.array_agg(r.reason order by r.display_order) filter (where r.is_driver))[1],
         coalesce(pg_catalog.array_agg(r.label order by r.display_order) filter (where r.is_driver), '{}'),
         case
           when (pg_catalog.array_agg(r.attributed_tenant_id order by r.display_order) filter (where r.is_driver))[1] is not null
             then pg_catalog.format('/system/tenants/%s?window=%s',
                    (pg_catalog.array_agg(r.attributed_tenant_id order by r.display_order) filter (where r.is_driver))[1], p_window)
           else pg_catalog.format('/system/workspaces/%s?window=%s', r.workspace_id, p_window)
         end,
         pg_catalog.now() - health.window_length(p_window),
         pg_catalog.now(),
         (pg_catalog.array_agg(r.level) filter (where r.dimension = 'onboarding_readiness'))[1],
         (pg_catalog.array_agg(r.level) filter (where r.dimension = 'provider_connection_health'))[1],
         (pg_catalog.array_agg(r.level) filter (where r.dimension = 'operational_stability'))[1],
         (pg_catalog.array_agg(r.level) filter (where r.dimension = 'governance_pressure'))[1],
         (pg_catalog.array_agg(r.level) filter (where r.dimension = 'review_pack_readiness'))[1],
         (pg_catalog.array_agg(r.level) filter (where r.dimension = 'engagement_freshness'))[1]
    from ranked as r
   group by r.workspace_id, r.workspace_name, r.overall_level
$$;
comment on function health.workspace_summary(text, uuid) is
  'Overall health, drivers, top reason and next link of every active workspace (or the one given) for the window.';
grant execute on function health.workspace_summary(text, uuid) to tp_system_operator, tp_dba_reader;
