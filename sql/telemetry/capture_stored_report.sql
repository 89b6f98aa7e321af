-- Seam: a stored report created by a user records reports.stored_report_created (reports the
-- system creates record nothing).
create or replace function telemetry.capture_stored_report() returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
begin
  perform telemetry.capture_event('reports.stored_report_created', new.workspace_id, new.tenant_id, new.created_by,
    'stored_report', new.id, pg_catalog.jsonb_build_object('report_type', new.report_type));
  return null;
end
$$;
comment on function telemetry.capture_stored_report() is
  'Trigger: records reports.stored_report_created when a user creates a stored report.';

create or replace trigger capture_usage_event
  after insert on platform.stored_reports
  for each row execute function telemetry.capture_stored_report();
