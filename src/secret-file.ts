// A secret kept in a file of the data directory (mode 600): read when it is there and long
// enough, else generated and written. Local development only; production passes its secrets in.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function readOrCreateSecret(file: string, { bytes, minLength = 1 }: { bytes: number; minLength?: number }): string {
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= minLength) return secret;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const secret = randomBytes(bytes).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
