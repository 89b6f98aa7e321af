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
