// The HS256 secret of operator tokens. Production must provide TENANTPULSE_JWT_SECRET; in
// development one is generated once and kept in the data dir, so tokens survive restarts.
import path from 'node:path';
import type { Config } from '../config.ts';
import { readOrCreateSecret } from '../secret-file.ts';

export const jwtSecretFileName = 'jwt-secret';

export function resolveJwtSecret(
  config: Pick<Config, 'NODE_ENV' | 'TENANTPULSE_JWT_SECRET' | 'TENANTPULSE_DATA_DIR'>,
): { secret: string; source: 'environment' } | { secret: string; source: 'data-dir'; file: string } {
  if (config.TENANTPULSE_JWT_SECRET) return { secret: config.TENANTPULSE_JWT_SECRET, source: 'environment' };
  if (config.NODE_ENV === 'production') {
    throw new Error('invalid environment: TENANTPULSE_JWT_SECRET is required in production (at least 32 characters)');
  }
  const file = path.join(path.resolve(config.TENANTPULSE_DATA_DIR), jwtSecretFileName);
  return { secret: readOrCreateSecret(file, { bytes: 48, minLength: 32 }), source: 'data-dir', file };
}
