// Operator and developer commands: `node src/cli.ts <command>` (see `npm run` in README).
import { parseArgs } from 'node:util';
import { loadConfig } from './config.ts';
import { explainConnectionError } from './db/connection.ts';
import { withDatabase } from './db/database.ts';
import { commitCurrentMigration, migrateDatabase } from './db/migrations.ts';
import { startScratchCluster } from './db/embedded.ts';

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

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`tenantpulse: ${explainConnectionError(error, process.env.DATABASE_URL ?? 'postgres://localhost').message}`);
  process.exitCode = 1;
});
