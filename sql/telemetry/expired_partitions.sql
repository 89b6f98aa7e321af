-- The daily partitions (ledger and its three rollups) of the UTC days wholly before p_cutoff,
-- named <table>_pYYYYMMDD: what prune_events() empties and drop_expired_partitions() drops.
create or replace function telemetry.expired_partitions(p_cutoff timestamptz)
  returns table (partition_name text, parent_name text, day timestamptz)
  language sql stable
  set search_path = pg_catalog, pg_temp
as $$
  select c.relname::text, p.relname::text, d.day
    from pg_catalog.pg_inherits as i
    join pg_catalog.pg_class as c on c.oid = i.inhrelid
    join pg_catalog.pg_class as p on p.oid = i.inhparent
    cross join lateral (select pg_catalog.right(c.relname, 8)::date::timestamp at time zone 'UTC' as day) as d
   where i.inhparent in ('telemetry.product_usage_events'::pg_catalog.regclass, 'telemetry.usage_daily_rollup'::pg_catalog.regclass,
                         'telemetry.usage_daily_workspace_rollup'::pg_catalog.regclass, 'telemetry.usage_hourly_event_rollup'::pg_catalog.regclass)
     and c.relname ~ '_p[0-9]{8}$'
     and d.day + interval '24 hours' <= p_cutoff
   order by c.relname
$$;
comment on function telemetry.expired_partitions(timestamptz) is
  'Daily partitions of the ledger and its rollups whose UTC day ends at or before p_cutoff.';
