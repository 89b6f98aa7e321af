-- The prune's pacing: sleeps p_factor times as long as the work since p_started took and returns
-- the time it woke, the start of the next piece of work. Like autovacuum's cost delay, it keeps a
-- maintenance transaction from taking a whole core for long: on this 2-core machine, any backend
-- busy for a few hundred milliseconds without a break (even a pure computation, writing nothing)
-- cost concurrent recording ~20 % of its commits while it ran (bench/RESULTS.md).
create or replace function telemetry.pause_after(p_started timestamptz, p_factor int) returns timestamptz
  language plpgsql volatile
  set search_path = pg_catalog, pg_temp
as $$
begin
  perform pg_catalog.pg_sleep(p_factor * pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - p_started));
  return pg_catalog.clock_timestamp();
end
$$;
comment on function telemetry.pause_after(timestamptz, int) is
  'Sleeps p_factor times as long as has passed since p_started, then returns clock_timestamp(): the pacing of telemetry.prune_events().';
