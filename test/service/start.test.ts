// `npm start` as a person meets it: a real process on an embedded Postgres in a fresh data
// directory — healthz, a refused second instance, bad configuration, and a clean stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.ts';
import { repoRoot } from '../../src/db/migrations.ts';

interface Started { child: ChildProcess; output: () => string; exited: Promise<number | null> }

function start(env: Record<string, string>): Started {
  const child = spawn(process.execPath, [path.join(repoRoot, 'src/main.ts')], {
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

async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
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

  it('serves /healthz on an embedded Postgres, refuses a second instance, and stops cleanly', async () => {
    const env = { TENANTPULSE_DATA_DIR: dataDir, PORT: String(await freePort()), TENANTPULSE_PG_PORT: String(await freePort()) };
    const first = start(env);
    try {
      await waitFor(() => first.output().includes(`listening on http://127.0.0.1:${env.PORT}`), 'the listening line');
      expect(await healthy(Number(env.PORT))).toBe(true);

      const second = start({ ...env, PORT: String(await freePort()) });
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/data directory .* is in use by Postgres pid \d+/);
      expect(await healthy(Number(env.PORT)), 'the first instance keeps serving').toBe(true);
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await first.exited).toBe(0);
    expect(postmasterAlive(dataDir), 'no orphan postgres').toBe(false);
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
