-- The scope of an evaluation: every active workspace, or the one given (p_workspace_id). Each
-- scoped read is two UNION ALL branches, one per case ("p_workspace_id is null" / "= id"), not
-- one filter "p_workspace_id is null or x = p_workspace_id": the card's plan is made once and
-- reused for any workspace (a generic plan), and only the second branch lets that plan probe an
-- index for the given id, while the first one's "is null" gate keeps its full scan from running.
-- Where p_workspace_id is a constant (the dashboard's null) the planner drops the branch that
-- cannot apply, so the dashboard's plan is that of a plain scan.

-- The active workspaces in scope.
create or replace function health.active_workspaces(p_workspace_id uuid default null)
  returns table (id uuid, name text, created_at timestamptz)
  language sql stable parallel safe
as $$
  select w.id, w.name, w.created_at
    from platform.workspaces as w
   where p_workspace_id is null and w.archived_at is null
  union all
  select w.id, w.name, w.created_at
    from platform.workspaces as w
   where w.id = p_workspace_id and w.archived_at is null
$$;
comment on function health.active_workspaces(uuid) is
  'The active workspaces, or the one given when it is active (the scope of a health evaluation).';
grant execute on function health.active_workspaces(uuid) to tp_system_operator;

-- The active tenants of the active workspaces in scope.
create or replace function health.active_tenants(p_workspace_id uuid default null)
  returns table (workspace_id uuid, id uuid)
  language sql stable parallel safe
as $$
  select t.workspace_id, t.id
    from platform.tenants as t
    join platform.workspaces as w on w.id = t.workspace_id and w.archived_at is null
   where p_workspace_id is null and t.archived_at is null
  union all
  select t.workspace_id, t.id
    from platform.tenants as t
    join platform.workspaces as w on w.id = t.workspace_id and w.archived_at is null
   where t.workspace_id = p_workspace_id and t.archived_at is null
$$;
comment on function health.active_tenants(uuid) is
  'The active tenants of the active workspaces, or of the one given (the scope of a per-tenant health dimension).';
grant execute on function health.active_tenants(uuid) to tp_system_operator;
