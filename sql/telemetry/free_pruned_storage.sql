-- The storage of the rows prune_events() detached (tables telemetry.<table>_pYYYYMMDD_pruned_<n>,
-- readable by no role), freed one day at a time: each call truncates the tables of the earliest
-- day still holding storage and returns how many it truncated (0: nothing is left to free). The
-- caller pauses between calls (src/telemetry/prune.ts): on a disk that discards freed blocks
-- online, freeing a file stalls every commit's WAL flush for a moment, ~20 ms per day at 110 k
-- events a day here, and spread out that moment stays small beside recording. A TRUNCATE locks
-- only the table it empties, which no one else uses; the emptied tables are dropped by
-- drop_expired_partitions().
create or replace function telemetry.free_pruned_storage() returns int
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_day text;
  v_tables text;
  v_count int;
begin
  select p.day into v_day from telemetry.pruned_tables() as p
   where pg_catalog.pg_relation_size(p.relation) > 0
   order by p.day
   limit 1;
  if v_day is null then
    return 0;
  end if;
  select pg_catalog.string_agg(p.relation::text, ', '), pg_catalog.count(*) into v_tables, v_count
    from telemetry.pruned_tables() as p
   where p.day = v_day;
  execute 'truncate ' || v_tables;
  return v_count;
end
$$;
comment on function telemetry.free_pruned_storage() is
  'Frees the storage of one day of the rows telemetry.prune_events() detached (the earliest day still holding any) and returns how many tables it truncated; 0 when nothing is left to free. Call it until it returns 0, pausing between calls.';
grant execute on function telemetry.free_pruned_storage() to tp_worker;
