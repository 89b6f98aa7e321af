// Starts the real HTTP server (port 0) on a test database, logged in as tp_authenticator, and
// counts the API pool's connection check-outs so tests can prove a refused request ran no SQL.
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { inject } from 'vitest';
import { mintOperatorToken } from '../../src/server/auth.ts';
import { createGraphqlApi, type GraphqlApi, type GraphqlApiOptions } from '../../src/server/api.ts';
import { prepareAuthenticatorLogin } from '../../src/server/authenticator.ts';
import { createHttpServer, listen, type ConsoleHandler } from '../../src/server/http.ts';
import { ignoreTeardownErrors } from '../helpers/database.ts';

export const testJwtSecret = 'test-secret-of-at-least-32-characters-long!';

/**
 * The password every API test of this run gives tp_authenticator (the role is cluster-wide, and
 * test files run in parallel). It holds the characters a URL must escape, so every API test
 * also proves the login URL is built right.
 */
export const testAuthenticatorPassword = () => `tp_api_test_${inject('postgres').runId} %41/@:#?&+`;

export interface TestApi {
  baseUrl: string;
  pool: pg.Pool;
  api: GraphqlApi;
  /** Connections the API pool has handed out so far. */
  checkouts(): number;
  token(sub?: string, claims?: { role?: string; ttlSeconds?: number }): Promise<string>;
  graphql(query: string, options?: { token?: string | null; variables?: Record<string, unknown> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestApi(
  databaseUrl: string,
  options: Partial<Omit<GraphqlApiOptions, 'pool' | 'jwtSecret'>> & { console?: ConsoleHandler } = {},
): Promise<TestApi> {
  // One password per test run: test files run in parallel and share the cluster-wide role.
  const url = await prepareAuthenticatorLogin(databaseUrl, { password: testAuthenticatorPassword() });
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  ignoreTeardownErrors(pool); // (its clients may still be closing when the database is dropped)
  let checkouts = 0;
  pool.on('acquire', () => { checkouts += 1; });
  const api = await createGraphqlApi({ production: false, ...options, pool, jwtSecret: testJwtSecret });
  const server = createHttpServer({ pool, graphql: api, console: options.console });
  await listen(server, { host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = (sub = 'operator-1', claims: { role?: string; ttlSeconds?: number } = {}) =>
    mintOperatorToken(testJwtSecret, { sub, ttlSeconds: claims.ttlSeconds ?? 300, role: claims.role });
  return {
    baseUrl,
    pool,
    api,
    checkouts: () => checkouts,
    token,
    async graphql(query, { token: given, variables } = {}) {
      const bearer = given === undefined ? await token() : given;
      const response = await fetch(`${baseUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }) },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      let body: unknown = text;
      try { body = JSON.parse(text); } catch { /* not JSON */ }
      return { status: response.status, body, headers: response.headers };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.release();
      await pool.end();
    },
  };
}
