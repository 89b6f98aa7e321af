-- Participation summary for a console window (SPEC §3.5): one row (a single composite).
do $usage_summary_type$
begin
  if to_regtype('system_api.usage_summary') is null then
    create type system_api.usage_summary as (
      window_start timestamptz,
      window_end timestamptz,
      active_workspaces int,
      total_workspaces int,
      participation_rate double precision,
      total_events int
    );
  end if;
end
$usage_summary_type$;
comment on type system_api.usage_summary is 'Product usage participation of the active workspaces in a console window.';
comment on column system_api.usage_summary.window_start is 'Start of the window (exclusive): now() minus its length.';
comment on column system_api.usage_summary.window_end is 'End of the window (inclusive): now().';
comment on column system_api.usage_summary.active_workspaces is 'Active workspaces with at least one event (of an active tenant) in the window.';
comment on column system_api.usage_summary.total_workspaces is 'Active (not archived) workspaces.';
comment on column system_api.usage_summary.participation_rate is 'active_workspaces / total_workspaces (0 when there are none).';
comment on column system_api.usage_summary.total_events is 'Events of active workspaces and tenants in the window.';
grant usage on type system_api.usage_summary to tp_system_operator;

create or replace function system_api.usage_summary("window" system_api.console_window)
  returns system_api.usage_summary
  language sql stable strict
  security definer
  set search_path = pg_catalog, pg_temp
as $$
  with bounds as (
    select pg_catalog.now() - telemetry.console_window_length("window") as window_start, pg_catalog.now() as window_end
  ),
  usage as (
    select telemetry.active_workspace_count(b.window_start, b.window_end) as active_workspaces,
           (select coalesce(sum(u.event_count), 0)::int from telemetry.usage_event_totals(b.window_start, b.window_end) as u) as total_events
      from bounds as b
  ),
  workspaces as (
    select count(*)::int as total_workspaces from platform.workspaces as w where w.archived_at is null
  )
  select b.window_start, b.window_end, u.active_workspaces, w.total_workspaces,
         case when w.total_workspaces = 0 then 0::float8 else u.active_workspaces::float8 / w.total_workspaces end,
         u.total_events
    from bounds as b, usage as u, workspaces as w
$$;
comment on function system_api.usage_summary(system_api.console_window) is
  'Product usage participation in the window (now() - length, now()]: active and total workspaces, participation rate and total events; archived workspaces and tenants count nowhere.';
grant execute on function system_api.usage_summary(system_api.console_window) to tp_system_operator;
