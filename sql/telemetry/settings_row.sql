-- telemetry.settings and health.settings hold one row each (SPEC §3.6, §4.2): their check
-- constraint refuses a second row, and this refuses removing the one (a delete or a truncate,
-- even by the owner), which would leave the recorder, the prune and health on silent defaults
-- and turn the start-up retention override into an update of nothing.
create or replace function telemetry.keep_settings_row() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  raise exception using errcode = '23001',
    message = pg_catalog.format('%I.%I holds exactly one row: update it instead', tg_table_schema, tg_table_name),
    detail = pg_catalog.format('%s of the settings row refused', pg_catalog.lower(tg_op));
end
$$;
comment on function telemetry.keep_settings_row() is
  'Trigger: refuses deleting or truncating the one row of telemetry.settings and health.settings.';

create or replace trigger keep_settings_row
  before delete or truncate on telemetry.settings
  for each statement execute function telemetry.keep_settings_row();

create or replace trigger keep_settings_row
  before delete or truncate on health.settings
  for each statement execute function telemetry.keep_settings_row();
