-- The attention list (SPEC §4.3): workspaces whose overall level is not ok, ordered by overall
-- severity desc, number of non-ok dimensions desc, name asc, id asc; at most max_rows (default 10,
-- also when it is passed as null: GraphQL's `maxRows: null` means "not given"). No window: no rows.
create or replace function system_api.attention_workspaces("window" system_api.console_window, max_rows int default 10)
  returns setof system_api.attention_workspace
  language sql stable parallel safe
  -- Big plans that are cheap to run: JIT would cost more than it saves. Planned for each call: a
  -- few ms beside reading every workspace, and the plan then drops the scoped reads' branches
  -- for a single workspace (health.active_workspaces).
  set jit = off
  set plan_cache_mode = force_custom_plan
as $$
  select s.workspace_id, s.workspace_name, s.overall_level, s.non_ok_count, s.top_dimension,
         s.top_reason_code, s.top_reason, s.drivers, s.next_link
    from health.workspace_summary("window"::text) as s
   where s.overall_level <> 'ok' and "window" is not null
   order by health.severity(s.overall_level) desc, s.non_ok_count desc, s.workspace_name asc, s.workspace_id asc
   limit greatest(coalesce(max_rows, 10), 0)
$$;
comment on function system_api.attention_workspaces(system_api.console_window, int) is
  'Workspaces needing attention for the window (overall level not ok), worst first, with their drivers and the one next link.';
grant execute on function system_api.attention_workspaces(system_api.console_window, int) to tp_system_operator;
