-- Engagement freshness looks back over the telemetry retention window (SPEC §3.6). The readers
-- of health (operator, DBA) may not read telemetry.settings, so this one value is read as the
-- owner. Definer: pinned search_path, schema-qualified, takes no input.
create or replace function health.retention_days() returns int
  language sql stable security definer parallel safe
  set search_path = pg_catalog, pg_temp
as $$
  select s.retention_days::int from telemetry.settings as s limit 1
$$;
comment on function health.retention_days() is
  'Telemetry retention in days (telemetry.settings.retention_days), readable by the health readers.';
grant execute on function health.retention_days() to tp_system_operator;
