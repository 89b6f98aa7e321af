-- The six dimensions of a workspace's card (SPEC §4.3), in dimension order, with the previous
-- level of the windowed ones (null for point-in-time ones). No rows for an archived or unknown
-- workspace.
create or replace function system_api.workspace_health_dimensions(workspace_id uuid, "window" system_api.console_window)
  returns setof system_api.workspace_health_dimension
  language sql stable strict parallel safe
  -- Big plans that are cheap to run: JIT would cost more than it saves; and a generic plan
  -- (reused after 5 calls) cannot prune by workspace or window, so plan each call.
  set jit = off
  set plan_cache_mode = force_custom_plan
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
