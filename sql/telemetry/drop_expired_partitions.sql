-- The daily partitions (ledger and rollups) of days wholly before the last prune's cutoff, once
-- empty, are dropped here, in a short transaction of its own after prune_events(): a drop locks
-- its parent table exclusively, which pauses recording for the moment it takes. Waiting for
-- that lock is bounded (lock_timeout): when recording keeps the tables busy, nothing is dropped
-- and the next run tries again. A partition that still holds rows is left for the next prune.
-- The tables of rows the prune detached (<table>_pYYYYMMDD_pruned_<n>) are dropped here too,
-- freeing at once what free_pruned_storage() has not freed yet.
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
    -- In the order the recorder takes them: the catalog (which dropping a ledger partition's
    -- foreign key locks), the ledger, then the rollups its trigger writes. Nothing after this
    -- statement waits for a lock any session but this one might hold.
    lock table telemetry.event_catalog, telemetry.product_usage_events, telemetry.usage_daily_rollup,
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
  for v_partition in
    select c.relname from pg_catalog.pg_class as c
     where c.relnamespace = 'telemetry'::pg_catalog.regnamespace and c.relkind = 'r'
       and c.relname ~ '_p[0-9]{8}_pruned_[0-9]+$'
  loop
    execute pg_catalog.format('drop table telemetry.%I', v_partition.relname);
  end loop;
  return v_dropped;
end
$$;
comment on function telemetry.drop_expired_partitions() is
  'Drops the empty daily partitions (ledger and rollups) of days wholly before the last prune''s cutoff, and the rows the prune detached; returns how many daily partitions it dropped. '
  'Gives up (0) when the tables stay busy for lock_timeout.';
grant execute on function telemetry.drop_expired_partitions() to tp_worker;
