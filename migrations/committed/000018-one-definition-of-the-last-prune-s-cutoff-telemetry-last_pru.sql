--! Previous: sha1:ae959855ae493332cc075a0346712bb8c45ef7cb
--! Hash: sha1:a8520e1054a6c2a4ec261dbdead42c9999872ad0
--! Message: One definition of the last prune's cutoff (telemetry.last_prune_cutoff) for the key collection, the partition drop and the prune run's report

-- source: migrations/steps/begin_as_owner.sql
-- Every object is created as, and owned by, tp_owner (SPEC §1).
set local role tp_owner;

-- source: sql/telemetry/last_prune_cutoff.sql
-- The cutoff of the last prune (by when it ran), or null before the first: what the key
-- collection and the partition drop work below. The last, not the largest: after retention_days
-- was raised, an earlier, shorter retention's cutoff no longer says what is gone.
create or replace function telemetry.last_prune_cutoff() returns timestamptz
  language sql stable
  set search_path = pg_catalog, pg_temp
as $$
  select r.cutoff from telemetry.prune_runs as r order by r.ran_at desc, r.id desc limit 1
$$;
comment on function telemetry.last_prune_cutoff() is
  'The cutoff of the last prune run (telemetry.prune_runs), null before the first.';

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
  v_cutoff := telemetry.last_prune_cutoff();
  if v_cutoff is null then
    return 0;
  end if;
  delete from telemetry.event_dedup_keys as k
   where k.occurred_at < v_cutoff
     and not exists (select from telemetry.product_usage_events as e
                      -- (the bound lets the plan read the expired partitions only)
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
  v_cutoff := telemetry.last_prune_cutoff();
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

-- source: migrations/steps/end_as_owner.sql
-- Back to the migrating login, which records the migration in graphile_migrate.migrations.
reset role;
