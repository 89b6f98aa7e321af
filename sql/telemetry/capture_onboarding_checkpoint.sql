-- Seam: an onboarding checkpoint completed by a user, for a session bound to a tenant, records
-- onboarding.checkpoint_completed (pre-tenant sessions and system completions record nothing).
create or replace function telemetry.capture_onboarding_checkpoint() returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_tenant_id uuid;
begin
  if new.completed_by is null then
    return null;
  end if;
  select s.tenant_id into v_tenant_id from platform.onboarding_sessions as s
   where s.workspace_id = new.workspace_id and s.id = new.session_id;
  perform telemetry.capture_event('onboarding.checkpoint_completed', new.workspace_id, v_tenant_id, new.completed_by,
    'onboarding_session', new.session_id, pg_catalog.jsonb_build_object('checkpoint', new.checkpoint));
  return null;
end
$$;
comment on function telemetry.capture_onboarding_checkpoint() is
  'Trigger: records onboarding.checkpoint_completed when a user completes a checkpoint of a tenant-bound session.';

create or replace trigger capture_usage_event
  after insert on platform.onboarding_checkpoints
  for each row execute function telemetry.capture_onboarding_checkpoint();
