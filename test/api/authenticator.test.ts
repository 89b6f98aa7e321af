// The GraphQL server's login (SPEC §1: tp_authenticator is what it logs in as): with a
// DATABASE_URL, TENANTPULSE_AUTHENTICATOR_PASSWORD makes it log in as tp_authenticator, never as
// DATABASE_URL's (possibly superuser) user.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { serverDatabaseUrl } from '../../src/server/authenticator.ts';
import { useTestDatabase } from '../helpers/database.ts';
import { testAuthenticatorPassword } from './server.ts';

const db = useTestDatabase();
const password = testAuthenticatorPassword();

async function sessionUser(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ u: string }>('select session_user as u')).rows[0]!.u;
  } finally {
    await client.end();
  }
}

describe('the GraphQL server login with DATABASE_URL', () => {
  it('is tp_authenticator when TENANTPULSE_AUTHENTICATOR_PASSWORD is set', async () => {
    const url = await serverDatabaseUrl({ DATABASE_URL: db.url, TENANTPULSE_AUTHENTICATOR_PASSWORD: password }, db.url);
    expect(await sessionUser(url)).toBe('tp_authenticator');
  });

  it('is DATABASE_URL itself, with a warning, when neither the authenticator URL nor its password is set', async () => {
    const lines: string[] = [];
    const url = await serverDatabaseUrl({ DATABASE_URL: db.url }, db.url, (line) => lines.push(line));
    expect(url).toBe(db.url);
    expect(lines.join('\n')).toMatch(/TENANTPULSE_AUTHENTICATOR_PASSWORD/);
  });
});
