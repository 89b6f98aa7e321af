-- Row-level security enabled and forced on a partition of the ledger or its rollups, like its
-- parent's: a partition read or written directly (not through its parent) shows and takes nothing.
create or replace function telemetry.secure_partition(p_name text) returns void
  language plpgsql volatile
  set search_path = pg_catalog, pg_temp
as $$
begin
  execute pg_catalog.format('alter table telemetry.%I enable row level security', p_name);
  execute pg_catalog.format('alter table telemetry.%I force row level security', p_name);
end
$$;
comment on function telemetry.secure_partition(text) is
  'Enables and forces row-level security on telemetry.<p_name>, a partition of the ledger or a rollup (the owner''s functions call it).';
