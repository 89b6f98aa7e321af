-- The window of the DBA views: setting tenantpulse.health_window (any level: role, database,
-- session), default last_24_hours. An invalid value fails loudly (22P02) rather than guessing.
create or replace function health.configured_window() returns text
  language sql stable parallel safe
as $$
  select v.name
    from (select coalesce(nullif(btrim(pg_catalog.current_setting('tenantpulse.health_window', true)), ''),
                          'last_24_hours') as name) as v
   where health.window_length(v.name) is not null
$$;
comment on function health.configured_window() is
  'Window of the DBA views: setting tenantpulse.health_window, default last_24_hours (validated).';
grant execute on function health.configured_window() to tp_system_operator;
