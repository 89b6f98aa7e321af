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
