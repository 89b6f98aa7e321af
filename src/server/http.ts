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
  /** The pool /healthz pings (the API's pool in `npm start`). */
  pool: pg.Pool;
  /** The GraphQL API (see createGraphqlApi); without it /graphql is a 404. */
  graphql?: GraphqlApi;
  console?: ConsoleHandler;
}

async function healthz(pool: pg.Pool, res: ServerResponse): Promise<void> {
  try {
    await pool.query('select 1');
    sendJson(res, 200, { status: 'ok' });
  } catch {
    sendJson(res, 503, { status: 'unavailable', reason: 'the database does not answer' });
  }
}

export function createHttpServer({ pool, graphql, console: consoleHandler }: Pick<HttpOptions, 'pool' | 'graphql' | 'console'>): Server {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      await healthz(pool, res);
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

/** Listens, turning "port in use" into a sentence. */
export function listen(server: Server, { host, port }: Pick<HttpOptions, 'host' | 'port'>): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${port} on ${host} is already in use (set PORT to another port)`)
          : error,
      );
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
