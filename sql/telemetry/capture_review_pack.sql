-- Seam: a review pack requested by a user for a tenant records review_packs.generation_requested
-- (workspace-wide or scheduled packs record nothing).
create or replace function telemetry.capture_review_pack() returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
begin
  perform telemetry.capture_event('review_packs.generation_requested', new.workspace_id, new.tenant_id, new.requested_by,
    'review_pack', new.id, '{}'::jsonb);
  return null;
end
$$;
comment on function telemetry.capture_review_pack() is
  'Trigger: records review_packs.generation_requested when a user requests a review pack for a tenant.';

create or replace trigger capture_usage_event
  after insert on platform.review_packs
  for each row execute function telemetry.capture_review_pack();
