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
