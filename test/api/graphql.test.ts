// The GraphQL API over real HTTP against a real Postgres: authentication before any SQL, the
// operator's identity in SQL, errors, limits. Throw-away probe functions (probes.ts) live in this
// file's database only.
import { createServer, request } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { CompactSign, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { getIntrospectionQuery } from 'postgraphile/graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool.ts';
import { createHttpServer, healthzTimeoutMs, listen } from '../../src/server/http.ts';
import { as, useTestDatabase } from '../helpers/database.ts';
import { installProbes } from './probes.ts';
import { startTestApi, testJwtSecret, type TestApi } from './server.ts';

const db = useTestDatabase();
let api: TestApi;

beforeAll(async () => {
  await installProbes(db.pool);
  api = await startTestApi(db.url, {
    statementTimeoutMs: 1000,
    console: (req, res) => {
      if (req.url !== '/system') return false;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('console');
      return true;
    },
  });
});
afterAll(async () => {
  await api?.close();
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const key = (secret: string) => new TextEncoder().encode(secret);

async function sign(claims: Record<string, unknown>, { alg = 'HS256', secret = testJwtSecret } = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(key(secret));
}

describe('authentication, before the query is parsed and before any SQL', () => {
  // An invalid document: had it been parsed, the answer would be a 400 syntax error instead.
  const unparsable = '{ __schema { types { name } ';

  const refused: Array<[string, () => Promise<string | null>]> = [
    ['no Authorization header', async () => null],
    ['a token that is not a JWT', async () => 'not-a-jwt'],
    ['a JWT with a garbage payload', async () => 'eyJhbGciOiJIUzI1NiJ9.@@@.abc'],
    ['an expired token', () => sign({ role: 'system_operator', sub: 'op', exp: now() - 60 })],
    ['a token expired a second ago', () => sign({ role: 'system_operator', sub: 'op', exp: now() - 1 })],
    ['a token signed with another secret (forged)', () =>
      sign({ role: 'system_operator', sub: 'op', exp: now() + 300 }, { secret: 'another-secret-of-at-least-32-characters' })],
    ['an unsigned token (alg: none)', async () =>
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ role: 'system_operator', sub: 'op', exp: now() + 300 })}.`],
    ['an HS512 token with the right secret', () =>
      sign({ role: 'system_operator', sub: 'op', exp: now() + 300 }, { alg: 'HS512' })],
    ['an RS256 token', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      return new SignJWT({ role: 'system_operator', sub: 'op', exp: now() + 300 }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    }],
    ['a token without a subject', () => sign({ role: 'system_operator', exp: now() + 300 })],
    ['a token with an empty subject', () => sign({ role: 'system_operator', sub: ' ', exp: now() + 300 })],
    ['a token whose subject holds a NUL character', () => sign({ role: 'system_operator', sub: 'op\u0000x', exp: now() + 300 })],
    ['a token whose subject is a lone surrogate (no text)', () => sign({ role: 'system_operator', sub: '\ud800', exp: now() + 300 })],
    ['a token whose subject is only a zero-width space', () => sign({ role: 'system_operator', sub: '\u200b', exp: now() + 300 })],
    ['a token without an expiry', () => sign({ role: 'system_operator', sub: 'op' })],
    ['a token that never expires (exp 1e999, Infinity once parsed)', () =>
      new CompactSign(new TextEncoder().encode('{"role":"system_operator","sub":"op","exp":1e999}'))
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key(testJwtSecret))],
    ['a token without a role', () => sign({ sub: 'op', exp: now() + 300 })],
  ];

  for (const [what, makeToken] of refused) {
    it(`answers 401 with a JSON error and runs no SQL for ${what}`, async () => {
      const before = api.checkouts();
      const { status, body, headers } = await api.graphql(unparsable, { token: await makeToken() });
      expect(status).toBe(401);
      expect(headers.get('content-type')).toMatch(/^application\/json/);
      expect(headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(body).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] });
      expect(body).not.toHaveProperty('data');
      expect(api.checkouts()).toBe(before);
    });
  }

  it('answers 401 for a non-Bearer scheme', async () => {
    const response = await fetch(`${api.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      body: JSON.stringify({ query: '{ apiProbeWhoami { roleName } }' }),
    });
    expect(response.status).toBe(401);
  });

  it('answers 401 to two Authorization headers, even when the first holds a valid token', async () => {
    const valid = `Bearer ${await api.token()}`;
    const forged = `Bearer ${await sign({ role: 'system_operator', sub: 'op', exp: now() + 300 }, { secret: 'another-secret-of-at-least-32-characters' })}`;
    const before = api.checkouts();
    for (const authorization of [[valid, forged], [valid, valid]]) {
      const status = await new Promise<number>((resolve, reject) => {
        // raw header pairs, so the header is sent twice (fetch would join the values into one); raw
        // pairs get no automatic Host header
        const headers = ['host', new URL(api.baseUrl).host, 'content-type', 'application/json', ...authorization.flatMap((value) => ['authorization', value])];
        const req = request(`${api.baseUrl}/graphql`, { method: 'POST', headers },
          (res) => { res.resume(); resolve(res.statusCode ?? 0); });
        req.on('error', reject);
        req.end(JSON.stringify({ query: '{ apiProbeWhoami { roleName } }' }));
      });
      expect(status).toBe(401);
    }
    expect(api.checkouts()).toBe(before);
  });

  it('answers 403 for a valid token of another role, running no SQL', async () => {
    const before = api.checkouts();
    const { status, body } = await api.graphql(unparsable, { token: await api.token('op', { role: 'tenant_admin' }) });
    expect(status).toBe(403);
    expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(api.checkouts()).toBe(before);
  });

  it('runs a valid token as tp_system_operator, with the subject and the statement timeout as settings', async () => {
    const before = api.checkouts();
    const { status, body } = await api.graphql('{ apiProbeWhoami { roleName operatorId statementTimeout } }', {
      token: await api.token('operator-42'),
    });
    expect(status).toBe(200);
    expect(body).toEqual({ data: { apiProbeWhoami: { roleName: 'tp_system_operator', operatorId: 'operator-42', statementTimeout: '1s' } } });
    expect(api.checkouts()).toBeGreaterThan(before); // the counter does see real requests
  });

  it('logs in as tp_authenticator, which is no superuser and reads nothing by itself', async () => {
    const { rows } = await api.pool.query<{ current_user: string; rolsuper: boolean; rolinherit: boolean }>(
      'select current_user, rolsuper, rolinherit from pg_roles where rolname = current_user',
    );
    expect(rows).toEqual([{ current_user: 'tp_authenticator', rolsuper: false, rolinherit: false }]);
    const error = await api.pool.query('select * from system_api.api_probe_rows(1)').catch((e: pg.DatabaseError) => e);
    expect((error as pg.DatabaseError).code).toBe('42501');
  });
});

