// `npm run token`: an operator token for local use (SPEC §5), which the server accepts — and no
// token the server would refuse.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/db/migrations.ts';
import { authenticate, jwtKey } from '../../src/server/auth.ts';

const run = promisify(execFile);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tp-token-'));
const secret = 'a-test-secret-of-at-least-32-characters!';

const token = (args: string[], env: Record<string, string> = { TENANTPULSE_JWT_SECRET: secret }) =>
  run(process.execPath, [path.join(repoRoot, 'src/cli.ts'), 'token', ...args], {
    cwd: repoRoot,
    env: { ...process.env, TENANTPULSE_JWT_SECRET: '', TENANTPULSE_DATA_DIR: dataDir, ...env },
  });

const failure = (promise: Promise<unknown>) =>
  promise.then(() => { throw new Error('the command succeeded'); }, (error: { code: number; stderr: string }) => error);

describe('npm run token', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints an HS256 operator token the server accepts, for the asked subject and lifetime', async () => {
    const { stdout, stderr } = await token(['--sub', 'alice', '--ttl', '30m']);
    const printed = stdout.trim();
    expect(await authenticate(`Bearer ${printed}`, jwtKey(secret))).toEqual({ ok: true, operator: { sub: 'alice', exp: expect.any(Number) } });
    const claims = decodeJwt(printed);
    expect(claims.role).toBe('system_operator');
    expect(claims.exp! - claims.iat!).toBe(30 * 60);
    expect(stderr).toContain('signed with TENANTPULSE_JWT_SECRET');
  });

  it('signs with the data directory\'s secret when none is set, and says where it is', async () => {
    const { stdout, stderr } = await token(['--sub', 'bob'], {});
    const file = path.join(dataDir, 'jwt-secret');
    expect(stderr).toContain(`signed with the secret kept in ${file}`);
    expect((await authenticate(`Bearer ${stdout.trim()}`, jwtKey(readFileSync(file, 'utf8').trim()))).ok).toBe(true);
  });

  it.each([
    [['--ttl', '1h'], 'usage: token --sub'],
    [['--sub', ' '], 'must be 1 to 200 characters'],
    [['--sub', 'a'.repeat(201)], 'must be 1 to 200 characters'],
    [['--sub', 'a\tb'], 'no control characters'],
    [['--sub', 'alice', '--ttl', '31d'], '--ttl must be between 1 second and 30 days'],
    [['--sub', 'alice', '--ttl', 'soon'], 'invalid --ttl'],
  ])('refuses %j with exit code 1 and prints no token', async (args, message) => {
    const error = await failure(token(args));
    expect(error.code).toBe(1);
    expect(error.stderr).toContain(message);
    expect((error as unknown as { stdout: string }).stdout).toBe('');
  });
});
