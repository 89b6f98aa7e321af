--! Previous: sha1:679bc68f6160b384ef3264ee17c59e97f121a7ce
--! Hash: sha1:33a1b3dc47e78efeaa76fc802e1f7bd2c03d71fb
--! Message: Every ledger row names a tenant of its workspace, whoever writes it: a row trigger refuses another workspace's or an unknown tenant (23503) on insert and on update

-- source: migrations/steps/begin_as_owner.sql
-- Every object is created as, and owned by, tp_owner (SPEC §1).
set local role tp_owner;

-- source: sql/telemetry/event_tenant_agreement.sql
-- SPEC §2: a row's workspace_id agrees with its tenant's, for the ledger as for every tenant-owned
-- table. The ledger has no foreign key to platform.tenants (its check would lock the tenant row
-- for every event recorded, see README), so this trigger checks it for every writer: the recorder
-- has already said why (TP003) by the time it gets here; the owner writing rows directly learns it
-- here, as from a foreign key (23503). Deleting a tenant or workspace deletes its events
-- (telemetry.forget_deleted_events) and a tenant keeps its key (platform.refuse_tenant_move), so
-- no row is left without its tenant.
create or replace function telemetry.check_event_tenant() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  if new.tenant_id is not null and not exists (
       select from platform.tenants as t where t.workspace_id = new.workspace_id and t.id = new.tenant_id) then
    raise exception using
      errcode = '23503',
      message = 'the event''s tenant is not a tenant of its workspace',
      detail = pg_catalog.format('tenant_id %s is not a tenant of workspace_id %s', new.tenant_id, new.workspace_id);
  end if;
  return new;
end
$$;
comment on function telemetry.check_event_tenant() is
  'Trigger: refuses a ledger row whose (workspace_id, tenant_id) is not a tenant of that workspace (23503), whoever writes it.';

create or replace trigger check_event_tenant
  before insert or update of workspace_id, tenant_id on telemetry.product_usage_events
  for each row execute function telemetry.check_event_tenant();

-- source: sql/telemetry/usage_window.sql
-- What the console counts in a window (p_from, p_to] (SPEC §3.5): only events of active
-- workspaces and active tenants. Built for speed on a large ledger:
--   usage_event_totals       whole hours from usage_hourly_event_rollup, the raw rows of the
--                            partial hour at the start, the last hour's bucket minus the raw rows
--                            after the end (none but a few future ones when the window ends at
--                            now()), minus the events of archived workspaces and archived
--                            tenants (read per workspace, by index, from the tenant rollup and
--                            the ledger);
--   active_workspace_count   workspaces with events in whole days of usage_daily_workspace_rollup,
--                            or (for the rest) a raw event in the partial days, probed by index;
--                            workspaces with an archived tenant are recounted exactly.
-- Every ledger row names a tenant of its workspace (telemetry.check_event_tenant, for every
-- writer); a row that did not (written with triggers disabled) would be counted in a workspace
-- without archived tenants.
create or replace function telemetry.usage_event_totals(p_from timestamptz, p_to timestamptz)
  returns table (event_name text, event_count bigint)
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_lo timestamptz := pg_catalog.date_bin('1 hour', p_from, timestamptz '2000-01-01 00:00:00+00') + interval '1 hour';
  v_hi timestamptz := pg_catalog.date_bin('1 hour', p_to, timestamptz '2000-01-01 00:00:00+00');
  v_excluded uuid[];
begin
  select coalesce(pg_catalog.array_agg(w.id), '{}') into v_excluded
    from platform.workspaces as w
   where w.archived_at is not null
      or exists (select from platform.tenants as t where t.workspace_id = w.id and t.archived_at is not null);
  return query
  select x.event_name, sum(x.n)::bigint
    from (
      select r.event_name, r.event_count as n
        from telemetry.usage_hourly_event_rollup as r
       where r.bucket_start >= v_lo and r.bucket_start < v_hi
      union all
      select e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at < v_lo
      -- the partial hour at the end, [v_hi, p_to]: its whole bucket minus the rows after p_to (for
      -- a window ending at now(), only the few recorded up to 5 minutes ahead) ...
      union all
      select r.event_name, r.event_count
        from telemetry.usage_hourly_event_rollup as r
       where r.bucket_start = v_hi and v_hi >= v_lo
      union all
      select e.event_name, -1::bigint
        from telemetry.product_usage_events as e
       where e.occurred_at > p_to and e.occurred_at < v_hi + interval '1 hour' and v_hi >= v_lo
      -- ... or, when the window lies within two partial hours, its raw rows after v_lo
      union all
      select e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at >= v_lo and v_hi < v_lo
      union all
      select c.event_name, -c.event_count
        from telemetry.workspace_event_counts(v_excluded, p_from, p_to) as c
       where not exists (
               select from platform.tenants as t join platform.workspaces as w on w.id = t.workspace_id
                where t.workspace_id = c.workspace_id and t.id = c.tenant_id
                  and t.archived_at is null and w.archived_at is null)
    ) as x
   group by x.event_name;
end
$$;
comment on function telemetry.usage_event_totals(timestamptz, timestamptz) is
  'Events in (p_from, p_to] per event name, counting only active workspaces and active tenants.';
grant execute on function telemetry.usage_event_totals(timestamptz, timestamptz) to tp_owner, tp_system_operator;

create or replace function telemetry.active_workspace_count(p_from timestamptz, p_to timestamptz) returns int
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_lo timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00') + interval '24 hours';
  v_hi timestamptz := pg_catalog.date_bin('1 day', p_to, timestamptz '2000-01-01 00:00:00+00');
  v_edge timestamptz := greatest(v_hi, v_lo);
  v_active int;
  v_mixed uuid[];
begin
  -- active workspaces with at least one event in the window, whatever the tenant; those with an
  -- archived tenant count only through an active tenant's event, so they are recounted below
  select count(*) filter (where not m.mixed)::int, coalesce(pg_catalog.array_agg(w.id) filter (where m.mixed), '{}')
    into v_active, v_mixed
    from platform.workspaces as w
    cross join lateral (
      select exists (select from platform.tenants as t where t.workspace_id = w.id and t.archived_at is not null) as mixed
    ) as m
   where w.archived_at is null
     and (w.id in (select r.workspace_id from telemetry.usage_daily_workspace_rollup as r
                    where r.bucket_start >= v_lo and r.bucket_start < v_hi and r.event_count > 0)
          or exists (select from telemetry.product_usage_events as e
                      where e.workspace_id = w.id and e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at < v_lo)
          or exists (select from telemetry.product_usage_events as e
                      where e.workspace_id = w.id and e.occurred_at >= v_edge and e.occurred_at > p_from and e.occurred_at <= p_to));
  return v_active + (
    select count(distinct c.workspace_id)::int
      from telemetry.workspace_event_counts(v_mixed, p_from, p_to) as c
      join platform.tenants as t on t.workspace_id = c.workspace_id and t.id = c.tenant_id and t.archived_at is null);
end
$$;
comment on function telemetry.active_workspace_count(timestamptz, timestamptz) is
  'Active workspaces with at least one event of an active tenant in (p_from, p_to].';
grant execute on function telemetry.active_workspace_count(timestamptz, timestamptz) to tp_owner, tp_system_operator;

-- source: migrations/steps/end_as_owner.sql
-- Back to the migrating login, which records the migration in graphile_migrate.migrations.
reset role;