describe('data', () => {
  it('returns a set-returning function as a plain list equal to the SQL result', async () => {
    const direct = await as(db.pool, { role: 'tp_system_operator' }, (client) =>
      client.query('select n, label, rate from system_api.api_probe_rows(4)'));
    const { status, body } = await api.graphql('{ apiProbeRows(maxRows: 4) { n label rate } }');
    expect(status).toBe(200);
    expect(body.data.apiProbeRows).toEqual(direct.rows);
  });

  it('returns a one-row function as an object, and null where there is no row', async () => {
    const { body } = await api.graphql('{ some: apiProbeOne(label: "x") { n label rate } none: apiProbeOne(label: "none") { n } }');
    expect(body).toEqual({ data: { some: { n: 42, label: 'x', rate: 0.5 }, none: null } });
  });

  it('accepts variables', async () => {
    const { body } = await api.graphql('query ($n: Int) { apiProbeRows(maxRows: $n) { n } }', { variables: { n: 2 } });
    expect(body.data.apiProbeRows).toEqual([{ n: 1 }, { n: 2 }]);
  });
});

describe('errors', () => {
  it('keeps our documented errors: SQLSTATE, message and detail', async () => {
    const { status, body } = await api.graphql('{ apiProbeRefuse }');
    expect(status).toBe(200);
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: 'metadata is not safe',
        path: ['apiProbeRefuse'],
        extensions: { code: 'TP004', detail: 'key "x" is not allowed' },
      }),
    ]);
  });

  it('refuses a mutation or a subscription as a client error (the API is read-only), not as an internal one', async () => {
    for (const operation of ['mutation { x }', 'subscription { x }']) {
      const { status, body } = await api.graphql(operation);
      expect(status, operation).toBe(400);
      expect(body.errors[0].extensions?.code, operation).not.toBe('INTERNAL_ERROR');
      expect(body.errors[0].message, operation).toMatch(/mutation|subscription/i);
    }
  });

  it('masks internal errors: no SQL, schema, table or privilege wording reaches the client', async () => {
    const { body } = await api.graphql('{ apiProbeLeak }');
    expect(body.data).toEqual({ apiProbeLeak: null });
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions.code).toBe('INTERNAL_ERROR');
    expect(body.errors[0].message).toMatch(/^internal error \(reference [0-9a-f-]{36}\)$/);
    const text = JSON.stringify(body);
    for (const leak of ['api_probe_private', 'secret_ledger', 'permission', 'select', '42501']) expect(text).not.toContain(leak);
  });

  it('cancels a request that exceeds the statement timeout, saying so', async () => {
    const { body } = await api.graphql('{ apiProbeSleep(seconds: 5) }');
    expect(body.errors[0].extensions).toEqual({ code: '57014' });
    expect(body.errors[0].message).toMatch(/statement timeout/);
  });

  it('does not expose a system_api function without an execute grant to tp_system_operator', async () => {
    const { status, body } = await api.graphql('{ apiProbeUngranted }');
    expect(status).toBe(400);
    expect(body.errors[0].message).toMatch(/Cannot query field "apiProbeUngranted"/);
  });
});

