// Operator and developer commands: `node src/cli.ts <command>` (see `npm run` in README).
import { parseArgs } from 'node:util';
import { loadConfig } from './config.ts';
import { describeFailure, explainConnectionError } from './db/connection.ts';
import { withDatabase } from './db/database.ts';
import { commitCurrentMigration, migrateDatabase } from './db/migrations.ts';
import { startScratchCluster } from './db/embedded.ts';
import { createPool } from './db/pool.ts';
import { seedDemoWorld } from './demo/world.ts';
import { pruneTelemetry } from './telemetry/prune.ts';
import { applyRetentionOverride } from './telemetry/settings.ts';
import { mintOperatorToken, parseTtl } from './server/auth.ts';
import { resolveJwtSecret } from './server/jwt-secret.ts';

const commands: Record<string, { summary: string; run(args: string[]): Promise<void> }> = {
  migrate: {
    summary: 'bring the database (DATABASE_URL, else the embedded one) to the current schema',
    async run() {
      const config = loadConfig();
      await withDatabase(config, async ({ connectionString }) => {
        await migrateDatabase(connectionString, (line) => console.log(line));
        console.log('database is at the current schema');
      });
    },
  },
  demo: {
    summary: 'fill the database with the deterministic demo world (migrates first; skips when already seeded)',
    async run() {
      const config = loadConfig();
      await withDatabase(config, async ({ connectionString }) => {
        await migrateDatabase(connectionString, (line) => console.log(line));
        const pool = createPool(connectionString, 2, (line) => console.log(line));
        try {
          const result = await seedDemoWorld(pool, (line) => console.log(line));
          console.log(result.message);
        } finally {
          await pool.end();
        }
      });
    },
  },
  prune: {
    summary: 'remove telemetry events older than the retention window now (as the daily job does; migrates first) and print how many',
    async run() {
      const config = loadConfig();
      await withDatabase(config, async ({ connectionString }) => {
        await migrateDatabase(connectionString, (line) => console.log(line));
        const pool = createPool(connectionString, 1, (line) => console.log(line));
        try {
          if (config.TENANTPULSE_RETENTION_DAYS !== undefined) await applyRetentionOverride(pool, config.TENANTPULSE_RETENTION_DAYS);
          const client = await pool.connect();
          const { removed, daysFreed, keys, tablesDropped, partitionsCreated, cutoff } = await pruneTelemetry(client).finally(() => client.release());
          console.log(`pruned ${removed} telemetry events older than ${cutoff.toISOString()} ` +
            `(storage of ${daysFreed} days freed; ${keys} de-duplication keys; ${tablesDropped} tables of expired days dropped, ${partitionsCreated} days of partitions created ahead)`);
        } finally {
          await pool.end();
        }
      });
    },
  },
  'migration:commit': {
    summary: 'commit the files listed in migrations/current.txt as the next migration (developers)',
    async run(args) {
      const { values } = parseArgs({ args, options: { message: { type: 'string', short: 'm' } } });
      if (!values.message) throw new Error('usage: migration:commit --message "<what it does>"');
      const cluster = await startScratchCluster();
      try {
        await commitCurrentMigration(cluster, values.message, (line) => console.log(line));
      } finally {
        await cluster.stop();
      }
    },
  },
  token: {
    summary: 'print an operator token for the GraphQL API: --sub <operator> [--ttl 8h] (no database needed)',
    async run(args) {
      const { values } = parseArgs({ args, options: { sub: { type: 'string' }, ttl: { type: 'string', default: '8h' } } });
      if (!values.sub) throw new Error('usage: token --sub <operator id> [--ttl 8h]');
      const jwtSecret = resolveJwtSecret(loadConfig());
      console.log(await mintOperatorToken(jwtSecret.secret, { sub: values.sub, ttlSeconds: parseTtl(values.ttl) }));
      // Which secret signed it, so a token the server refuses is explained (another data dir).
      console.error(jwtSecret.source === 'environment' ? 'signed with TENANTPULSE_JWT_SECRET' : `signed with the secret kept in ${jwtSecret.file}`);
    },
  },
};

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.error('usage: node src/cli.ts <command> [options]\n');
    for (const [key, { summary }] of Object.entries(commands)) console.error(`  ${key.padEnd(18)} ${summary}`);
    process.exitCode = 2;
    return;
  }
  await command.run(args);
}

// Exit explicitly, with the command's code, even if a library left a timer or socket open.
main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(describeFailure(explainConnectionError(error, process.env.DATABASE_URL ?? 'postgres://localhost')));
    process.exit(1);
  },
);
