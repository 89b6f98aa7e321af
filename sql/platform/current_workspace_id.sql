-- The admin plane's tenant context: the workspace named by the transaction-local setting
-- tenantpulse.workspace_id, or null when unset. Every policy reads it through this one accessor
-- (as `(select platform.current_workspace_id())`, so it is evaluated once per statement). A
-- context that is no uuid is refused by name (the bare cast would only say "invalid input syntax
-- for type uuid").
create or replace function platform.current_workspace_id() returns uuid
  language plpgsql stable parallel safe
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_context text := nullif(pg_catalog.current_setting('tenantpulse.workspace_id', true), '');
begin
  if v_context is not null and not pg_catalog.pg_input_is_valid(v_context, 'uuid') then
    raise exception using
      errcode = '22P02',
      message = 'the workspace context is not a uuid',
      detail = pg_catalog.format('tenantpulse.workspace_id is %s', pg_catalog.quote_literal(v_context)),
      hint = 'set it per transaction with set_config(''tenantpulse.workspace_id'', <workspace id>, true)';
  end if;
  return v_context::uuid;
end
$$;
comment on function platform.current_workspace_id() is
  'The workspace of the admin-plane context (setting tenantpulse.workspace_id), or null when unset; 22P02 when it is no uuid.';
grant execute on function platform.current_workspace_id() to tp_admin_plane, tp_system_operator, tp_worker;
