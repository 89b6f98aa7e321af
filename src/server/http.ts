// The HTTP server: GET /healthz now; the GraphQL API and the console mount here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type pg from 'pg';

export interface HttpOptions {
  host: string;
  port: number;
  pool: pg.Pool;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function healthz(pool: pg.Pool, res: ServerResponse): Promise<void> {
  try {
    await pool.query('select 1');
    sendJson(res, 200, { status: 'ok' });
  } catch {
    sendJson(res, 503, { status: 'unavailable', reason: 'the database does not answer' });
  }
}

export function createHttpServer({ pool }: Pick<HttpOptions, 'pool'>): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      void healthz(pool, res);
      return;
    }
    sendJson(res, 404, { error: 'not found' });
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
