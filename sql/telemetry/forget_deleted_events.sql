-- The events of a deleted workspace or tenant go with it, as every platform row of theirs does
-- (on delete cascade): otherwise the usage summary would count events of a workspace it no longer
-- has. (Not a foreign key from the ledger: its check would lock the tenant's row for every event
-- recorded.) Statement-level, one delete per deleting statement; the rollups follow through the
-- ledger's own trigger.
create or replace function telemetry.forget_deleted_events() returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
begin
  -- The rollups must follow: whatever the deleting session set, its rows are not a prune's batch.
  perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', '', true);
  if tg_table_name = 'workspaces' then
    delete from telemetry.product_usage_events as e using gone as g where e.workspace_id = g.id;
  else
    delete from telemetry.product_usage_events as e using gone as g where e.workspace_id = g.workspace_id and e.tenant_id = g.id;
  end if;
  return null;
end
$$;
comment on function telemetry.forget_deleted_events() is
  'Trigger: deletes the ledger events of deleted workspaces or tenants.';

create or replace trigger forget_deleted_events
  after delete on platform.workspaces
  referencing old table as gone
  for each statement execute function telemetry.forget_deleted_events();

create or replace trigger forget_deleted_events
  after delete on platform.tenants
  referencing old table as gone
  for each statement execute function telemetry.forget_deleted_events();
