-- Every de-duplicated milestone in the ledger has its key, whoever wrote the row (SPEC §3.1: a row
-- the owner writes directly counts like any other, so it de-duplicates like any other). The
-- recorder writes its key itself, before its row, because that insert is where concurrent retries
-- serialise; it marks its own row (tenantpulse.keyed_event_id) so this trigger's WHEN clause skips
-- it without entering PL/pgSQL. Every other row — the owner's inserts, and updates that change a
-- row's milestone or time — is keyed here:
--   * a new milestone gets a key pointing at the row;
--   * a milestone whose key points at an event that is gone (pruned, deleted) is taken over, and
--     so is the key of a row moved to another time (a retry must still find it, SPEC §3.3);
--   * a second row of a milestone whose first event is still there leaves the key alone;
--   * a row whose milestone changed gives up the old milestone's key.
-- Deletes need nothing: a key whose event is gone no longer de-duplicates, and
-- telemetry.prune_dedup_keys() collects it.
create or replace function telemetry.keep_dedup_key() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_new telemetry.milestone;
  v_old telemetry.milestone;
  v_keyed boolean;
begin
  select new.workspace_id, new.event_name, new.subject_id, coalesce(new.metadata ->> c.dedup_metadata_key, '')
    into v_new
    from telemetry.event_catalog as c
   where c.event_name = new.event_name and c.deduplicated;
  v_keyed := found;
  if tg_op = 'UPDATE' then
    select old.workspace_id, old.event_name, old.subject_id, coalesce(old.metadata ->> c.dedup_metadata_key, '')
      into v_old
      from telemetry.event_catalog as c
     where c.event_name = old.event_name and c.deduplicated;
    if found and (not v_keyed or v_old is distinct from v_new) then
      delete from telemetry.event_dedup_keys as k
       where (k.workspace_id, k.event_name, k.subject_id, k.dedup_value)::telemetry.milestone = v_old
         and k.event_id = old.id;
    end if;
  end if;
  if not v_keyed then
    return null;
  end if;

  insert into telemetry.event_dedup_keys (workspace_id, event_name, subject_id, dedup_value, event_id, occurred_at)
  values (v_new.workspace_id, v_new.event_name, v_new.subject_id, v_new.dedup_value, new.id, new.occurred_at)
  on conflict do nothing;
  if not found then
    -- The key's event is not where the key says (gone, or this very row at its old time): take it.
    update telemetry.event_dedup_keys as k
       set event_id = new.id, occurred_at = new.occurred_at
     where (k.workspace_id, k.event_name, k.subject_id, k.dedup_value)::telemetry.milestone = v_new
       and not exists (select from telemetry.product_usage_events as e
                        where e.workspace_id = k.workspace_id and e.id = k.event_id and e.occurred_at = k.occurred_at);
  end if;
  return null;
end
$$;
comment on function telemetry.keep_dedup_key() is
  'Trigger: gives every de-duplicated milestone written other than by the recorder (the owner''s inserts, updates of a milestone or time) its de-duplication key.';

create or replace trigger keep_dedup_key
  after insert on telemetry.product_usage_events
  for each row
  when (new.id::text is distinct from pg_catalog.current_setting('tenantpulse.keyed_event_id', true))
  execute function telemetry.keep_dedup_key();

create or replace trigger keep_dedup_key_on_update
  after update on telemetry.product_usage_events
  for each row
  when ((old.workspace_id, old.event_name, old.subject_id, old.metadata, old.occurred_at, old.id)
        is distinct from (new.workspace_id, new.event_name, new.subject_id, new.metadata, new.occurred_at, new.id))
  execute function telemetry.keep_dedup_key();
