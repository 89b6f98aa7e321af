// `npm run migrate` and the way committed migrations reproduce the sql/ definitions.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startScratchCluster } from '../../src/db/embedded.ts';
import { currentPlan, repoRoot, sourceMarker } from '../../src/db/migrations.ts';
import { createTestDatabase, rejection } from '../helpers/database.ts';

const run = promisify(execFile);

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.sql'))
    .map((entry) => path.relative(repoRoot, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** The latest committed text of each source file, from the `-- source:` sections. */
function committedSources(): Map<string, string> {
  const latest = new Map<string, string>();
  for (const file of filesUnder('migrations/committed')) {
    const body = readFileSync(path.join(repoRoot, file), 'utf8');
    for (const section of body.split(new RegExp(`^(?=${sourceMarker})`, 'm')).slice(1)) {
      const [header, ...rest] = section.split('\n');
      latest.set(header!.slice(sourceMarker.length).trim(), rest.join('\n').trim());
    }
  }
  return latest;
}

describe('sql/ definitions', () => {
  it('are each reproduced verbatim by the latest migration that includes them, or planned for the next', () => {
    const committed = committedSources();
    const planned = new Set(currentPlan());
    const stale = filesUnder('sql').filter((file) => {
      if (planned.has(file)) return false;
      return committed.get(file) !== readFileSync(path.join(repoRoot, file), 'utf8').trim();
    });
    expect(stale, 'edit sql/ files through a new migration: list them in migrations/current.txt').toEqual([]);
  });

  it('plans only files that exist', () => {
    for (const file of currentPlan()) expect(() => readFileSync(path.join(repoRoot, file)), file).not.toThrow();
  });
});

/** The URL of a database of a scratch cluster, logged in as another user. */
function urlAs(cluster: { urlFor(database: string): string }, database: string, user: string, password: string): string {
  const url = new URL(cluster.urlFor(database));
  [url.username, url.password] = [user, password];
  return url.toString();
}

describe('npm run migrate', () => {
  const databases: Array<{ drop(): Promise<void> }> = [];
  afterAll(async () => { for (const database of databases) await database.drop(); });
  const emptyDatabase = async () => {
    const database = await createTestDatabase({ empty: true });
    databases.push(database);
    return database.url;
  };
  /** `npm run migrate`'s command, as a process, against `url`. */
  const migrate = (url: string) => run(process.execPath, [path.join(repoRoot, 'src/cli.ts'), 'migrate'], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: url },
  });

  it('brings an empty database of a cluster whose roles exist to the schema; a second run is a no-op', async () => {
    const url = await emptyDatabase();
    const snapshot = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query<Record<string, unknown>>(
        `select (select count(*) from graphile_migrate.migrations)::int as migrations,
                (select string_agg(c.oid::regclass::text || ':' || c.relkind::text, ',' order by 1)
                   from pg_class c join pg_namespace n on n.oid = c.relnamespace
                  where n.nspname in ('platform', 'telemetry', 'health', 'system_api')) as objects`)
        .finally(() => client.end());
      return rows[0]!;
    };

    const first = await migrate(url);
    expect(first.stdout).toContain('database is at the current schema');
    const afterFirst = await snapshot();
    expect(afterFirst.migrations).toBe(filesUnder('migrations/committed').length);
    expect(afterFirst.objects).toContain('platform.workspaces:r');

    const second = await migrate(url);
    expect(second.stdout).not.toMatch(/executed/);
    expect(await snapshot()).toEqual(afterFirst);
  });

  it('waits while another process migrates the same database (its advisory lock), then migrates', async () => {
    const url = await emptyDatabase();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query(`select pg_advisory_lock(4727445306447283)`); // graphile-migrate's lock
      const migrating = migrate(url);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await holder.query(`select pg_advisory_unlock(4727445306447283)`);
      const { stdout } = await migrating;
      expect(stdout).toContain('another process is migrating this database: waiting for it');
      expect(stdout).toContain('database is at the current schema');
    } finally {
      await holder.end();
    }
  });

  it('creates the roles as a user with CREATEROLE only (not a superuser), then migrates; a second run is a no-op', async () => {
    // Roles are cluster-wide: a cluster of its own, where none of ours exists yet.
    const cluster = await startScratchCluster();
    const admin = new pg.Client({ connectionString: cluster.connectionString });
    try {
      await admin.connect();
      await admin.query(`create role deployer login createrole password 'deployer'`);
      await admin.query(`create database tp owner deployer`);
      const url = urlAs(cluster, 'tp', 'deployer', 'deployer');
      expect((await migrate(url)).stdout).toContain('database is at the current schema');
      expect((await migrate(url)).stdout).not.toMatch(/executed/);
      const { rows } = await admin.query<{ rolname: string; rolsuper: boolean }>(
        `select rolname, rolsuper from pg_roles where rolname like 'tp\\_%' order by 1`);
      expect(rows).toEqual(['tp_admin_plane', 'tp_authenticator', 'tp_dba_reader', 'tp_owner', 'tp_system_operator', 'tp_worker']
        .map((rolname) => ({ rolname, rolsuper: false })));
    } finally {
      await admin.end();
      await cluster.stop();
    }
  });

  it('brings roles someone else created with plain CREATE ROLE to SPEC §1, or refuses and says what a superuser runs', async () => {
    const cluster = await startScratchCluster();
    const admin = new pg.Client({ connectionString: cluster.connectionString });
    const loginAs = (user: string, password: string) => urlAs(cluster, 'tp', user, password);
    try {
      await admin.connect();
      // INHERIT is CREATE ROLE's default: tp_authenticator would read as the operator without switching.
      await admin.query(`create role tp_owner bypassrls; create role tp_admin_plane login; create role tp_system_operator;
                         create role tp_dba_reader createdb; create role tp_worker; create role tp_authenticator login password 'authenticator';
                         grant tp_system_operator to tp_authenticator;
                         create role deployer login createrole password 'deployer'; grant tp_owner, tp_worker to deployer`);
      await admin.query(`create database tp owner deployer`);

      // A CREATEROLE user may not change roles it did not create: nothing about them changes.
      const refused = await migrate(loginAs('deployer', 'deployer')).then(() => null, (error: { stderr: string }) => error.stderr);
      expect(refused).toContain('role tp_owner must be nobypassrls; role tp_dba_reader must be nocreatedb; role tp_authenticator must be noinherit; ' +
        'tp_authenticator must not inherit tp_system_operator, and deployer may not change it');
      expect(refused).toContain('HINT: a superuser runs: alter role tp_owner nobypassrls; alter role tp_dba_reader nocreatedb; ' +
        'alter role tp_authenticator noinherit; grant tp_system_operator to tp_authenticator with inherit false granted by postgres; then migrate again');
      const attributes = `select rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication, rolcanlogin, rolinherit,
                                 (select array_agg(m.inherit_option) from pg_auth_members m where m.member = r.oid) as inherits
                            from pg_roles r where rolname like 'tp\\_%' order by 1`;
      expect((await admin.query(attributes)).rows.find((role) => role.rolname === 'tp_owner').rolbypassrls).toBe(true);

      // A superuser's migration takes the attributes SPEC §1 does not give, and changes nothing else
      // (tp_admin_plane stays the login someone made it; INHERIT matters only for tp_authenticator).
      // (two databases at once, as a cluster's several databases may: both succeed)
      await admin.query(`create database tp_other`);
      const both = await Promise.all([migrate(cluster.urlFor('tp')), migrate(cluster.urlFor('tp_other'))]);
      for (const { stdout } of both) expect(stdout).toContain('database is at the current schema');
      const none = { rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, rolreplication: false };
      expect((await admin.query(attributes)).rows).toEqual([
        { rolname: 'tp_admin_plane', ...none, rolcanlogin: true, rolinherit: true, inherits: null },
        { rolname: 'tp_authenticator', ...none, rolcanlogin: true, rolinherit: false, inherits: [false] },
        { rolname: 'tp_dba_reader', ...none, rolcanlogin: false, rolinherit: true, inherits: null },
        { rolname: 'tp_owner', ...none, rolcanlogin: false, rolinherit: true, inherits: null },
        { rolname: 'tp_system_operator', ...none, rolcanlogin: false, rolinherit: true, inherits: null },
        { rolname: 'tp_worker', ...none, rolcanlogin: false, rolinherit: true, inherits: null },
      ]);
      const authenticator = new pg.Client({ connectionString: loginAs('tp_authenticator', 'authenticator') });
      await authenticator.connect();
      try {
        expect((await rejection(authenticator.query(`select from platform.workspaces`))).code).toBe('42501');
        await authenticator.query(`set role tp_system_operator`);
        expect((await authenticator.query(`select from platform.workspaces`)).rows).toEqual([]);
      } finally {
        await authenticator.end();
      }
    } finally {
      await admin.end();
      await cluster.stop();
    }
  });

  it('leaves its process alive when Postgres drops the connections right after migrating', async () => {
    // graphile-migrate keeps a pool for 200 ms after each command and exits the process with 1
    // when one of its connections is lost: a server stopping its embedded cluster at once (HTTP
    // port taken) died halfway through its shutdown and left the postmaster running.
    const url = await emptyDatabase();
    const database = new URL(url).pathname.slice(1);
    const script = `
      const { migrateDatabase } = await import(${JSON.stringify(path.join(repoRoot, 'src/db/migrations.ts'))});
      const pg = (await import('pg')).default;
      await migrateDatabase(${JSON.stringify(url)});
      const admin = new pg.Client({ connectionString: ${JSON.stringify(inject('postgres').adminUrl)} });
      await admin.connect();
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [${JSON.stringify(database)}]);
      await admin.end();
      await new Promise((resolve) => setTimeout(resolve, 500));
      console.log('still alive');`;
    const child = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot });
    expect(child.stdout).toContain('still alive');
  });
});
