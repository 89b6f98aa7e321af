-- onboarding_checkpoints.workspace_id may be omitted by the writer: take it from the session.
-- Runs with the writer's rights, so an admin can only find sessions of its own workspace.
-- Sessions are keyed by (workspace_id, id): should the same id exist in two workspaces the
-- writer sees, the session is ambiguous and the writer must name the workspace. A checkpoint
-- without a session is refused as what it is, a missing session_id (the not-null constraint
-- would otherwise meet the workspace_id this trigger could not fill first).
create or replace function platform.fill_checkpoint_workspace() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_workspaces uuid[];
begin
  if new.session_id is null then
    raise exception using
      errcode = '23502', column = 'session_id', table = 'onboarding_checkpoints', schema = 'platform',
      message = 'null value in column "session_id" of relation "onboarding_checkpoints" violates not-null constraint',
      detail = 'an onboarding checkpoint belongs to an onboarding session: give session_id';
  end if;
  if new.workspace_id is null then
    select pg_catalog.array_agg(s.workspace_id) into v_workspaces
      from platform.onboarding_sessions as s
     where s.id = new.session_id;
    if pg_catalog.cardinality(v_workspaces) > 1 then
      raise exception using
        errcode = '23503',
        message = 'onboarding checkpoint refers to an ambiguous onboarding session',
        detail = format('session_id %s exists in %s workspaces; give workspace_id', new.session_id, pg_catalog.cardinality(v_workspaces));
    end if;
    new.workspace_id := v_workspaces[1];
    if new.workspace_id is null then
      raise exception using
        errcode = '23503',
        message = 'onboarding checkpoint refers to an unknown onboarding session',
        detail = format('session_id %s does not exist (or is not visible to the writer)', new.session_id);
    end if;
  end if;
  return new;
end
$$;
comment on function platform.fill_checkpoint_workspace() is
  'Trigger: fills onboarding_checkpoints.workspace_id from its session when the writer omits it.';

create or replace trigger fill_workspace
  before insert on platform.onboarding_checkpoints
  for each row execute function platform.fill_checkpoint_workspace();
