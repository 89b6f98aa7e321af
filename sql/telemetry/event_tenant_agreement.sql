-- SPEC §2: a row's workspace_id agrees with its tenant's, for the ledger as for every tenant-owned
-- table. The ledger has no foreign key to platform.tenants (its check would lock the tenant row
-- for every event recorded, see README), so this trigger checks it for every writer: the recorder
-- has already said why (TP003) by the time it gets here; the owner writing rows directly learns it
-- here, as from a foreign key (23503). Deleting a tenant or workspace deletes its events
-- (telemetry.forget_deleted_events) and a tenant keeps its key (platform.refuse_tenant_move), so
-- no row is left without its tenant.
create or replace function telemetry.check_event_tenant() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  if new.tenant_id is not null and not exists (
       select from platform.tenants as t where t.workspace_id = new.workspace_id and t.id = new.tenant_id) then
    raise exception using
      errcode = '23503',
      message = 'the event''s tenant is not a tenant of its workspace',
      detail = pg_catalog.format('tenant_id %s is not a tenant of workspace_id %s', new.tenant_id, new.workspace_id);
  end if;
  return new;
end
$$;
comment on function telemetry.check_event_tenant() is
  'Trigger: refuses a ledger row whose (workspace_id, tenant_id) is not a tenant of that workspace (23503), whoever writes it.';

create or replace trigger check_event_tenant
  before insert or update of workspace_id, tenant_id on telemetry.product_usage_events
  for each row execute function telemetry.check_event_tenant();
