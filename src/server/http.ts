// The HTTP server: GET /healthz, the GraphQL API (POST /graphql, Ruru at /graphiql outside
// production) and a mount point for the system console.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type pg from 'pg';
import { sendJson, type GraphqlApi } from './api.ts';

/**
 * The console's mount point (issue 6): tried after /healthz and the API, before the 404. Return
 * true when the request was handled (a response was or will be sent), false to fall through.
 */
export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface HttpOptions {
  host: string;
  port: number;
  /** The pool /healthz pings (one connection of its own in `npm start`, so a busy API does not look down). */
  pool: pg.Pool;
  /** The GraphQL API (see createGraphqlApi); without it /graphql is a 404. */
  graphql?: GraphqlApi;
  console?: ConsoleHandler;
}

/** How long /healthz waits for the database: a server that accepts but never answers is down too. */
export const healthzTimeoutMs = 2000;

async function healthz(pool: pg.Pool, res: ServerResponse): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), healthzTimeoutMs);
  });
  try {
    await Promise.race([pool.query('select 1'), timeout]);
    sendJson(res, 200, { status: 'ok' });
  } catch {
    sendJson(res, 503, { status: 'unavailable', reason: 'the database does not answer' });
  } finally {
    clearTimeout(timer);
  }
}

export function createHttpServer({ pool, graphql, console: consoleHandler }: Pick<HttpOptions, 'pool' | 'graphql' | 'console'>): Server {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // An absolute-form target (`POST http://host/graphql`, as some proxies send) is routed by its
    // path like any other.
    req.url = url.pathname + url.search;
    if (url.pathname === '/healthz') {
      if (req.method === 'GET' || req.method === 'HEAD') await healthz(pool, res);
      else sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
      return;
    }
    if (graphql && (await graphql.handle(req, res))) return;
    if (consoleHandler && (await consoleHandler(req, res))) return;
    sendJson(res, 404, { error: 'not found' });
  };
  return createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      console.error('tenantpulse: unexpected error while serving a request:', error);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
}

/** Listens, turning the usual failures into a sentence that names the variable to change. */
export function listen(server: Server, { host, port }: Pick<HttpOptions, 'host' | 'port'>): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${port} on ${host} is already in use (set PORT to another port)`)
          : new Error(`cannot listen on ${host}:${port} (check HOST and PORT): ${error.message}`),
      );
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Stops taking connections and lets the requests in progress finish, for at most `drainMs`; then
 * cuts what is left. Idle keep-alive connections are closed at once.
 */
export function closeServer(server: Server, drainMs: number): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), drainMs);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
