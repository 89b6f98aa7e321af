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
