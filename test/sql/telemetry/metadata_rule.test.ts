// The recorder's fast metadata verdict (telemetry.event_catalog.metadata_rule, one SQL/JSON path
// per event) must say "safe" exactly when the key-by-key check (telemetry.metadata_violation)
// does, and must follow the rules when a migration changes them.
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { as, useTestDatabase } from '../../helpers/database.ts';

const db = useTestDatabase();

/** Values a metadata key may be given: right, wrong in every way the rules name, and odd JSON. */
const candidateValues: unknown[] = [
  '', 'a', 'tenant_dashboard', 'operation_run_viewer', 'entra_admin_roles', 'permission_posture', 'consent_granted',
  'tenant_bound', 'baseline_captured', 'inventory.sync', 'a.b.c', 'a_1.b_2', 'Inventory', 'inventory sync', '.a', 'a.',
  'a..b', '1a', 'a\nb', 'a\n', 'é', 'consent_granted ', 'a'.repeat(64), 'a'.repeat(65), 'é'.repeat(64), 'é'.repeat(65),
  `${'a'.repeat(63)}.`, 5, 0, true, false, null, ['consent_granted'], { checkpoint: 'consent_granted' }, [],
];

function* candidates(keys: string[]): Generator<Record<string, unknown>> {
  yield {};
  const allKeys = [...new Set([...keys, 'checkpoint', 'surface', 'operation_type', 'report_type', 'note'])];
  for (const key of allKeys) for (const value of candidateValues) yield { [key]: value };
  // Two keys: a right one beside each other key, right or wrong.
  for (const key of keys) for (const other of allKeys.filter((k) => k !== key)) {
    yield { [key]: 'consent_granted', [other]: 'tenant_dashboard' };
    yield { [key]: 'tenant_dashboard', [other]: 5 };
  }
  yield Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']));
}

/** Per event: how many candidates the path and the key-by-key check disagree on, and how many are safe. */
async function agreement(client: pg.PoolClient) {
  const { rows: events } = await client.query<{ event_name: string; keys: string[] }>(
    `select c.event_name, coalesce(array_agg(r.key) filter (where r.key is not null), '{}') as keys
       from telemetry.event_catalog c left join telemetry.event_metadata_rules r using (event_name)
      group by c.event_name order by c.event_name`);
  const cases = events.flatMap((event) => [...candidates(event.keys)].map((metadata) => ({ event_name: event.event_name, metadata })));
  const { rows } = await client.query<{ event_name: string; disagreements: unknown[]; safe: number; total: number }>(
    `select x.event_name,
            coalesce(jsonb_agg(x.metadata) filter (where x.fast is distinct from x.safe), '[]') as disagreements,
            count(*) filter (where x.safe)::int as safe, count(*)::int as total
       from (select i.event_name, i.metadata,
                    jsonb_typeof(i.metadata) = 'object' and octet_length(i.metadata::text) <= 1024
                      and jsonb_path_match(i.metadata, c.metadata_rule, silent => true) as fast,
                    telemetry.metadata_violation(i.event_name, i.metadata) is null as safe
               from jsonb_to_recordset($1::jsonb) as i (event_name text, metadata jsonb)
               join telemetry.event_catalog c using (event_name)) x
      group by x.event_name order by x.event_name`,
    [JSON.stringify(cases)]);
  return rows;
}

describe('telemetry.event_catalog.metadata_rule', () => {
  it('passes exactly the metadata the key-by-key check finds safe, for every event of the catalog', async () => {
    const rows = await as(db.pool, { role: 'tp_owner' }, agreement);
    expect(rows.map((row) => row.event_name)).toContain('onboarding.checkpoint_completed');
    for (const row of rows) {
      expect(row.disagreements, row.event_name).toEqual([]);
      expect(row.safe, `${row.event_name}: some candidates are safe, so the fast path is taken`).toBeGreaterThan(0);
      expect(row.safe, `${row.event_name}: some candidates are not`).toBeLessThan(row.total);
    }
  });

  it('is the compiled form of the current rules, and cannot be set to anything else', async () => {
    await as(db.pool, { role: 'tp_owner' }, async (client) => {
      const stale = `select event_name from telemetry.event_catalog
                      where metadata_rule::text is distinct from telemetry.compile_metadata_rule(event_name)::text`;
      expect((await client.query(stale)).rows).toEqual([]);
      await client.query(`update telemetry.event_catalog set metadata_rule = '$' where event_name = 'review_packs.generation_requested'`);
      expect((await client.query(stale)).rows).toEqual([]);
      const pass = await client.query(`select jsonb_path_match('{"surface": "x"}', metadata_rule) as ok
                                          from telemetry.event_catalog where event_name = 'review_packs.generation_requested'`);
      expect(pass.rows[0].ok).toBe(false);
    });
  });

  it('follows a rule a migration adds, changes or removes (long limits included)', async () => {
    await as(db.pool, { role: 'tp_owner' }, async (client) => {
      const event = 'review_packs.generation_requested';
      const verdict = async (metadata: Record<string, unknown>) => (await client.query(
        `select jsonb_path_match($2::jsonb, c.metadata_rule, silent => true) as fast,
                telemetry.metadata_violation($1, $2::jsonb) as problem
           from telemetry.event_catalog c where c.event_name = $1`, [event, JSON.stringify(metadata)])).rows[0];

      await client.query(`insert into telemetry.event_metadata_rules (event_name, key, pattern, max_length) values ($1, 'note', '^[a-z]+$', 300)`, [event]);
      expect(await verdict({ note: 'a'.repeat(300) })).toEqual({ fast: true, problem: null });
      expect(await verdict({ note: 'a'.repeat(301) })).toEqual({ fast: false, problem: 'key "note" is longer than 300 characters' });
      expect((await verdict({ note: 'A' })).fast).toBe(false);

      await client.query(`update telemetry.event_metadata_rules set required = true, max_length = 255 where event_name = $1`, [event]);
      expect(await verdict({})).toEqual({ fast: false, problem: `key "note" is required for ${event}` });
      expect(await verdict({ note: 'a'.repeat(255) })).toEqual({ fast: true, problem: null });
      expect((await verdict({ note: 'a'.repeat(256) })).fast).toBe(false);

      await client.query(`delete from telemetry.event_metadata_rules where event_name = $1`, [event]);
      expect(await verdict({})).toEqual({ fast: true, problem: null });
      expect((await verdict({ note: 'a' })).fast).toBe(false);
    });
  });
});
