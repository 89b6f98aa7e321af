-- Seam: an operation run started by a user for a tenant records operations.run_started
-- (system-initiated or tenantless runs record nothing). operation_type obeys the metadata rule
-- by its check constraint, so the capture cannot fail on it.
create or replace function telemetry.capture_operation_run() returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
begin
  perform telemetry.capture_event('operations.run_started', new.workspace_id, new.tenant_id, new.initiator_id,
    'operation_run', new.id, pg_catalog.jsonb_build_object('operation_type', new.operation_type));
  return null;
end
$$;
comment on function telemetry.capture_operation_run() is
  'Trigger: records operations.run_started when a user starts an operation run for a tenant.';

create or replace trigger capture_usage_event
  after insert on platform.operation_runs
  for each row execute function telemetry.capture_operation_run();
