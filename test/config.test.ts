// The environment (src/config.ts): defaults, and one line naming the variable for a bad value.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const refusal = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
};

describe('loadConfig', () => {
  it('defaults to the embedded database on 127.0.0.1:4000, and treats empty values as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '' });
    expect(config).toMatchObject({ HOST: '127.0.0.1', PORT: 4000, TENANTPULSE_PG_PORT: 54329 });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('takes whole numbers, IP addresses and host names', () => {
    expect(loadConfig({ PORT: '8080', HOST: '0.0.0.0', TENANTPULSE_RETENTION_DAYS: '45' })).toMatchObject({ PORT: 8080, HOST: '0.0.0.0', TENANTPULSE_RETENTION_DAYS: 45 });
    expect(loadConfig({ HOST: '::' }).HOST).toBe('::');
    expect(loadConfig({ HOST: 'db-proxy.internal' }).HOST).toBe('db-proxy.internal');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT expected a TCP port number'],
    [{ PORT: '1e2' }, 'PORT expected a TCP port number'],
    [{ PORT: '70000' }, 'PORT expected a TCP port number'],
    [{ TENANTPULSE_PG_PORT: '0x10' }, 'TENANTPULSE_PG_PORT expected a TCP port number'],
    [{ HOST: ' ' }, 'HOST expected an IP address or a host name'],
    [{ HOST: 'two words' }, 'HOST expected an IP address or a host name'],
    [{ TENANTPULSE_RETENTION_DAYS: '0' }, 'TENANTPULSE_RETENTION_DAYS expected a whole number of days from 1 to 3650'],
    [{ TENANTPULSE_RETENTION_DAYS: '3651' }, 'TENANTPULSE_RETENTION_DAYS expected a whole number of days from 1 to 3650'],
    [{ TENANTPULSE_RETENTION_DAYS: '30.5' }, 'TENANTPULSE_RETENTION_DAYS expected a whole number of days from 1 to 3650'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL expected a postgres:// connection URL'],
    [{ TENANTPULSE_JWT_SECRET: 'short' }, 'TENANTPULSE_JWT_SECRET must be at least 32 characters'],
    [{ NODE_ENV: 'prod' }, 'NODE_ENV'],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(refusal(env)).toContain(`invalid environment: ${message}`);
  });
});
