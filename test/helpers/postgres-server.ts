// Finds the Postgres server a test run uses: DATABASE_URL if set, else a Testcontainers Postgres
// when a Docker engine answers, else an embedded Postgres in a temporary directory.
import { request } from 'node:http';
import { urlWithDatabase } from '../../src/db/connection.ts';
import { startScratchCluster } from '../../src/db/embedded.ts';

export interface PostgresServer {
  kind: 'DATABASE_URL' | 'testcontainers' | 'embedded';
  /** URL of the given database on that server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}


/** A Docker engine that answers `GET /_ping` within a second (Testcontainers' own probe can hang). */
export function dockerAnswers(timeoutMs = 1000): Promise<boolean> {
  const host = process.env.DOCKER_HOST;
  const target =
    host?.startsWith('tcp://') || host?.startsWith('http://')
      ? { host: new URL(host).hostname, port: Number(new URL(host).port || 2375) }
      : { socketPath: host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock' };
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const given = process.env.DATABASE_URL;
  if (given) {
    return { kind: 'DATABASE_URL', urlFor: (database) => urlWithDatabase(given, database), stop: async () => {} };
  }
  if (await dockerAnswers()) {
    // Imported only here: loading testcontainers costs ~0.5 s.
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:18-alpine').start();
    const uri = container.getConnectionUri();
    return {
      kind: 'testcontainers',
      urlFor: (database) => urlWithDatabase(uri, database),
      stop: async () => void (await container.stop()),
    };
  }
  const cluster = await startScratchCluster();
  return { kind: 'embedded', urlFor: cluster.urlFor, stop: cluster.stop };
}
