// Once per `npm test`: pick the Postgres server, migrate a template database, and hand its name
// to the test files, which each clone their own database from it (test/helpers/database.ts).
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { applyCurrentMigration, migrateDatabase } from '../../src/db/migrations.ts';
import { startPostgresServer } from './postgres-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: { adminUrl: string; templateUrl: string; template: string; runId: string; kind: string };
  }
}

export default async function setup(project: TestProject) {
  const server = await startPostgresServer();
  const runId = String(process.pid);
  const template = `tp_template_${runId}`;
  const admin = new pg.Client({ connectionString: server.urlFor('postgres') });
  const templateUrl = server.urlFor(template);
  try {
    await admin.connect();
    await admin.query(`drop database if exists ${template}`);
    await admin.query(`create database ${template}`);
    await migrateDatabase(templateUrl, (line) => console.log(line));
    await applyCurrentMigration(templateUrl);
  } catch (error) {
    // (a migration that fails, say an edited committed one, must not leave the server running)
    await admin.end().catch(() => {});
    await server.stop();
    throw error;
  }
  console.log(`tests run on ${server.kind} Postgres (template ${template})`);

  project.provide('postgres', { adminUrl: server.urlFor('postgres'), templateUrl, template, runId, kind: server.kind });

  return async () => {
    const leftovers = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname like 'tp\\_test\\_${runId}\\_%' or datname = $1`,
      [template],
    );
    for (const { datname } of leftovers.rows) await admin.query(`drop database if exists ${datname} with (force)`);
    await admin.end();
    await server.stop();
  };
}
