// Schema migrations with graphile-migrate. Committed migrations are assembled from source files:
// `migrations/current.txt` lists, in order, the files of the next migration — table/grant drafts
// under migrations/draft/ and the idempotent definitions under sql/. Each file becomes a section
// headed `-- source: <path>`, so a committed migration reproduces sql/ verbatim and a test can
// prove the two agree.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commit, Logger, migrate, type Settings } from 'graphile-migrate';
// Not in graphile-migrate's public index, but a stable module of its dist since 1.0.
import { clearAllPools } from 'graphile-migrate/dist/pgReal.js';
import pg from 'pg';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const migrationsFolder = path.join(repoRoot, 'migrations');
const planFile = path.join(migrationsFolder, 'current.txt');
export const sourceMarker = '-- source: ';

type Log = (line: string) => void;

/** The plan after a commit: new files go between the two role steps. */
const emptyPlan = `# Files of the next migration, in order (see README "Migrations"). Each becomes a
# \`-- source: <path>\` section of the committed migration.
migrations/steps/begin_as_owner.sql
migrations/steps/end_as_owner.sql
`;

function settingsFor(connectionString: string, log: Log, extra: Partial<Settings> = {}): Settings {
  // graphile-migrate checks `instanceof` its own Logger class.
  const logger = new Logger(() => (level, message) => {
    if (level === 'error' || level === 'warning') log(`graphile-migrate ${level}: ${message}`);
    else if (!/^graphile-migrate: (Up to date|Running migration)/.test(message)) log(message);
  });
  // A CREATEROLE user that is not a superuser gets only ADMIN on the roles it creates (PostgreSQL
  // 16+); migration 000001 then needs to SET ROLE tp_owner. This makes CREATE ROLE grant the
  // creator SET and INHERIT too (superusers are unaffected).
  const pgSettings = { createrole_self_grant: 'set, inherit' };
  return { connectionString, migrationsFolder, logger, pgSettings, ...extra };
}

/**
 * Runs a graphile-migrate command, then ends the pool it keeps for 200 ms after each command:
 * that pool answers any lost connection with `process.exit(1)`, so a Postgres stopped within
 * those 200 ms (a server whose HTTP port is taken, a CLI closing its embedded cluster) would
 * kill our process halfway through its shutdown and orphan the postmaster.
 */
async function withMigrateTool(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } finally {
    clearAllPools();
  }
}

/** graphile-migrate only tries its advisory lock, and says this when another migration holds it. */
const lockBusy = 'Failed to get exclusive lock';
const lockWaitMs = 120_000;

/**
 * Brings the database to the latest committed migration; a no-op when it is already there. While
 * another process migrates the same database (a second instance starting, `npm run prune` beside
 * `npm start`), waits for it, then finds nothing left to do.
 */
export async function migrateDatabase(connectionString: string, log: Log = () => {}): Promise<void> {
  const deadline = Date.now() + lockWaitMs;
  for (let waited = false; ; waited = true) {
    try {
      await withMigrateTool(() => migrate(settingsFor(connectionString, log)));
      return;
    } catch (error) {
      if ((error as Error).message !== lockBusy) throw error;
      if (Date.now() > deadline) throw new Error(`another process has been migrating this database for over ${lockWaitMs / 1000} s`);
      if (!waited) log('another process is migrating this database: waiting for it');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** The source files of the next (uncommitted) migration, in order. */
export function currentPlan(): string[] {
  return readFileSync(planFile, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The body of the next migration: every planned file as a `-- source:` section. */
export function assembleCurrentMigration(): string {
  return currentPlan()
    .map((file) => `${sourceMarker}${file}\n${readFileSync(path.join(repoRoot, file), 'utf8').trim()}\n`)
    .join('\n');
}

/**
 * Applies the uncommitted migration on top of the committed ones, in one transaction, as
 * graphile-migrate's `watch --once` would (used by tests while an issue is in progress).
 */
export async function applyCurrentMigration(connectionString: string): Promise<void> {
  const body = assembleCurrentMigration();
  if (body.trim() === '') return;
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(body);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Commits the planned files as the next numbered migration (checked against a fresh shadow
 * database by graphile-migrate), then empties the plan.
 */
export async function commitCurrentMigration(
  cluster: { urlFor(database: string): string },
  message: string,
  log: Log,
): Promise<void> {
  const plan = currentPlan();
  const root = new pg.Client({ connectionString: cluster.urlFor('postgres') });
  await root.connect();
  await root.query('create database tp_commit').finally(() => root.end());
  writeFileSync(path.join(migrationsFolder, 'current.sql'), assembleCurrentMigration());
  await withMigrateTool(() =>
    commit(
      settingsFor(cluster.urlFor('tp_commit'), log, {
        shadowConnectionString: cluster.urlFor('tp_commit_shadow'),
        rootConnectionString: cluster.urlFor('postgres'),
      }),
      message,
    ),
  );
  writeFileSync(planFile, emptyPlan);
  rmSync(path.join(migrationsFolder, 'current.sql'), { force: true });
  // Drafts now live on in the committed migration; sql/ files stay the source of their logic.
  for (const file of plan.filter((file) => file.startsWith('migrations/draft/'))) {
    rmSync(path.join(repoRoot, file));
  }
}
