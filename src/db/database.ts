// Which database tenantpulse uses: DATABASE_URL when set, else the embedded cluster kept under
// TENANTPULSE_DATA_DIR (started here, or shared when `npm start` already runs it).
import pg from 'pg';
import type { Config } from '../config.ts';
import { explainConnectionError } from './connection.ts';
import { embeddedUrl, runningPostmaster, startEmbeddedPostgres } from './embedded.ts';

export const embeddedDatabaseName = 'tenantpulse';

export interface Database {
  connectionString: string;
  /** Whether this process started the embedded cluster (and so stops it on close). */
  startedEmbedded: boolean;
  close(): Promise<void>;
}

async function ping(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw explainConnectionError(error, connectionString);
  } finally {
    await client.end().catch(() => {});
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select from pg_database where datname = $1', [name]);
    if (rowCount === 0) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
}

/**
 * Opens the database. `exclusive` (the server) refuses an embedded cluster that another process
 * runs; CLI commands share it instead.
 */
export async function openDatabase(
  config: Config,
  { exclusive, log = () => {} }: { exclusive: boolean; log?: (line: string) => void },
): Promise<Database> {
  if (config.DATABASE_URL) {
    await ping(config.DATABASE_URL);
    return { connectionString: config.DATABASE_URL, startedEmbedded: false, close: async () => {} };
  }
  const dataDir = config.TENANTPULSE_DATA_DIR;
  const running = runningPostmaster(dataDir);
  if (running && !exclusive) {
    const connectionString = embeddedUrl(dataDir, running.port, embeddedDatabaseName);
    await ping(connectionString);
    return { connectionString, startedEmbedded: false, close: async () => {} };
  }
  log(`starting the embedded Postgres (data in ${dataDir}/pg, port ${config.TENANTPULSE_PG_PORT})`);
  const cluster = await startEmbeddedPostgres({ dataDir, port: config.TENANTPULSE_PG_PORT, persistent: true });
  try {
    await ensureDatabase(cluster.connectionString, embeddedDatabaseName);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return { connectionString: cluster.urlFor(embeddedDatabaseName), startedEmbedded: true, close: cluster.stop };
}

/** Runs `fn` with the database open, closing it afterwards. */
export async function withDatabase<T>(config: Config, fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(config, { exclusive: false, log: (line) => console.log(line) });
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}