describe('limits', () => {
  it('refuses a body over 1 MiB with 413, declared by Content-Length', async () => {
    const padding = 'x'.repeat(1024 * 1024);
    const { status, body } = await api.graphql(`{ apiProbeOne(label: "${padding}") { n } }`);
    expect(status).toBe(413);
    expect(body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a chunked body over 1 MiB with 413', async () => {
    const token = await api.token();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${api.baseUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'transfer-encoding': 'chunked' },
      }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      req.write('{"query":"{ apiProbeOne(label: \\"');
      for (let i = 0; i < 17; i += 1) req.write('y'.repeat(64 * 1024));
      req.end('\\") { n } }"}');
    });
    expect(status).toBe(413);
  });

  it('routes an absolute-form request target (as some proxies send) by its path', async () => {
    const token = await api.token();
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const { hostname, port } = new URL(api.baseUrl);
      const req = request({ hostname, port, method: 'POST', path: `${api.baseUrl}/graphql`, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ apiProbeOne(label: "x") { n } }' }));
    });
    expect(status).toBe(200);
    expect(JSON.parse(text).data.apiProbeOne).toBeTruthy();
  });

  it('accepts a body just under the limit', async () => {
    const padding = ' '.repeat(1024 * 1024 - 200);
    const { status } = await api.graphql(`{ apiProbeOne(label: "x") { n } ${padding}}`);
    expect(status).toBe(200);
  });

  it('refuses more than 20 top-level fields (aliases included) before any SQL', async () => {
    const aliases = Array.from({ length: 21 }, (_, i) => `a${i}: apiProbeOne(label: "x") { n }`).join(' ');
    await api.graphql('{ apiProbeOne(label: "warm") { n } }');
    const before = api.checkouts();
    const { status, body } = await api.graphql(`{ ${aliases} }`);
    expect(status).toBe(400);
    expect(body.errors[0].extensions.code).toBe('REQUEST_TOO_COMPLEX');
    expect(api.checkouts()).toBe(before);
    const twenty = Array.from({ length: 20 }, (_, i) => `a${i}: apiProbeOne(label: "x") { n }`).join(' ');
    expect((await api.graphql(`{ ${twenty} }`)).status).toBe(200);
  });

  it('counts aliases hidden in fragments', async () => {
    const fields = Array.from({ length: 11 }, (_, i) => `f${i}: apiProbeOne(label: "x") { n }`).join(' ');
    const query = `query { ...A ...B } fragment A on Query { ${fields} } fragment B on Query { ${fields.replaceAll('f', 'g')} }`;
    const { status, body } = await api.graphql(query);
    expect(status).toBe(400);
    expect(body.errors.map((e: { extensions: { code?: string } }) => e.extensions.code)).toContain('REQUEST_TOO_COMPLEX');
  });

  it('refuses a query nested deeper than 8 levels', async () => {
    const deep = '{ a { b { c { d { e { f { g { h { i } } } } } } } } }';
    const { status, body } = await api.graphql(deep);
    expect(status).toBe(400);
    expect(body.errors.map((e: { extensions: { code?: string } }) => e.extensions.code)).toContain('REQUEST_TOO_COMPLEX');
  });

  it('counts introspection too: aliased copies of __schema and fields inside it, though the full introspection query is answered', async () => {
    const copies = Array.from({ length: 21 }, (_, i) => `s${i}: __schema { types { name } }`).join(' ');
    const many = Array.from({ length: 501 }, (_, i) => `n${i}: name`).join(' ');
    for (const query of [`{ ${copies} }`, `{ __schema { types { ${many} } } }`]) {
      const { status, body } = await api.graphql(query);
      expect(status).toBe(400);
      expect(body.errors[0].extensions.code).toBe('REQUEST_TOO_COMPLEX');
    }
    // What GraphiQL asks (deeper than 8 levels: its type references nest ofType).
    const full = await api.graphql(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, inputValueDeprecation: true }));
    expect(full.status).toBe(200);
    expect(full.body.data.__schema.queryType.name).toBe('Query');
  });

  it('refuses more than 500 selected fields', async () => {
    const many = Array.from({ length: 501 }, (_, i) => `l${i}: label`).join(' ');
    const { status, body } = await api.graphql(`{ apiProbeOne(label: "x") { ${many} } }`);
    expect(status).toBe(400);
    expect(body.errors[0].message).toMatch(/more than 500 fields/);
  });
});

