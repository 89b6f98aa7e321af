// Invariants of the whole schema, as catalog queries: they hold for every object a later
// migration adds, not only for the ones that exist today.
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/database.ts';

const db = useTestDatabase();
const ourSchemas = ['platform', 'telemetry', 'health', 'system_api'];

async function rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.pool.query(sql, params)).rows as T[];
}

describe('schema invariants', () => {
  it('enables and forces row-level security on every table of our schemas', async () => {
    const tables = await rows<{ table: string; enabled: boolean; forced: boolean }>(
      `select n.nspname || '.' || c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any($1) and c.relkind in ('r', 'p')
        order by 1`,
      [ourSchemas],
    );
    expect(tables.length).toBeGreaterThan(0);
    expect(tables.filter((t) => !t.enabled || !t.forced)).toEqual([]);
  });

  it('pins search_path on every security definer function', async () => {
    const unpinned = await rows<{ fn: string }>(
      `select p.oid::regprocedure::text as fn
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any($1) and p.prosecdef
          and not exists (select from unnest(coalesce(p.proconfig, '{}')) as c where c like 'search_path=%')`,
      [ourSchemas],
    );
    expect(unpinned).toEqual([]);
  });

  it('indexes every foreign key (its columns lead some index)', async () => {
    const unindexed = await rows<{ constraint: string }>(
      `select c.conrelid::regclass::text || ' ' || c.conname as constraint
         from pg_constraint c join pg_namespace n on n.oid = c.connamespace
        where c.contype = 'f' and n.nspname = any($1)
          and not exists (
            select from pg_index i
             where i.indrelid = c.conrelid
               and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
               and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)`,
      [ourSchemas],
    );
    expect(unindexed).toEqual([]);
  });

  it('makes every view of our schemas security_invoker', async () => {
    const definerViews = await rows<{ view: string }>(
      `select c.oid::regclass::text as view
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any($1) and c.relkind = 'v'
          and not coalesce('security_invoker=true' = any(c.reloptions), false)`,
      [ourSchemas],
    );
    expect(definerViews).toEqual([]);
  });

  it('gives no role of ours superuser, bypassrls, createrole or createdb', async () => {
    const roles = await rows<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolcanlogin: boolean }>(
      `select rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin
         from pg_roles where rolname like 'tp\\_%' order by rolname`,
    );
    expect(roles.map((r) => r.rolname)).toEqual([
      'tp_admin_plane', 'tp_authenticator', 'tp_dba_reader', 'tp_owner', 'tp_system_operator', 'tp_worker',
    ]);
    for (const role of roles) {
      expect(role, role.rolname).toMatchObject({ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false });
      expect(role.rolcanlogin, role.rolname).toBe(role.rolname === 'tp_authenticator');
    }
  });

  it('owns every object of our schemas by tp_owner', async () => {
    const foreign = await rows<{ object: string; owner: string }>(
      `select c.oid::regclass::text as object, pg_get_userbyid(c.relowner) as owner
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any($1) and pg_get_userbyid(c.relowner) <> 'tp_owner'
       union all
       select p.oid::regprocedure::text, pg_get_userbyid(p.proowner)
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any($1) and pg_get_userbyid(p.proowner) <> 'tp_owner'
       union all
       select nspname, pg_get_userbyid(nspowner) from pg_namespace
        where nspname = any($1) and pg_get_userbyid(nspowner) <> 'tp_owner'`,
      [ourSchemas],
    );
    expect(foreign).toEqual([]);
  });

  it('grants no function of ours to PUBLIC', async () => {
    const open = await rows<{ fn: string }>(
      `select p.oid::regprocedure::text as fn
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any($1)
          and (p.proacl is null or exists (select from aclexplode(p.proacl) a where a.grantee = 0 and a.privilege_type = 'EXECUTE'))`,
      [ourSchemas],
    );
    expect(open).toEqual([]);
  });

  it('leaves the authenticator unable to read anything by itself', async () => {
    const privileges = await rows<{ privilege: string }>(
      `select n.nspname as privilege from pg_namespace n
        where n.nspname = any($1) and has_schema_privilege('tp_authenticator', n.oid, 'usage')`,
      [ourSchemas],
    );
    expect(privileges).toEqual([]);
    const [membership] = await rows<{ can_set: boolean; inherits: boolean }>(
      `select pg_has_role('tp_authenticator', 'tp_system_operator', 'set') as can_set,
              pg_has_role('tp_authenticator', 'tp_system_operator', 'usage') as inherits`,
    );
    expect(membership).toEqual({ can_set: true, inherits: false });
  });

  it('comments every table and column of our schemas', async () => {
    const bare = await rows<{ column: string }>(
      `select c.oid::regclass::text || coalesce('.' || a.attname, '') as column
         from pg_class c
         join pg_namespace n on n.oid = c.relnamespace
         left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        where n.nspname = any($1) and c.relkind in ('r', 'p', 'v') and not c.relispartition
          and col_description(c.oid, coalesce(a.attnum, 0)) is null
          and (a.attnum is not null or obj_description(c.oid, 'pg_class') is null)`,
      [ourSchemas],
    );
    expect(bare).toEqual([]);
  });
});
