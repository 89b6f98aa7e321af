-- The two leaves of one day's partition <day> (see ensure_partitions): <day>_rows, the whole UTC
-- day starting at p_day, and <day>_spare, its empty default, which takes the day's rows once the
-- prune has detached <day>_rows. Both get row-level security like every partition.
create or replace function telemetry.create_day_leaves(p_day_partition text, p_day timestamptz) returns void
  language plpgsql volatile
  set search_path = pg_catalog, pg_temp
as $$
begin
  execute pg_catalog.format('create table telemetry.%I partition of telemetry.%I for values from (%L) to (%L)',
    p_day_partition || '_rows', p_day_partition, p_day, p_day + interval '24 hours');
  execute pg_catalog.format('create table telemetry.%I partition of telemetry.%I default', p_day_partition || '_spare', p_day_partition);
  perform telemetry.secure_partition(p_day_partition || '_rows');
  perform telemetry.secure_partition(p_day_partition || '_spare');
end
$$;
comment on function telemetry.create_day_leaves(text, timestamptz) is
  'Creates the leaves of one day''s partition of the ledger or a rollup: <day>_rows for the day starting at p_day and <day>_spare, its empty default (the owner''s functions call it).';
