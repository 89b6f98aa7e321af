--! Previous: sha1:9f772dbf99133b61320584d335b0ec951b411005
--! Hash: sha1:141444c1acdc3749008af834cfcb413537baa214
--! Message: Roles that existed before the install lose the attributes SPEC §1 does not give them (superuser, bypassrls, createrole, createdb, replication) and tp_authenticator becomes a NOINHERIT login with SET-only memberships, or the migration is refused naming what a superuser runs

-- source: migrations/draft/secure_existing_roles.sql
-- Roles that existed before this database was migrated (a DBA's plain CREATE ROLE, or an older
-- install) keep the attributes they were made with: migration 000001 creates a role only when it
-- is missing. CREATE ROLE's default INHERIT lets tp_authenticator read as tp_system_operator
-- without switching, and a SUPERUSER or BYPASSRLS role sees past every policy. Take from the six
-- roles every attribute SPEC §1 does not give them (SUPERUSER, BYPASSRLS, CREATEROLE, CREATEDB,
-- REPLICATION), make tp_authenticator a NOINHERIT login whose memberships are SET-only, and change
-- nothing else (a plane role someone made a login stays one). Only what differs is changed, so
-- compliant roles need no privilege; what the migrating user may not change is refused as a
-- whole, naming what a superuser runs. Several databases of one cluster may migrate at once:
-- an ALTER that loses to another database's ("tuple concurrently updated") is looked at again.
do $secure_roles$
declare
  v_change record;
  v_attempt int;
  v_retry boolean;
  v_refused text[];
  v_problems text[];
begin
  for v_attempt in 1..5 loop
    v_retry := false;
    v_refused := '{}';
    v_problems := '{}';
    for v_change in
      select pg_catalog.format('alter role %I %s', r.rolname, r.changes) as statement,
             pg_catalog.format('role %s must be %s', r.rolname, r.changes) as problem,
             r.position as reported
        from (select r.rolname,
                     pg_catalog.concat_ws(' ',
                       case when r.rolsuper then 'nosuperuser' end,
                       case when r.rolbypassrls then 'nobypassrls' end,
                       case when r.rolcreaterole then 'nocreaterole' end,
                       case when r.rolcreatedb then 'nocreatedb' end,
                       case when r.rolreplication then 'noreplication' end,
                       case when r.rolname = 'tp_authenticator' and not r.rolcanlogin then 'login' end,
                       case when r.rolname = 'tp_authenticator' and r.rolinherit then 'noinherit' end) as changes,
                     wanted.position
                from unnest(array['tp_owner', 'tp_admin_plane', 'tp_system_operator', 'tp_dba_reader', 'tp_worker', 'tp_authenticator'])
                       with ordinality as wanted (rolname, position)
                join pg_catalog.pg_roles as r using (rolname)) as r
       where r.changes <> ''
      union all
      select pg_catalog.format('grant %I to tp_authenticator with inherit false granted by %I', granted.rolname, grantor.rolname),
             pg_catalog.format('tp_authenticator must not inherit %s', granted.rolname),
             7
        from pg_catalog.pg_auth_members as m
        join pg_catalog.pg_roles as granted on granted.oid = m.roleid
        join pg_catalog.pg_roles as grantor on grantor.oid = m.grantor
       where m.member = (select r.oid from pg_catalog.pg_roles as r where r.rolname = 'tp_authenticator')
         and m.inherit_option
       order by 3, 1
    loop
      begin
        execute v_change.statement;
      exception
        when insufficient_privilege then
          v_refused := v_refused || v_change.statement;
          v_problems := v_problems || v_change.problem;
        when internal_error then
          v_retry := true; -- another database's migration changed the role first: look again
      end;
    end loop;
    exit when not v_retry;
    perform pg_catalog.pg_sleep(0.05 * v_attempt);
  end loop;

  if pg_catalog.cardinality(v_refused) > 0 then
    raise exception using errcode = '42501',
      message = pg_catalog.format('%s, and %s may not change it', pg_catalog.array_to_string(v_problems, '; '), current_user),
      hint = pg_catalog.format('a superuser runs: %s; then migrate again', pg_catalog.array_to_string(v_refused, '; '));
  end if;
end
$secure_roles$;
