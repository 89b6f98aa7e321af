-- The daily partitions (ledger and rollups) of days wholly before the last prune's cutoff, once
-- empty, are dropped here, with the tables of rows the prune detached from them
-- (<table>_pYYYYMMDD_pruned_<n>, freeing at once what free_pruned_storage() has not freed yet),
-- in short transactions of their own after prune_events(): a drop locks the parent tables
-- exclusively (and, for a table with a foreign key, the catalog it references), which stops
-- recording for the moment it takes. So p_days limits a call to that many days, the earliest with
-- something to drop, and the retention run calls it a day at a time with pauses
-- (src/telemetry/prune.ts); null drops every day at once. Waiting for the locks is bounded
-- (lock_timeout): when recording keeps the tables busy, nothing is dropped and the next run tries
-- again. A partition that still holds rows is left for the next prune. Returns how many tables it
-- dropped (0: nothing left to drop, or the tables were busy).
create or replace function telemetry.drop_expired_partitions(p_days int default null) returns int
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
  set lock_timeout = '100ms'
as $$
declare
  v_cutoff timestamptz;
  v_day text;
  v_partition record;
  v_found boolean;
  v_dropped int := 0;
  v_dropped_before int;
  v_days int := 0;
begin
  if p_days is not null and p_days < 1 then
    raise exception 'p_days must be at least 1, or null for every day'
      using errcode = '22023', detail = pg_catalog.format('p_days = %s', p_days);
  end if;
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
  -- (the days are listed first: a table cannot be dropped while a query still reads it)
  foreach v_day in array array(
    select pg_catalog.right(x.partition_name, 8) from telemetry.expired_partitions(v_cutoff) as x
    union
    select p.day from telemetry.pruned_tables() as p
    order by 1)
  loop
    exit when v_days = p_days;
    v_dropped_before := v_dropped;
    for v_partition in
      select x.partition_name, x.parent_name, x.day,
             case when x.parent_name = 'product_usage_events' then 'occurred_at' else 'bucket_start' end as time_column
        from telemetry.expired_partitions(v_cutoff) as x
       where pg_catalog.right(x.partition_name, 8) = v_day
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
      select p.relation from telemetry.pruned_tables() as p where p.day = v_day
    loop
      execute pg_catalog.format('drop table %s', v_partition.relation);
      v_dropped := v_dropped + 1;
    end loop;
    if v_dropped > v_dropped_before then
      v_days := v_days + 1;
    end if;
  end loop;
  return v_dropped;
end
$$;
comment on function telemetry.drop_expired_partitions(int) is
  'Drops the empty daily partitions (ledger and rollups) of days wholly before the last prune''s cutoff and the rows the prune detached from them, '
  'at most p_days days per call (the earliest; null: all); returns how many tables it dropped. Gives up (0) when the tables stay busy for lock_timeout.';
grant execute on function telemetry.drop_expired_partitions(int) to tp_worker;
