// The embedded cluster's buffer pool: sized from the machine, within bounds (src/db/embedded.ts).
import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { sharedBuffersMb } from '../../src/db/embedded.ts';

it('gives the buffer pool a quarter of the memory, between 128 MB and 1 GB', () => {
  const gib = 2 ** 30;
  expect(sharedBuffersMb(24 * gib)).toBe(1024);
  expect(sharedBuffersMb(2 * gib)).toBe(512);
  expect(sharedBuffersMb(gib / 4)).toBe(128);
});

it.runIf(inject('postgres').kind === 'embedded')('starts the embedded cluster with that buffer pool', async () => {
  const client = new pg.Client({ connectionString: inject('postgres').adminUrl });
  await client.connect();
  const { rows: [row] } = await client.query<{ mb: number }>(
    `select (setting::bigint * 8192 / 1048576)::int as mb from pg_settings where name = 'shared_buffers'`).finally(() => client.end());
  expect(row!.mb).toBe(sharedBuffersMb());
});
