--! Previous: sha1:5c6bbfb81de979cbef69c97b1e50706f15c7ab47
--! Hash: sha1:ae959855ae493332cc075a0346712bb8c45ef7cb
--! Message: Telemetry: prune_dedup_keys keeps keys of events still recorded; the last prune's cutoff; the delete cascade keeps rollups exact; settings keep their one row; a shared tenant id counts only in active workspaces

-- source: migrations/steps/begin_as_owner.sql
-- Every object is created as, and owned by, tp_owner (SPEC §1).
set local role tp_owner;

-- source: sql/telemetry/settings_row.sql
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

-- source: sql/telemetry/prune_dedup_keys.sql
-- De-duplication keys whose first event is gone for good (older than the last prune's cutoff) no
-- longer de-duplicate anything (the recorder checks that the event still exists); this collects
-- them so the table does not grow forever. The daily prune job runs it after prune_events().
-- A key whose event is still there stays: after retention_days was raised, the recorder accepts
-- events older than an earlier, shorter cutoff, and their retries must still find their key.
create or replace function telemetry.prune_dedup_keys() returns bigint
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_cutoff timestamptz;
  v_removed bigint;
begin
  select r.cutoff into v_cutoff from telemetry.prune_runs as r order by r.ran_at desc, r.id desc limit 1; -- the last prune's
  if v_cutoff is null then
    return 0;
  end if;
  delete from telemetry.event_dedup_keys as k
   where k.occurred_at < v_cutoff
     and not exists (select from telemetry.product_usage_events as e
                      where e.occurred_at < v_cutoff and e.occurred_at = k.occurred_at
                        and e.workspace_id = k.workspace_id and e.id = k.event_id);
  get diagnostics v_removed = row_count;
  return v_removed;
end
$$;
comment on function telemetry.prune_dedup_keys() is
  'Removes the de-duplication keys of pruned events (older than the last prune''s cutoff and gone from the ledger); returns how many.';
grant execute on function telemetry.prune_dedup_keys() to tp_worker;

-- source: sql/telemetry/drop_expired_partitions.sql
-- The daily partitions (ledger and rollups) of days wholly before the last prune's cutoff, once
-- empty, are dropped here, in a short transaction of its own after prune_events(): a drop locks
-- its parent table exclusively, which pauses recording for the moment it takes. Waiting for
-- that lock is bounded (lock_timeout): when recording keeps the tables busy, nothing is dropped
-- and the next run tries again. A partition that still holds rows is left for the next prune.
create or replace function telemetry.drop_expired_partitions() returns int
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
  set lock_timeout = '100ms'
as $$
declare
  v_cutoff timestamptz;
  v_partition record;
  v_found boolean;
  v_dropped int := 0;
begin
  select r.cutoff into v_cutoff from telemetry.prune_runs as r order by r.ran_at desc, r.id desc limit 1; -- the last prune's
  if v_cutoff is null then
    return 0;
  end if;
  begin
    -- The ledger first, as the recorder (and its rollup trigger) takes them.
    lock table telemetry.product_usage_events, telemetry.usage_daily_rollup,
               telemetry.usage_daily_workspace_rollup, telemetry.usage_hourly_event_rollup
      in access exclusive mode;
  exception when lock_not_available then
    raise notice 'telemetry.drop_expired_partitions: the tables are busy; the next run will drop the expired partitions';
    return 0;
  end;
  for v_partition in
    select x.partition_name, x.parent_name, x.day,
           case when x.parent_name = 'product_usage_events' then 'occurred_at' else 'bucket_start' end as time_column
      from telemetry.expired_partitions(v_cutoff) as x
  loop
    -- Read through the parent: its policies are the ones that apply, and it prunes to the day.
    execute pg_catalog.format('select exists (select from telemetry.%I where %I >= $1 and %I < $1 + interval ''24 hours'')',
      v_partition.parent_name, v_partition.time_column, v_partition.time_column)
      into v_found using v_partition.day;
    continue when v_found;
    execute pg_catalog.format('drop table telemetry.%I', v_partition.partition_name);
    v_dropped := v_dropped + 1;
  end loop;
  return v_dropped;
end
$$;
comment on function telemetry.drop_expired_partitions() is
  'Drops the empty daily partitions (ledger and rollups) of days wholly before the last prune''s cutoff; returns how many. '
  'Gives up (0) when the tables stay busy for lock_timeout.';
grant execute on function telemetry.drop_expired_partitions() to tp_worker;

-- source: sql/telemetry/forget_deleted_events.sql
-- The events of a deleted workspace or tenant go with it, as every platform row of theirs does
-- (on delete cascade): otherwise the usage summary would count events of a workspace it no longer
-- has. (Not a foreign key from the ledger: its check would lock the tenant's row for every event
-- recorded.) Statement-level, one delete per deleting statement; the rollups follow through the
-- ledger's own trigger.
create or replace function telemetry.forget_deleted_events() returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
begin
  -- The rollups must follow: whatever the deleting session set, its rows are not a prune's batch.
  perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', '', true);
  if tg_table_name = 'workspaces' then
    delete from telemetry.product_usage_events as e using gone as g where e.workspace_id = g.id;
  else
    delete from telemetry.product_usage_events as e using gone as g where e.workspace_id = g.workspace_id and e.tenant_id = g.id;
  end if;
  return null;
end
$$;
comment on function telemetry.forget_deleted_events() is
  'Trigger: deletes the ledger events of deleted workspaces or tenants.';

create or replace trigger forget_deleted_events
  after delete on platform.workspaces
  referencing old table as gone
  for each statement execute function telemetry.forget_deleted_events();

create or replace trigger forget_deleted_events
  after delete on platform.tenants
  referencing old table as gone
  for each statement execute function telemetry.forget_deleted_events();

-- source: sql/health/tenant_id_in_other_workspace.sql
-- Tenant ids are unique per workspace only (keys lead with workspace_id, SPEC §2), yet the tenant
-- link and system_api.tenant_health name a tenant by its id alone. When another active workspace
-- has an active tenant with the same id (a host's bug, or an admin reusing another workspace's id), that
-- id names no tenant for certain: the dashboard links to the workspace instead, and the tenant
-- card is not shown (no row), so a link never opens another workspace's card. One index probe.
create or replace function health.tenant_id_in_other_workspace(p_tenant_id uuid, p_workspace_id uuid)
  returns boolean
  language sql stable parallel safe
as $$
  select exists (
    select from platform.tenants as t
      join platform.workspaces as w on w.id = t.workspace_id and w.archived_at is null
     where t.id = p_tenant_id and t.workspace_id <> p_workspace_id and t.archived_at is null
  )
$$;
comment on function health.tenant_id_in_other_workspace(uuid, uuid) is
  'Whether an active tenant of another active workspace has this tenant id (then the id alone names no tenant for certain).';
grant execute on function health.tenant_id_in_other_workspace(uuid, uuid) to tp_system_operator, tp_dba_reader;

-- source: migrations/steps/end_as_owner.sql
-- Back to the migrating login, which records the migration in graphile_migrate.migrations.
reset role;
