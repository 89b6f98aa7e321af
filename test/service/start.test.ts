// `npm start` as a person meets it: a real process on an embedded Postgres in a fresh data
// directory — healthz, a refused second instance, bad configuration, and a clean stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { embeddedDatabaseName } from '../../src/db/database.ts';
import { embeddedUrl, freePort } from '../../src/db/embedded.ts';
import { repoRoot } from '../../src/db/migrations.ts';
import { mintOperatorToken } from '../../src/server/auth.ts';
import { waitFor } from '../helpers/wait.ts';

interface Started { child: ChildProcess; output: () => string; exited: Promise<number | null> }

/** `npm start` (npm's own script, run by this Node), or its command `node src/main.ts` directly. */
function start(env: Record<string, string>, { throughNpm = false } = {}): Started {
  // (npm's own script through this Node when a run of npm started us, else the npm on PATH)
  const [file, args] = !throughNpm ? [process.execPath, [path.join(repoRoot, 'src/main.ts')]]
    : process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath, 'start']] : ['npm', ['start']];
  const child = spawn(file, args, {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: '', NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const healthy = async (port: number) => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200;
  } catch {
    return false;
  }
};

function postmasterAlive(dataDir: string): boolean {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  try {
    process.kill(Number.parseInt(readFileSync(pidFile, 'utf8'), 10), 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tenantpulse-start-'));
  chmodSync(dataDir, 0o755);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  /** The shared data directory, on ports nothing else uses. */
  const freshPorts = async () => ({ TENANTPULSE_DATA_DIR: dataDir, PORT: String(await freePort()), TENANTPULSE_PG_PORT: String(await freePort()) });

  it('serves /healthz on an embedded Postgres, refuses a second instance, and stops cleanly, finishing a request in progress', async () => {
    const env = await freshPorts();
    const first = start(env);
    let inProgress: Promise<Response>[] = [];
    let holder: pg.Client | undefined;
    try {
      await waitFor(() => first.output().includes(`listening on http://127.0.0.1:${env.PORT}`), 'the listening line');
      // (logged right after the listening line, once the link's token is signed)
      await waitFor(() => /open http:\/\/127\.0\.0\.1:\d+\/system#token=/.test(first.output()), 'the local sign-in link');
      expect(await healthy(Number(env.PORT))).toBe(true);

      const second = start({ ...env, PORT: String(await freePort()) });
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/data directory .* is in use by Postgres pid \d+/);
      expect(await healthy(Number(env.PORT)), 'the first instance keeps serving').toBe(true);

      // Requests still running when the stop comes (they wait for a lock held here) are answered.
      // There are more of them than the API has connections: /healthz still answers meanwhile.
      holder = new pg.Client({ connectionString: embeddedUrl(dataDir, Number(env.TENANTPULSE_PG_PORT), embeddedDatabaseName) });
      await holder.connect();
      await holder.query('begin');
      await holder.query('lock table platform.workspaces in access exclusive mode');
      const token = await mintOperatorToken(readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8').trim(), { sub: 'ops', ttlSeconds: 60 });
      inProgress = Array.from({ length: 12 }, () => fetch(`http://127.0.0.1:${env.PORT}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ healthKpis(window: last_24_hours) { totalWorkspaces } }' }),
      }));
      await waitFor(async () => (await holder!.query(`select 1 from pg_locks where not granted`)).rowCount! >= 10, 'the API\'s 10 connections to wait');
      expect(await healthy(Number(env.PORT)), '/healthz while every API connection waits').toBe(true);
    } finally {
      first.child.kill('SIGTERM');
    }
    await waitFor(() => first.output().includes('stopping'), 'the stop to begin');
    // Ctrl-C pressed again while stopping neither cuts the request nor leaves Postgres running.
    first.child.kill('SIGINT');
    await waitFor(() => first.output().includes('SIGINT while stopping: still stopping'), 'the second signal to be noted');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await holder!.query('commit');
    await holder!.end();
    for (const response of await Promise.all(inProgress)) {
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: { healthKpis: { totalWorkspaces: 0 } } });
    }
    expect(await first.exited).toBe(0);
    expect(postmasterAlive(dataDir), 'no orphan postgres').toBe(false);
  });

  it('stops, Postgres included, when the npm process is told to (npm passes the signal on)', async () => {
    const env = await freshPorts();
    const run = start(env, { throughNpm: true });
    try {
      await waitFor(() => run.output().includes(`listening on http://127.0.0.1:${env.PORT}`), 'the listening line');
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('tenantpulse: stopped');
    expect(await healthy(Number(env.PORT)), 'nothing serves any more').toBe(false);
    expect(postmasterAlive(dataDir), 'no orphan postgres').toBe(false);
  });

  it('stops, Postgres included, when told to while it is still starting', async () => {
    const env = await freshPorts();
    const run = start(env);
    await waitFor(() => run.output().includes('starting the embedded Postgres'), 'the embedded Postgres to be starting');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('SIGTERM: stopping as soon as start-up is done');
    expect(postmasterAlive(dataDir), 'no orphan postgres').toBe(false);
  });

  it('prints no operator token in production', async () => {
    const env = await freshPorts();
    const run = start({ ...env, NODE_ENV: 'production', TENANTPULSE_JWT_SECRET: 'a-production-secret-of-at-least-32-chars' });
    try {
      await waitFor(() => run.output().includes(`listening on http://127.0.0.1:${env.PORT}`), 'the listening line');
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(run.output()).not.toContain('token=');
  });

  it('keeps its data between runs and says when its HTTP port is taken', async () => {
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const run = start({ TENANTPULSE_DATA_DIR: dataDir, PORT: String(port), TENANTPULSE_PG_PORT: String(await freePort()) });
      const code = await run.exited;
      expect(run.output()).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(code, run.output()).toBe(1);
      expect(run.output(), 'the data was kept: nothing to migrate').toContain('Already up to date');
      expect(postmasterAlive(dataDir), `the embedded Postgres is stopped again:\n${run.output()}`).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('refuses invalid configuration with one line naming the variable', async () => {
    const run = start({ PORT: 'eighty' });
    expect(await run.exited).toBe(1);
    expect(run.output().trim()).toBe('tenantpulse: invalid environment: PORT expected a TCP port number');
  });

  it('names the host and port of an unreachable database', async () => {
    const port = await freePort();
    const run = start({ DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/tenantpulse` });
    expect(await run.exited).toBe(1);
    expect(run.output().trim()).toBe(`tenantpulse: cannot reach Postgres at 127.0.0.1:${port}/tenantpulse (ECONNREFUSED)`);
  });
});
