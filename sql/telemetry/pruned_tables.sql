-- The tables of rows prune_events() detached and renamed <table>_pYYYYMMDD_pruned_<transaction>,
-- with their day: what free_pruned_storage() empties and drop_expired_partitions() drops.
create or replace function telemetry.pruned_tables() returns table (relation pg_catalog.regclass, day text)
  language sql stable
  set search_path = pg_catalog, pg_temp
as $$
  select c.oid::pg_catalog.regclass, pg_catalog.substring(c.relname, '_p([0-9]{8})_pruned_[0-9]+$')
    from pg_catalog.pg_class as c
   where c.relnamespace = 'telemetry'::pg_catalog.regnamespace and c.relkind = 'r'
     and c.relname ~ '_p[0-9]{8}_pruned_[0-9]+$'
$$;
comment on function telemetry.pruned_tables() is
  'The detached rows of pruned days (tables telemetry.<table>_pYYYYMMDD_pruned_<n>) and their day (YYYYMMDD).';
