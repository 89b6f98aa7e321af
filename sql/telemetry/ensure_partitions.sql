-- Daily partitions (UTC days) of the ledger and of its rollups, created ahead of need: by the
-- migration, and by the prune job a week ahead (telemetry.create_partitions_ahead). The recorder
-- never calls it. Each day is two levels: <table>_pYYYYMMDD, a partition of the table that is
-- itself partitioned, holding its rows in <table>_pYYYYMMDD_rows (the whole day) beside an empty
-- default, <table>_pYYYYMMDD_spare. The prune detaches an expired day's rows from the day (locking
-- that day only, never the table that recording writes into; their storage is freed later,
-- paced: telemetry.free_pruned_storage), and the spare then takes any row written to that day
-- until the day is dropped, so the prune creates no table. (Queries plan the spare away while
-- the day's rows partition covers the day.)
-- A row written for a day without partitions lands in the default partitions (telemetry.*_default)
-- and counts like any other; when that day's partitions are created, its rows move out of the
-- defaults into them (moved, not new: the rollups are left as they are). Each partition gets
-- row-level security enabled and forced like its parent (direct access to a partition sees
-- nothing; everything goes through the parent). The daily rollup's day rows leave half of each
-- page free (fillfactor 50), so that its in-place updates stay HOT (see create_day_leaves).
create or replace function telemetry.ensure_partitions(p_from timestamptz, p_to timestamptz) returns int
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_day timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00');
  v_table text;
  v_partition text;
  v_column text;
  v_fillfactor int;
  v_bounds text;
  v_held boolean;
  v_created int := 0;
begin
  if p_from is null or p_to is null or p_to - p_from > interval '3660 days' then
    raise exception using errcode = '22023', message = 'ensure_partitions needs a range of at most 3660 days',
      detail = pg_catalog.format('from %s to %s', p_from, p_to);
  end if;
  while v_day <= p_to loop
    foreach v_table in array array['product_usage_events', 'usage_daily_rollup', 'usage_daily_workspace_rollup', 'usage_hourly_event_rollup'] loop
      v_partition := v_table || '_p' || pg_catalog.to_char(v_day at time zone 'UTC', 'YYYYMMDD');
      if pg_catalog.to_regclass('telemetry.' || v_partition) is null then
        v_column := case v_table when 'product_usage_events' then 'occurred_at' else 'bucket_start' end;
        v_fillfactor := case v_table when 'usage_daily_rollup' then 50 else 100 end;
        v_bounds := pg_catalog.format('%1$I >= %2$L and %1$I < %3$L', v_column, v_day, v_day + interval '24 hours');
        begin
          -- (read through the parent, whose policies apply: the day has no partition, so its rows are the default's)
          execute pg_catalog.format('select exists (select from telemetry.%I where %s)', v_table, v_bounds) into v_held;
          if v_held then
            -- A partition cannot be created over rows the default holds: they move to a day of
            -- their own that then becomes the table's partition. Ledger rows are moved, not
            -- removed, so the delete leaves the rollups as they are.
            execute pg_catalog.format('create table telemetry.%I (like telemetry.%I including all) partition by range (%I)',
              v_partition, v_table, v_column);
            perform telemetry.create_day_leaves(v_partition, v_day, v_fillfactor);
            execute pg_catalog.format('insert into telemetry.%I select * from telemetry.%I where %s', v_partition, v_table, v_bounds);
            perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', 'on', true);
            execute pg_catalog.format('delete from telemetry.%I where %s', v_table, v_bounds);
            perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', '', true);
            execute pg_catalog.format('alter table telemetry.%I attach partition telemetry.%I for values from (%L) to (%L)',
              v_table, v_partition, v_day, v_day + interval '24 hours');
          else
            execute pg_catalog.format('create table telemetry.%I partition of telemetry.%I for values from (%L) to (%L) partition by range (%I)',
              v_partition, v_table, v_day, v_day + interval '24 hours', v_column);
            perform telemetry.create_day_leaves(v_partition, v_day, v_fillfactor);
          end if;
          perform telemetry.secure_partition(v_partition);
          if v_table = 'product_usage_events' then
            v_created := v_created + 1;
          end if;
        exception when duplicate_table or invalid_object_definition then
          null; -- a concurrent caller created it
        end;
      end if;
    end loop;
    v_day := v_day + interval '24 hours';
  end loop;
  return v_created;
end
$$;
comment on function telemetry.ensure_partitions(timestamptz, timestamptz) is
  'Creates the missing daily (UTC) partitions of the ledger and its rollups covering [p_from, p_to], moving those days'' rows out of the default partitions; returns how many ledger partitions it created.';
grant execute on function telemetry.ensure_partitions(timestamptz, timestamptz) to tp_worker;
