-- De-duplication keys whose first event is gone for good (older than the last prune's cutoff) no
-- longer de-duplicate anything (the recorder checks that the event still exists); this collects
-- them so the table does not grow forever. The daily prune job runs it after prune_events().
-- A key whose event is still there stays: after retention_days was raised, the recorder accepts
-- events older than an earlier, shorter cutoff, and their retries must still find their key.
create or replace function telemetry.prune_dedup_keys() returns bigint
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_cutoff timestamptz;
  v_removed bigint;
begin
  v_cutoff := telemetry.last_prune_cutoff();
  if v_cutoff is null then
    return 0;
  end if;
  delete from telemetry.event_dedup_keys as k
   where k.occurred_at < v_cutoff
     and not exists (select from telemetry.product_usage_events as e
                      -- (the bound lets the plan read the expired partitions only)
                      where e.occurred_at < v_cutoff and e.occurred_at = k.occurred_at
                        and e.workspace_id = k.workspace_id and e.id = k.event_id);
  get diagnostics v_removed = row_count;
  return v_removed;
end
$$;
comment on function telemetry.prune_dedup_keys() is
  'Removes the de-duplication keys of pruned events (older than the last prune''s cutoff and gone from the ledger); returns how many.';
grant execute on function telemetry.prune_dedup_keys() to tp_worker;
