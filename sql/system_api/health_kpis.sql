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
