-- Shared by the capture triggers of the source seams (SPEC §3.4): records a milestone in the
-- source write's transaction, at its now(), unless a rule says to skip it — an archived (or
-- missing) workspace or tenant records nothing and never fails the source write. Any other
-- rejection of the recorder is a defect and fails the write.
create or replace function telemetry.capture_event(
  p_event_name text, p_workspace_id uuid, p_tenant_id uuid, p_actor_id uuid,
  p_subject_type text, p_subject_id uuid, p_metadata jsonb
) returns uuid
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
begin
  if p_actor_id is null or p_tenant_id is null then
    return null; -- system-initiated or tenantless: not a user milestone
  end if;
  perform from platform.tenants as t
    join platform.workspaces as w on w.id = t.workspace_id
   where t.workspace_id = p_workspace_id and t.id = p_tenant_id
     and t.archived_at is null and w.archived_at is null;
  if not found then
    return null; -- archived workspace or tenant: counts nowhere, so nothing to record
  end if;
  return telemetry.record_event(p_event_name, p_workspace_id, p_tenant_id, p_actor_id,
                                p_subject_type, p_subject_id, p_metadata, pg_catalog.now());
end
$$;
comment on function telemetry.capture_event(text, uuid, uuid, uuid, text, uuid, jsonb) is
  'Records a source-seam milestone at now() unless a rule skips it (no actor, no tenant, archived workspace or tenant); returns the event id or null.';
grant execute on function telemetry.capture_event(text, uuid, uuid, uuid, text, uuid, jsonb) to tp_owner;
