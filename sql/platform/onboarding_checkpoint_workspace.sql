-- onboarding_checkpoints.workspace_id may be omitted by the writer: take it from the session.
-- Runs with the writer's rights, so an admin can only find sessions of its own workspace.
create or replace function platform.fill_checkpoint_workspace() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  if new.workspace_id is null then
    select s.workspace_id into new.workspace_id
      from platform.onboarding_sessions as s
     where s.id = new.session_id;
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
