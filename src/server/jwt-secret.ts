// The HS256 secret of operator tokens. Production must provide TENANTPULSE_JWT_SECRET; in
// development one is generated once and kept in the data dir, so tokens survive restarts.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';

export const jwtSecretFileName = 'jwt-secret';

export function resolveJwtSecret(
  config: Pick<Config, 'NODE_ENV' | 'TENANTPULSE_JWT_SECRET' | 'TENANTPULSE_DATA_DIR'>,
): { secret: string; source: 'environment' | 'data-dir' } {
  if (config.TENANTPULSE_JWT_SECRET) return { secret: config.TENANTPULSE_JWT_SECRET, source: 'environment' };
  if (config.NODE_ENV === 'production') {
    throw new Error('invalid environment: TENANTPULSE_JWT_SECRET is required in production (at least 32 characters)');
  }
  const root = path.resolve(config.TENANTPULSE_DATA_DIR);
  const file = path.join(root, jwtSecretFileName);
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return { secret, source: 'data-dir' };
  }
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { secret, source: 'data-dir' };
}
