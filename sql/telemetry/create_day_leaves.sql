-- The two leaves of one day's partition <day> (see ensure_partitions): <day>_rows, the whole UTC
-- day starting at p_day, and <day>_spare, its empty default, which takes the day's rows once the
-- prune has detached <day>_rows. Both get row-level security like every partition.
-- p_fillfactor leaves room in <day>_rows's pages: the daily rollup's rows are updated in place
-- (every recording adds one, the prune takes the straddling day's expired rows off), and an
-- update whose new version fits on its page is a HOT update, writing no index entry. On full
-- pages the prune's ~10 k decrements took 76 ms; with half of each page free, 24 ms.
drop function if exists telemetry.create_day_leaves(text, timestamptz);
create or replace function telemetry.create_day_leaves(p_day_partition text, p_day timestamptz, p_fillfactor int default 100) returns void
  language plpgsql volatile
  set search_path = pg_catalog, pg_temp
as $$
begin
  execute pg_catalog.format('create table telemetry.%I partition of telemetry.%I for values from (%L) to (%L) with (fillfactor = %s)',
    p_day_partition || '_rows', p_day_partition, p_day, p_day + interval '24 hours', p_fillfactor);
  execute pg_catalog.format('create table telemetry.%I partition of telemetry.%I default', p_day_partition || '_spare', p_day_partition);
  perform telemetry.secure_partition(p_day_partition || '_rows');
  perform telemetry.secure_partition(p_day_partition || '_spare');
end
$$;
comment on function telemetry.create_day_leaves(text, timestamptz, int) is
  'Creates the leaves of one day''s partition of the ledger or a rollup: <day>_rows for the day starting at p_day (with the given fillfactor) and <day>_spare, its empty default (the owner''s functions call it).';
