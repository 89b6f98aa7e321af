-- A tenant keeps its key (workspace_id, id) for good: every row of a tenant is keyed by
-- (workspace_id, tenant_id), and the telemetry ledger (which has no foreign key, see README)
-- would keep its events under the old key, counted for a tenant that no longer exists. Moving a
-- tenant to another workspace or changing its id is refused outright, as the composite foreign
-- keys already refuse it for a tenant with source rows. After the row is written, so the admin
-- plane's row-level security refuses it first (42501), as for every other table.
create or replace function platform.refuse_tenant_move() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  if old.workspace_id is distinct from new.workspace_id then
    raise exception using
      errcode = '23503',
      message = 'a tenant cannot move to another workspace',
      detail = pg_catalog.format('tenant %s belongs to workspace %s, not %s', old.id, old.workspace_id, new.workspace_id);
  end if;
  raise exception using
    errcode = '23503',
    message = 'a tenant cannot change its id',
    detail = pg_catalog.format('tenant %s of workspace %s cannot become %s', old.id, old.workspace_id, new.id);
end
$$;
comment on function platform.refuse_tenant_move() is
  'Trigger: refuses an update of platform.tenants that changes workspace_id or id.';

create or replace trigger stays_in_workspace
  after update of workspace_id, id on platform.tenants
  for each row when (old.workspace_id is distinct from new.workspace_id or old.id is distinct from new.id)
  execute function platform.refuse_tenant_move();
