// The GraphQL schema is a public contract: its SDL is committed (schema.graphql) and this test fails
// when it is stale. Refresh with `UPDATE_SNAPSHOTS=1 npx vitest run test/api/schema.test.ts`.
// The schema is built as production builds it: introspected by tp_authenticator.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { GraphQLEnumType, GraphQLObjectType, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'postgraphile/graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/db/migrations.ts';
import { prepareAuthenticatorLogin } from '../../src/server/authenticator.ts';
import { makeApiPreset } from '../../src/server/preset.ts';
import { ignoreTeardownErrors, useTestDatabase } from '../helpers/database.ts';
import { testAuthenticatorPassword } from './server.ts';

const db = useTestDatabase();
const sdlFile = path.join(repoRoot, 'schema.graphql');
let pool: pg.Pool;
let schema: GraphQLSchema;
let release: () => Promise<void>;

beforeAll(async () => {
  const url = await prepareAuthenticatorLogin(db.url, { password: testAuthenticatorPassword() });
  pool = new pg.Pool({ connectionString: url, max: 2 });
  ignoreTeardownErrors(pool); // (its clients may still be closing when the database is dropped)
  const preset = makeApiPreset({ pool });
  const pgl = postgraphile(preset);
  schema = await pgl.getSchema();
  release = async () => {
    await pgl.release();
    for (const service of preset.pgServices ?? []) await service.release?.();
  };
});
afterAll(async () => {
  await release?.();
  await pool?.end();
});

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const pascal = (name: string) => camel(name).replace(/^./, (c) => c.toUpperCase());

describe('the GraphQL schema', () => {
  it('matches the committed schema.graphql', () => {
    const sdl = `${printSchema(lexicographicSortSchema(schema))}\n`;
    if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(sdlFile)) writeFileSync(sdlFile, sdl);
    expect(sdl, 'schema.graphql is stale: run UPDATE_SNAPSHOTS=1 npx vitest run test/api/schema.test.ts').toBe(
      readFileSync(sdlFile, 'utf8'),
    );
  });

  it('has no mutation or subscription type and no Relay Node interface', () => {
    expect(schema.getMutationType()).toBeUndefined();
    expect(schema.getSubscriptionType()).toBeUndefined();
    expect(schema.getType('Node')).toBeUndefined();
    expect(printSchema(schema)).not.toMatch(/\bnodeId\b/);
  });

  it('exposes no table or view of platform, telemetry or health as a type', async () => {
    const { rows } = await db.pool.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('platform', 'telemetry', 'health') and c.relkind in ('r', 'p', 'v', 'm', 'f')`,
    );
    expect(rows.length).toBeGreaterThan(0);
    const types = new Set(Object.keys(schema.getTypeMap()));
    for (const { name } of rows) {
      for (const candidate of [pascal(name), pascal(name.replace(/s$/, '')), pascal(name.replace(/ies$/, 'y'))]) {
        expect(types.has(candidate), `type ${candidate} (from table ${name})`).toBe(false);
      }
    }
    // And every object type is a function result — a composite type of system_api, or the record
    // of a `returns table` function (`<Function>Record`) — or Query itself.
    const { rows: results } = await db.pool.query<{ name: string }>(
      `select t.typname as name from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where n.nspname = 'system_api' and t.typtype = 'c'
          and not exists (select from pg_class c where c.oid = t.typrelid and c.relkind <> 'c')
       union all
       select p.proname || '_record' from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'system_api' and p.prorettype = 'record'::regtype`,
    );
    const allowed = new Set(['Query', ...results.map(({ name }) => pascal(name))]);
    for (const type of Object.values(schema.getTypeMap())) {
      if (type instanceof GraphQLObjectType && !type.name.startsWith('__')) expect(allowed, type.name).toContain(type.name);
    }
  });

  it('exposes every system_api function as a query field, guarded by an execute grant to tp_system_operator only', async () => {
    const { rows } = await db.pool.query<{ name: string; operator: boolean; public: boolean; authenticator: boolean }>(
      `select p.proname as name,
              has_function_privilege('tp_system_operator', p.oid, 'execute') as operator,
              coalesce(bool_or(a.grantee = 0 and a.privilege_type = 'EXECUTE'), false) as public,
              has_function_privilege('tp_authenticator', p.oid, 'execute') as authenticator
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         left join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a on true
        where n.nspname = 'system_api'
        group by p.oid, p.proname`,
    );
    const fields = schema.getQueryType()?.getFields() ?? {};
    for (const row of rows) {
      expect(row, `${row.name}: grant execute to tp_system_operator`).toMatchObject({ operator: true, public: false, authenticator: false });
      expect(Object.keys(fields), `${row.name} as a query field`).toContain(camel(row.name));
    }
  });

  it('documents every query field and every enum from `comment on`', () => {
    for (const field of Object.values(schema.getQueryType()?.getFields() ?? {})) {
      expect(field.description, `Query.${field.name}`).toBeTruthy();
    }
    for (const type of Object.values(schema.getTypeMap())) {
      if (type instanceof GraphQLEnumType && !type.name.startsWith('__')) expect(type.description, type.name).toBeTruthy();
    }
  });
});
