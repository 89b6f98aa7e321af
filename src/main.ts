// `npm start`: database (DATABASE_URL, else embedded), migrations, HTTP server, job runner.
// SIGTERM / Ctrl-C / SIGHUP stops them in reverse order: the server (letting requests in progress
// finish), the job runner, the embedded Postgres last.
import { loadConfig } from './config.ts';
import { createConsoleHandler } from './console/serve.ts';
import { describeFailure, explainConnectionError } from './db/connection.ts';
import { openDatabase } from './db/database.ts';
import { migrateDatabase } from './db/migrations.ts';
import { createPool } from './db/pool.ts';
import { createGraphqlApi } from './server/api.ts';
import { serverDatabaseUrl } from './server/authenticator.ts';
import { consoleLink } from './server/console-link.ts';
import { closeServer, createHttpServer, listen } from './server/http.ts';
import { resolveJwtSecret } from './server/jwt-secret.ts';
import { applyRetentionOverride } from './telemetry/settings.ts';
import { startJobRunner } from './worker/runner.ts';

const log = (line: string) => console.log(`tenantpulse: ${line}`);
/** How long a stop lets requests in progress finish (at most the 5 s statement timeout, and some). */
const drainMs = 8000;

const stops: Array<() => Promise<unknown>> = [];
let started = false;
let stopRequested = false;
/** The stop, once begun. */
let stopped: Promise<never> | undefined;
// A connection that Postgres's own shutdown cuts while the service stops is expected, not news.
const poolLog = (line: string) => {
  if (!stopped) log(line);
};

/** Stops what has started, in reverse order, then exits; every later call waits for the same stop. */
function shutdown(exitCode: number): Promise<never> {
  stopped ??= (async () => {
    if (stops.length > 0) {
      log('stopping');
      for (const stop of stops.reverse()) {
        await stop().catch((error: unknown) => log(`while stopping: ${(error as Error).message}`));
      }
      log('stopped');
    }
    process.exit(exitCode);
  })();
  return stopped;
}

async function start(): Promise<void> {
  const config = loadConfig();
  const { secret: jwtSecret } = resolveJwtSecret(config);
  const database = await openDatabase(config, { exclusive: true, log });
  stops.push(() => database.close());

  try {
    await migrateDatabase(database.connectionString, log);
  } catch (error) {
    throw explainConnectionError(error, database.connectionString);
  }

  if (config.TENANTPULSE_RETENTION_DAYS !== undefined) {
    const owner = createPool(database.connectionString, 1, poolLog);
    await applyRetentionOverride(owner, config.TENANTPULSE_RETENTION_DAYS).finally(() => owner.end());
    log(`telemetry retention set to ${config.TENANTPULSE_RETENTION_DAYS} days (TENANTPULSE_RETENTION_DAYS)`);
  }

  // The API logs in as tp_authenticator and switches to tp_system_operator per request.
  const serverUrl = await serverDatabaseUrl(config, database.connectionString, log);
  const pool = createPool(serverUrl, 10, poolLog);
  stops.push(() => pool.end());
  // /healthz asks with a connection of its own: slow requests holding all of the API's
  // connections do not make a database that answers look down.
  const healthPool = createPool(serverUrl, 1, poolLog);
  stops.push(() => healthPool.end());
  const graphql = await createGraphqlApi({ pool, jwtSecret, production: config.NODE_ENV === 'production' });
  stops.push(() => graphql.release());

  const workerPool = createPool(database.connectionString, 4, poolLog);
  stops.push(() => workerPool.end());
  const runner = await startJobRunner(workerPool, log);
  stops.push(() => runner.stop());

  // Pushed last, so stopped first: no new requests, then the worker, then the database.
  const server = createHttpServer({ pool: healthPool, graphql, console: createConsoleHandler() });
  await listen(server, { host: config.HOST, port: config.PORT });
  stops.push(() => closeServer(server, drainMs));

  log(`listening on http://${config.HOST}:${config.PORT} (console: /system, GraphQL: POST /graphql, health: /healthz)`);
  // A sign-in link for the local, embedded default; never a live credential in a production log.
  if (!config.DATABASE_URL && config.NODE_ENV !== 'production') {
    log(await consoleLink({ host: config.HOST, port: config.PORT, jwtSecret, path: '/system' }));
  }
}

// No signal may end the process before the embedded Postgres is stopped, or it is left running:
// one that comes while starting (the cluster may be half up, a migration running) stops the
// service once start-up is done; a second one while stopping (Ctrl-C pressed again) is only noted.
// SIGHUP (the terminal closed) stops it too.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopped || stopRequested) log(`${signal} while stopping: still stopping`);
    else if (!started) {
      stopRequested = true;
      log(`${signal}: stopping as soon as start-up is done`);
    } else void shutdown(0);
  });
}

start().then(
  () => {
    started = true;
    if (stopRequested) void shutdown(0);
  },
  async (error: unknown) => {
    console.error(describeFailure(error));
    await shutdown(1);
  },
);
