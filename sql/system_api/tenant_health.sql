-- A tenant's health card (SPEC §4.3): its workspace's card plus the tenant, same drivers and link
-- as the dashboard. No row (null) for an archived or unknown tenant, an archived workspace, or an
-- id that active tenants of two workspaces share (health.tenant_id_in_other_workspace).
create or replace function system_api.tenant_health(tenant_id uuid, "window" system_api.console_window)
  returns system_api.tenant_health_card
  language sql stable strict parallel safe
  -- A card is read one workspace at a time, so its plan is made once per session and reused for
  -- any workspace and window (a generic plan): planning the six dimensions costs more than
  -- running them, and their scoped reads (health.active_workspaces) still probe the indexes for
  -- the given workspace. No JIT and no parallel workers: both would cost more than the few rows.
  set jit = off
  set plan_cache_mode = force_generic_plan
  set max_parallel_workers_per_gather = 0
as $$
  select t.id, t.name, c.workspace_id, c.workspace_name, c.overall_level, c.non_ok_count,
         c.top_dimension, c.top_reason_code, c.top_reason, c.drivers, c.window_start, c.window_end,
         c.next_link, c.previous_overall_level
    from platform.tenants as t
    cross join lateral system_api.workspace_health(t.workspace_id, "window") as c
   where t.id = tenant_health.tenant_id
     and t.archived_at is null
     and not health.tenant_id_in_other_workspace(t.id, t.workspace_id)
     and c.workspace_id is not null
$$;
comment on function system_api.tenant_health(uuid, system_api.console_window) is
  'The health card of a tenant''s workspace for the window, naming the tenant (null when archived, unknown, or its id is shared by active tenants of two workspaces).';
grant execute on function system_api.tenant_health(uuid, system_api.console_window) to tp_system_operator;
