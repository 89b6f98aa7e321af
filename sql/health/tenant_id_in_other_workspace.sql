-- Tenant ids are unique per workspace only (keys lead with workspace_id, SPEC §2), yet the tenant
-- link and system_api.tenant_health name a tenant by its id alone. When another active workspace
-- has an active tenant with the same id (a host's bug, or an admin reusing another workspace's id), that
-- id names no tenant for certain: the dashboard links to the workspace instead, and the tenant
-- card is not shown (no row), so a link never opens another workspace's card. One index probe.
create or replace function health.tenant_id_in_other_workspace(p_tenant_id uuid, p_workspace_id uuid)
  returns boolean
  language sql stable parallel safe
as $$
  select exists (
    select from platform.tenants as t
      join platform.workspaces as w on w.id = t.workspace_id and w.archived_at is null
     where t.id = p_tenant_id and t.workspace_id <> p_workspace_id and t.archived_at is null
  )
$$;
comment on function health.tenant_id_in_other_workspace(uuid, uuid) is
  'Whether an active tenant of another active workspace has this tenant id (then the id alone names no tenant for certain).';
grant execute on function health.tenant_id_in_other_workspace(uuid, uuid) to tp_system_operator;
