// The environment, parsed once at start-up. Every variable is `unknown` until zod says otherwise;
// a bad value stops the process with one line that names the variable and what it expects.
import { z } from 'zod';

/** Digits only: `Number()` would also take `1e2`, `0x10` or ` 42 `, which nobody means as a number here. */
const wholeNumber = (min: number, max: number, error: string) =>
  z.string().regex(/^\d+$/, { error }).transform(Number).pipe(z.number().int().min(min, { error }).max(max, { error }));

const port = (fallback: number) => wholeNumber(1, 65535, 'expected a TCP port number').default(fallback);

const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value) && URL.canParse(value), {
    error: 'expected a postgres:// connection URL',
  });

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** The database to use. Unset: an embedded Postgres under TENANTPULSE_DATA_DIR. */
  DATABASE_URL: postgresUrl.optional(),
  /** What the GraphQL server logs in as in production (the `tp_authenticator` login). */
  TENANTPULSE_AUTHENTICATOR_URL: postgresUrl.optional(),
  /** Or: the password DATABASE_URL's user gives tp_authenticator at start-up (then the server logs in as it). */
  TENANTPULSE_AUTHENTICATOR_PASSWORD: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  HOST: z.union([z.ipv4(), z.ipv6(), z.hostname()], { error: 'expected an IP address or a host name' }).default('127.0.0.1'),
  PORT: port(4000),
  TENANTPULSE_DATA_DIR: z.string().min(1).default('.tenantpulse'),
  TENANTPULSE_PG_PORT: port(54329),
  /** HS256 secret for operator tokens; generated and kept in the data dir when embedded. */
  TENANTPULSE_JWT_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  /** Overrides telemetry.settings.retention_days at start-up. */
  TENANTPULSE_RETENTION_DAYS: wholeNumber(1, 3650, 'expected a whole number of days from 1 to 3650').optional(),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** Parses the environment; empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = configSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ConfigError(`invalid environment: ${issue.path.join('.')} ${issue.message}`);
}
