// `npm run migrate` and the way committed migrations reproduce the sql/ definitions.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { urlWithDatabase } from '../../src/db/connection.ts';
import { currentPlan, repoRoot, sourceMarker } from '../../src/db/migrations.ts';

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

describe('npm run migrate', () => {
  const databases: Array<{ drop(): Promise<void> }> = [];
  afterAll(async () => { for (const database of databases) await database.drop(); });

  it('brings an empty database of a cluster whose roles exist to the schema; a second run is a no-op', async () => {
    // An empty database of the same cluster (the roles exist already: creation is idempotent).
    const admin = new pg.Client({ connectionString: inject('postgres').adminUrl });
    await admin.connect();
    const name = `tp_test_${inject('postgres').runId}_migrate`;
    await admin.query(`drop database if exists ${name}`);
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = urlWithDatabase(inject('postgres').adminUrl, name);
    databases.push({ drop: async () => {
      const c = new pg.Client({ connectionString: inject('postgres').adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    } });

    const migrate = () => run(process.execPath, [path.join(repoRoot, 'src/cli.ts'), 'migrate'], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: url },
    });
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

    const first = await migrate();
    expect(first.stdout).toContain('database is at the current schema');
    const afterFirst = await snapshot();
    expect(afterFirst.migrations).toBe(filesUnder('migrations/committed').length);
    expect(afterFirst.objects).toContain('platform.workspaces:r');

    const second = await migrate();
    expect(second.stdout).not.toMatch(/executed/);
    expect(await snapshot()).toEqual(afterFirst);
  });
});
