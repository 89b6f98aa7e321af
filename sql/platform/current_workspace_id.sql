-- The admin plane's tenant context: the workspace named by the transaction-local setting
-- tenantpulse.workspace_id, or null when unset. Every policy reads it through this one accessor
-- (as `(select platform.current_workspace_id())`, so it is evaluated once per statement).
create or replace function platform.current_workspace_id() returns uuid
  language sql stable parallel safe
  set search_path = pg_catalog, pg_temp
as $$
  select nullif(pg_catalog.current_setting('tenantpulse.workspace_id', true), '')::uuid
$$;
comment on function platform.current_workspace_id() is
  'The workspace of the admin-plane context (setting tenantpulse.workspace_id), or null when unset.';
grant execute on function platform.current_workspace_id() to tp_admin_plane, tp_system_operator, tp_worker;
