-- The length of a console window (SPEC §3.5); the window is (now() - length, now()].
create or replace function telemetry.console_window_length(p_window system_api.console_window) returns interval
  language sql immutable strict parallel safe
  set search_path = pg_catalog, pg_temp
as $$
  select case p_window
    when 'last_hour' then interval '1 hour'
    when 'last_24_hours' then interval '24 hours'
    when 'last_7_days' then interval '168 hours'
    when 'last_30_days' then interval '720 hours'
  end
$$;
comment on function telemetry.console_window_length(system_api.console_window) is
  'Length of a console window; the window is the half-open interval (now() - length, now()].';
grant execute on function telemetry.console_window_length(system_api.console_window) to tp_system_operator;
