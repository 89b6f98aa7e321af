-- The coming week of daily partitions (ledger and rollups), created by the prune job in a short
-- transaction of its own, after the prune: creating a partition locks its parent table
-- exclusively until commit, so inside the prune's transaction it would pause recording for the
-- whole prune. Waiting for that lock is bounded (lock_timeout): when recording keeps the tables
-- busy, nothing is created and the next run tries again, with days to spare (a day still without
-- partitions when its events arrive records them in the default partitions, see ensure_partitions).
create or replace function telemetry.create_partitions_ahead() returns int
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
  set lock_timeout = '100ms'
as $$
begin
  return telemetry.ensure_partitions(pg_catalog.now(), pg_catalog.now() + interval '168 hours');
exception when lock_not_available then
  raise notice 'telemetry.create_partitions_ahead: the tables are busy; the next run will create the coming partitions';
  return 0;
end
$$;
comment on function telemetry.create_partitions_ahead() is
  'Creates the missing daily partitions (ledger and rollups) of the coming week; returns how many ledger partitions it created. '
  'Gives up (0) when the tables stay busy for lock_timeout.';
grant execute on function telemetry.create_partitions_ahead() to tp_worker;