describe('HTTP surface', () => {
  it('answers GET /graphql with 405 (no queries over GET)', async () => {
    const response = await fetch(`${api.baseUrl}/graphql?query=${encodeURIComponent('{ apiProbeWhoami { roleName } }')}`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('serves GraphiQL (Ruru) at /graphiql outside production, and introspection to an operator', async () => {
    const page = await fetch(`${api.baseUrl}/graphiql`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/ruru/i);
    const { body } = await api.graphql('{ __schema { queryType { name } } }');
    expect(body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('answers /healthz with 200 when the database answers', async () => {
    const response = await fetch(`${api.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers other methods on /healthz with 405 and the methods it takes', async () => {
    const response = await fetch(`${api.baseUrl}/healthz`, { method: 'POST' });
    expect([response.status, response.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('answers /healthz with 503 when the database does not answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const pool = new pg.Pool({ connectionString: `postgres://nobody:x@127.0.0.1:${deadPort}/none`, connectionTimeoutMillis: 1000 });
    const server = createHttpServer({ pool });
    await listen(server, { host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`);
      expect(response.status).toBe(503);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    }
  });

  it('answers /healthz with 503 when the database accepts connections but never answers (a hung server)', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => void sockets.push(socket)); // accepts, never speaks: a stopped (SIGSTOP) Postgres
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const pool = createPool(`postgres://nobody:x@127.0.0.1:${(silent.address() as AddressInfo).port}/none`, 1, () => {});
    const server = createHttpServer({ pool });
    await listen(server, { host: '127.0.0.1', port: 0 });
    try {
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`);
      expect(response.status).toBe(503);
      expect(performance.now() - started).toBeLessThan(healthzTimeoutMs + 1000);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
      await pool.end().catch(() => {});
    }
  });

  it('hands other paths to the console mount point before answering 404', async () => {
    expect(await (await fetch(`${api.baseUrl}/system`)).text()).toBe('console');
    expect((await fetch(`${api.baseUrl}/nowhere`)).status).toBe(404);
  });
});

describe('production mode', () => {
  let production: TestApi;
  beforeAll(async () => {
    production = await startTestApi(db.url, { production: true });
  });
  afterAll(async () => {
    await production?.close();
  });

  it('serves no GraphiQL', async () => {
    expect((await fetch(`${production.baseUrl}/graphiql`)).status).toBe(404);
    expect((await fetch(`${production.baseUrl}/ruru-static/ruru.js`)).status).toBe(404);
  });

  it('refuses introspection but answers queries', async () => {
    const introspection = await production.graphql('{ __schema { queryType { name } } }');
    expect(introspection.status).toBe(400);
    expect(introspection.body.errors[0].message).toMatch(/introspection/i);
    const query = await production.graphql('{ apiProbeOne(label: "x") { n } }');
    expect(query.body).toEqual({ data: { apiProbeOne: { n: 42 } } });
  });
});
