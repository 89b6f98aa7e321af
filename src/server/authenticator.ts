// The GraphQL server's database login. It is `tp_authenticator` (LOGIN NOINHERIT, member of
// tp_system_operator only): by itself it can read nothing, and each request switches to
// tp_system_operator inside its own transaction (pgSettings `role`).
//   - A deployment provides TENANTPULSE_AUTHENTICATOR_URL (the deployer sets the password), or
//     TENANTPULSE_AUTHENTICATOR_PASSWORD: the process then sets that password with DATABASE_URL's
//     user at start-up (the same value from every instance) and logs in as tp_authenticator.
//   - The embedded default gets a fresh random password at every start, so even locally the API
//     never runs as the superuser.
//   - A plain DATABASE_URL without an authenticator URL is used as is (its user must be allowed
//     to `set role tp_system_operator`); a warning says so.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Config } from '../config.ts';

export const authenticatorRole = 'tp_authenticator';

/**
 * Sets a password on tp_authenticator (random unless given) using an administrative connection,
 * and returns the URL of the same database logged in as tp_authenticator.
 */
export async function prepareAuthenticatorLogin(
  adminUrl: string,
  { password = randomBytes(24).toString('base64url') }: { password?: string } = {},
): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // ALTER ROLE takes no bind parameters; the literal is escaped by the driver. Roles are
    // cluster-wide: two processes setting it at once get "tuple concurrently updated" (XX000).
    for (let attempt = 1; ; attempt += 1) {
      try {
        await client.query(`alter role ${authenticatorRole} with login password ${client.escapeLiteral(password)}`);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== 'XX000' || attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.username = authenticatorRole;
  // (the URL setter leaves `%` as it is, and the driver decodes it: escape it all)
  url.password = encodeURIComponent(password);
  return url.toString();
}

/**
 * The URL the GraphQL server connects with. `databaseUrl` is the URL the rest of the process uses
 * (DATABASE_URL, or the embedded cluster's superuser URL).
 */
export async function serverDatabaseUrl(
  config: Pick<Config, 'DATABASE_URL' | 'TENANTPULSE_AUTHENTICATOR_URL' | 'TENANTPULSE_AUTHENTICATOR_PASSWORD'>,
  databaseUrl: string,
  log: (line: string) => void = () => {},
): Promise<string> {
  if (config.TENANTPULSE_AUTHENTICATOR_URL) return config.TENANTPULSE_AUTHENTICATOR_URL;
  if (!config.DATABASE_URL) return prepareAuthenticatorLogin(databaseUrl);
  const password = config.TENANTPULSE_AUTHENTICATOR_PASSWORD;
  if (password) return prepareAuthenticatorLogin(databaseUrl, { password });
  log(
    'GraphQL connects with DATABASE_URL; set TENANTPULSE_AUTHENTICATOR_URL or TENANTPULSE_AUTHENTICATOR_PASSWORD to log in as tp_authenticator ' +
      '(recommended: the server then holds no privilege of its own)',
  );
  return config.DATABASE_URL;
}
