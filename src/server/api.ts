// The GraphQL endpoint: authentication and the body limit in front of grafserv (node adaptor),
// so a refused request is answered before its body is read, parsed or any SQL runs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import { postgraphile, type PostGraphileInstance } from 'postgraphile';
import type { GraphQLSchema } from 'postgraphile/graphql';
import { grafserv } from 'postgraphile/grafserv/node';
import { authenticate, jwtKey, rememberOperator } from './auth.ts';
import { makeApiPreset, type RequestLimits } from './preset.ts';

export const graphqlPath = '/graphql';
export const graphiqlPath = '/graphiql';
const ruruStaticPath = '/ruru-static/';
export const maxBodyBytes = 1024 * 1024;

export interface GraphqlApiOptions {
  /** The API's pool (tp_authenticator in a deployment). Owned by the caller: not ended here. */
  pool: pg.Pool;
  /** HS256 secret of operator tokens. */
  jwtSecret: string;
  /** Production: no GraphiQL, no introspection (unless overridden below). */
  production: boolean;
  graphiql?: boolean;
  introspection?: boolean;
  statementTimeoutMs?: number;
  limits?: Partial<RequestLimits>;
}

export interface GraphqlApi {
  /** Handles /graphql (and /graphiql, /ruru-static/ when GraphiQL is on); false when the path is not ours. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** The GraphQL schema (built once, at start). */
  schema(): Promise<GraphQLSchema>;
  graphiql: boolean;
  release(): Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

/** A GraphQL-over-HTTP shaped error answered without executing anything. */
function refuse(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}

export async function createGraphqlApi(options: GraphqlApiOptions): Promise<GraphqlApi> {
  const graphiql = options.graphiql ?? !options.production;
  const preset = makeApiPreset({
    pool: options.pool,
    graphiql,
    introspection: options.introspection ?? !options.production,
    statementTimeoutMs: options.statementTimeoutMs,
    limits: options.limits,
  });
  const pgl: PostGraphileInstance = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const schema = await pgl.getSchema(); // fail fast at start when the database cannot be introspected
  await serv.ready();
  const handler = serv.createHandler();
  const key = jwtKey(options.jwtSecret);

  const pass = (req: IncomingMessage, res: ServerResponse) =>
    new Promise<void>((resolve) => {
      res.once('close', () => resolve());
      handler(req, res, () => {
        refuse(res, 404, 'NOT_FOUND', 'not found');
      });
    });

  return {
    graphiql,
    schema: async () => schema,
    async handle(req, res) {
      const path = (req.url ?? '/').split('?')[0];
      if (path === graphqlPath) {
        if (req.method !== 'POST') {
          refuse(res, 405, 'METHOD_NOT_ALLOWED', 'use POST for GraphQL requests', { allow: 'POST' });
          return true;
        }
        const auth = await authenticate(req.headersDistinct.authorization, key);
        if (!auth.ok) {
          const headers: Record<string, string> =
            auth.status === 401 ? { 'www-authenticate': 'Bearer realm="tenantpulse", error="invalid_token"' } : {};
          refuse(res, auth.status, auth.code, auth.message, headers);
          return true;
        }
        const declared = Number(req.headers['content-length'] ?? 0);
        if (declared > maxBodyBytes) {
          refuse(res, 413, 'PAYLOAD_TOO_LARGE', `request bodies are limited to ${maxBodyBytes} bytes`, { connection: 'close' });
          return true;
        }
        rememberOperator(req, auth.operator);
        await pass(req, res); // a chunked body over the limit gets 413 from grafserv (maxRequestLength)
        return true;
      }
      if (graphiql && req.method === 'GET' && (path === graphiqlPath || path?.startsWith(ruruStaticPath))) {
        await pass(req, res);
        return true;
      }
      return false;
    },
    async release() {
      await Promise.resolve(serv.release()).catch(() => {});
      await Promise.resolve(pgl.release()).catch(() => {});
      for (const service of preset.pgServices ?? []) await service.release?.();
    },
  };
}
