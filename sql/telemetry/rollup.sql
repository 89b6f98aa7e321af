-- Keeps the three rollups exactly equal to the ledger's counts: per workspace, UTC day, tenant and
-- event (telemetry.usage_daily_rollup), per workspace and day (usage_daily_workspace_rollup) and
-- per hour, shard and event (usage_hourly_event_rollup). A row trigger on the partitioned ledger
-- (cloned onto every partition), so every write is counted whoever makes it and whichever table
-- it names. The prune removes whole days with their rollup partitions and counts its row-by-row
-- remainder itself: it sets tenantpulse.rollup_batched_delete = on for its transaction, and
-- deletes then skip the per-row decrement (only the owner can delete ledger rows at all). That
-- rule is the delete trigger's WHEN clause, so a batched delete does not even enter PL/pgSQL.
create or replace function telemetry.workspace_shard(p_workspace_id uuid) returns smallint
  language sql immutable strict parallel safe
  set search_path = pg_catalog, pg_temp
as $$
  select (pg_catalog.hashtextextended(p_workspace_id::text, 0) & 15)::smallint
$$;
comment on function telemetry.workspace_shard(uuid) is 'Shard (0-15) of a workspace in telemetry.usage_hourly_event_rollup.';

create or replace function telemetry.maintain_usage_rollup() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    update telemetry.usage_daily_rollup as r
       set event_count = r.event_count - 1
     where r.workspace_id = old.workspace_id
       and r.bucket_start = pg_catalog.date_bin('1 day', old.occurred_at, timestamptz '2000-01-01 00:00:00+00')
       and r.tenant_id = old.tenant_id
       and r.event_name = old.event_name;
    update telemetry.usage_daily_workspace_rollup as r
       set event_count = r.event_count - 1
     where r.workspace_id = old.workspace_id
       and r.bucket_start = pg_catalog.date_bin('1 day', old.occurred_at, timestamptz '2000-01-01 00:00:00+00');
    update telemetry.usage_hourly_event_rollup as r
       set event_count = r.event_count - 1
     where r.bucket_start = pg_catalog.date_bin('1 hour', old.occurred_at, timestamptz '2000-01-01 00:00:00+00')
       and r.shard = telemetry.workspace_shard(old.workspace_id)
       and r.event_name = old.event_name;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into telemetry.usage_daily_rollup as r (workspace_id, bucket_start, tenant_id, event_name, event_count)
    values (new.workspace_id, pg_catalog.date_bin('1 day', new.occurred_at, timestamptz '2000-01-01 00:00:00+00'),
            new.tenant_id, new.event_name, 1)
    on conflict (workspace_id, bucket_start, tenant_id, event_name)
    do update set event_count = r.event_count + 1;
    insert into telemetry.usage_daily_workspace_rollup as r (workspace_id, bucket_start, event_count)
    values (new.workspace_id, pg_catalog.date_bin('1 day', new.occurred_at, timestamptz '2000-01-01 00:00:00+00'), 1)
    on conflict (workspace_id, bucket_start)
    do update set event_count = r.event_count + 1;
    insert into telemetry.usage_hourly_event_rollup as r (bucket_start, shard, event_name, event_count)
    values (pg_catalog.date_bin('1 hour', new.occurred_at, timestamptz '2000-01-01 00:00:00+00'),
            telemetry.workspace_shard(new.workspace_id), new.event_name, 1)
    on conflict (bucket_start, shard, event_name)
    do update set event_count = r.event_count + 1;
  end if;
  return null;
end
$$;
comment on function telemetry.maintain_usage_rollup() is
  'Trigger: keeps the telemetry rollups equal to the ledger''s counts (insert, update, delete).';

create or replace trigger maintain_usage_rollup
  after insert or update on telemetry.product_usage_events
  for each row execute function telemetry.maintain_usage_rollup();

create or replace trigger maintain_usage_rollup_on_delete
  after delete on telemetry.product_usage_events
  for each row
  when (pg_catalog.current_setting('tenantpulse.rollup_batched_delete', true) is distinct from 'on')
  execute function telemetry.maintain_usage_rollup();

-- TRUNCATE of the ledger (the owner's, of the whole table) empties its companions with it: the
-- rollups and the de-duplication keys. (The prune truncates single partitions, which does not
-- fire this; it empties the rollup partitions itself.)
create or replace function telemetry.empty_ledger_companions() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  truncate telemetry.usage_daily_rollup, telemetry.usage_daily_workspace_rollup, telemetry.usage_hourly_event_rollup,
           telemetry.event_dedup_keys;
  return null;
end
$$;
comment on function telemetry.empty_ledger_companions() is
  'Trigger: a TRUNCATE of the ledger empties the rollups and the de-duplication keys too.';

create or replace trigger empty_ledger_companions
  after truncate on telemetry.product_usage_events
  for each statement execute function telemetry.empty_ledger_companions();
