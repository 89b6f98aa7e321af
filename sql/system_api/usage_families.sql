-- Usage per catalog event for a console window (SPEC §3.5): one row per catalog event in catalog
-- order, zero counts included; archived workspaces and tenants count nowhere.
create or replace function system_api.usage_families("window" system_api.console_window)
  returns table (event_name text, feature_area text, label text, event_count int)
  language sql stable strict
  security definer
  set search_path = pg_catalog, pg_temp
as $$
  select c.event_name, c.feature_area, c.label, coalesce(u.event_count, 0)::int
    from telemetry.event_catalog as c
    left join telemetry.usage_event_totals(pg_catalog.now() - telemetry.console_window_length("window"), pg_catalog.now()) as u
      on u.event_name = c.event_name
   order by c.display_order
$$;
comment on function system_api.usage_families(system_api.console_window) is
  'Product usage per catalog event in the window (now() - length, now()], in catalog order with zero counts; archived workspaces and tenants are not counted.';
grant execute on function system_api.usage_families(system_api.console_window) to tp_system_operator;
