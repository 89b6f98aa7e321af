--! Previous: sha1:9f772dbf99133b61320584d335b0ec951b411005
--! Hash: sha1:fd6ec6e69bd9ed38d9bcb015bc2d82c63d84b183
--! Message: Roles that existed before the install are brought to SPEC §1 (no attribute, only tp_authenticator logs in, its memberships SET-only), or the migration is refused naming what a superuser runs

-- source: migrations/draft/secure_existing_roles.sql
-- Roles that existed before this database was migrated (a DBA's plain CREATE ROLE, or an older
-- install) keep the attributes they were made with: migration 000001 creates a role only when it
-- is missing. CREATE ROLE's defaults (INHERIT) let tp_authenticator read as tp_system_operator
-- without switching, and a BYPASSRLS or SUPERUSER role would see past every policy. Bring them to
-- SPEC §1 (only login: tp_authenticator; no role attribute; memberships of tp_authenticator
-- SET-only), changing only what differs; what the migrating user may not change is refused as a
-- whole, naming what a superuser runs.
do $secure_roles$
declare
  v_role record;
  v_statement text;
  v_refused text[] := '{}';
  v_problems text[] := '{}';
begin
  for v_role in
    select r.rolname,
           pg_catalog.concat_ws(' ',
             case when r.rolsuper then 'nosuperuser' end,
             case when r.rolbypassrls then 'nobypassrls' end,
             case when r.rolcreaterole then 'nocreaterole' end,
             case when r.rolcreatedb then 'nocreatedb' end,
             case when r.rolreplication then 'noreplication' end,
             case when r.rolcanlogin and r.rolname <> 'tp_authenticator' then 'nologin' end,
             case when not r.rolcanlogin and r.rolname = 'tp_authenticator' then 'login' end,
             case when r.rolinherit then 'noinherit' end) as changes
      from unnest(array['tp_owner', 'tp_admin_plane', 'tp_system_operator', 'tp_dba_reader', 'tp_worker', 'tp_authenticator'])
             with ordinality as wanted (rolname, position)
      join pg_catalog.pg_roles as r using (rolname)
     order by wanted.position
  loop
    continue when v_role.changes = '';
    v_statement := pg_catalog.format('alter role %I %s', v_role.rolname, v_role.changes);
    begin
      execute v_statement;
      raise notice 'role % altered to SPEC §1: %', v_role.rolname, v_role.changes;
    exception when insufficient_privilege then
      v_refused := v_refused || v_statement;
      v_problems := v_problems || pg_catalog.format('role %s must be %s', v_role.rolname, v_role.changes);
    end;
  end loop;

  for v_role in
    select granted.rolname as granted, grantor.rolname as grantor
      from pg_catalog.pg_auth_members as m
      join pg_catalog.pg_roles as granted on granted.oid = m.roleid
      join pg_catalog.pg_roles as grantor on grantor.oid = m.grantor
     where m.member = (select r.oid from pg_catalog.pg_roles as r where r.rolname = 'tp_authenticator')
       and m.inherit_option
     order by 1, 2
  loop
    v_statement := pg_catalog.format('grant %I to tp_authenticator with inherit false granted by %I', v_role.granted, v_role.grantor);
    begin
      execute v_statement;
      raise notice 'tp_authenticator no longer inherits %', v_role.granted;
    exception when insufficient_privilege then
      v_refused := v_refused || v_statement;
      v_problems := v_problems || pg_catalog.format('tp_authenticator must not inherit %s', v_role.granted);
    end;
  end loop;

  if pg_catalog.cardinality(v_refused) > 0 then
    raise exception using errcode = '42501',
      message = pg_catalog.format('%s, and %s may not change it', pg_catalog.array_to_string(v_problems, '; '), current_user),
      hint = pg_catalog.format('a superuser runs: %s; then migrate again', pg_catalog.array_to_string(v_refused, '; '));
  end if;
end
$secure_roles$;
