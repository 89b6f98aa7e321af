-- A workspace's health card (SPEC §4.3): the same row as the dashboard's, plus the window and the
-- previous overall level (worst of the windowed dimensions' previous levels and the current
-- point-in-time levels). No row (null) for an archived or unknown workspace.
create or replace function system_api.workspace_health(workspace_id uuid, "window" system_api.console_window)
  returns system_api.workspace_health_card
  language sql stable strict parallel safe
  -- A card is read one workspace at a time, so its plan is made once per session and reused for
  -- any workspace and window (a generic plan): planning the six dimensions costs more than
  -- running them, and their scoped reads (health.active_workspaces) still probe the indexes for
  -- the given workspace. No JIT and no parallel workers: both would cost more than the few rows.
  set jit = off
  set plan_cache_mode = force_generic_plan
  set max_parallel_workers_per_gather = 0
as $$
  select s.workspace_id, s.workspace_name, s.overall_level, s.non_ok_count, s.top_dimension,
         s.top_reason_code, s.top_reason, s.drivers, s.window_start, s.window_end, s.next_link,
         (select health.worst(l.level)
            from (select p.previous_level as level
                    from health.previous_levels("window"::text, workspace_health.workspace_id) as p
                  union all
                  select unnest(array[s.onboarding_readiness, s.provider_connection_health, s.governance_pressure])) as l)
    from health.workspace_summary("window"::text, workspace_health.workspace_id) as s
$$;
comment on function system_api.workspace_health(uuid, system_api.console_window) is
  'The health card of one active workspace for the window (null when archived or unknown); agrees with its attention row.';
grant execute on function system_api.workspace_health(uuid, system_api.console_window) to tp_system_operator;
