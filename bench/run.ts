// `npm run bench`: one throw-away embedded Postgres, migrated, seeded once, then every area's
// measurements side by side. BENCH_SCALE=0.01 for a smoke run. BENCH_DATABASE_URL names an
// existing database to use instead (migrated and topped up, never dropped; the bench prunes it and
// changes its telemetry settings, so never point it at data you keep): a seeded copy saves the
// seed's minutes when one measurement is repeated.
import os from 'node:os';
import pg from 'pg';
import { startScratchCluster, type EmbeddedCluster } from '../src/db/embedded.ts';
import { createPool } from '../src/db/pool.ts';
import { applyCurrentMigration, migrateDatabase } from '../src/db/migrations.ts';
import { benchGraphql } from './graphql.ts';
import { benchHealth } from './health.ts';
import { benchTelemetry } from './telemetry.ts';

export interface BenchContext {
  pool: pg.Pool;
  url: string;
  log: (line: string) => void;
}

const log = (line: string) => console.log(line);

async function createBenchDatabase(cluster: EmbeddedCluster): Promise<string> {
  const admin = new pg.Client({ connectionString: cluster.connectionString });
  await admin.connect();
  await admin.query('create database tenantpulse_bench');
  await admin.end();
  return cluster.urlFor('tenantpulse_bench');
}

async function main(): Promise<void> {
  const cluster = process.env.BENCH_DATABASE_URL ? undefined : await startScratchCluster();
  let pool: pg.Pool | undefined;
  // (the cluster is stopped whatever fails, a migration included: nothing else stops it)
  try {
    const url = cluster ? await createBenchDatabase(cluster) : process.env.BENCH_DATABASE_URL!;
    await migrateDatabase(url);
    await applyCurrentMigration(url);
    // (logs, rather than crashes on, a connection the cluster's shutdown ends while idle)
    pool = createPool(url, 12, log);
    const context: BenchContext = { pool, url, log };

    log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `Node ${process.version}, scale ${process.env.BENCH_SCALE ?? '1'}`);
    const results = {
      telemetry: await benchTelemetry(context),
      health: await benchHealth(context),
      graphql: await benchGraphql(context),
    };
    log('\nsummary (JSON):');
    log(JSON.stringify(results, null, 2));
  } finally {
    await pool?.end();
    await cluster?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
