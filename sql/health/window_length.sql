-- The length of a console window (SPEC §3.5): a window is (now() - length, now()]. Health takes
-- the window by name (text, the labels of system_api.console_window) so that its readers need no
-- right on system_api: the DBA reader evaluates health without it. An unknown name is refused.
create or replace function health.window_length(p_window text) returns interval
  language plpgsql immutable strict parallel safe
  set search_path = pg_catalog, pg_temp
as $$
begin
  case p_window
    when 'last_hour' then return interval '1 hour';
    when 'last_24_hours' then return interval '24 hours';
    when 'last_7_days' then return interval '168 hours';
    when 'last_30_days' then return interval '720 hours';
    else
      raise exception using
        errcode = '22P02',
        message = pg_catalog.format('invalid health window: %L', p_window),
        detail = 'The window must be one of last_hour, last_24_hours, last_7_days, last_30_days.';
  end case;
end
$$;
comment on function health.window_length(text) is
  'Length of a console window given by name (last_hour, last_24_hours, last_7_days, last_30_days); the window is (now() - length, now()].';
grant execute on function health.window_length(text) to tp_system_operator;
