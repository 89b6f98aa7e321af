-- The console's time windows (SPEC §3.5). A window is the half-open interval (now() - length, now()].
-- Enums cannot be `create or replace`d: create it once, and add labels only by a migration.
do $console_window$
begin
  if to_regtype('system_api.console_window') is null then
    create type system_api.console_window as enum ('last_hour', 'last_24_hours', 'last_7_days', 'last_30_days');
  end if;
end
$console_window$;
comment on type system_api.console_window is
  'A console time window: last_hour, last_24_hours, last_7_days or last_30_days; it covers (now() - length, now()].';
grant usage on type system_api.console_window to tp_system_operator;
