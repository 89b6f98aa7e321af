// What the owner may do to the ledger directly, and how the counts follow (SPEC §3.1: "a row
// written by the owner directly is counted like any other"): rows of any day, a TRUNCATE, the
// deletion of a workspace or tenant, and the de-duplication keys of such rows.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { repoRoot, sourceMarker } from '../../../src/db/migrations.ts';
import { as, rejectionWithin, useTestDatabase } from '../../helpers/database.ts';
import { asOperator, createWorld, rollupMatchesLedger, withoutPartitionsOf, type World } from './fixtures.ts';

const db = useTestDatabase();

/** A diagnostics event the owner writes directly, `ago` before now(); returns its id. */
async function writeDirectly(c: pg.PoolClient, w: World, ago: string): Promise<string> {
  const { rows } = await c.query<{ id: string }>(
    `insert into telemetry.product_usage_events (workspace_id, event_name, tenant_id, actor_id, subject_type, subject_id, occurred_at)
     values ($1, 'support.diagnostics_opened', $2, $3, 'tenant', $2, now() - $4::interval) returning id`,
    [w.workspaceId, w.tenantId, w.userId, ago]);
  return rows[0]!.id;
}

/** The partition holding a ledger row (read through the parent). */
async function partitionOf(c: pg.PoolClient, id: string): Promise<string> {
  return (await c.query<{ p: string }>(`select tableoid::regclass::text as p from telemetry.product_usage_events where id = $1`, [id])).rows[0]!.p;
}

async function summary(c: pg.PoolClient, window: string) {
  return asOperator(c, async () => {
    const { rows: [row] } = await c.query(`select active_workspaces, total_events::int from system_api.usage_summary($1)`, [window]);
    const { rows: families } = await c.query(`select event_name, event_count::int from system_api.usage_families($1) where event_count > 0`, [window]);
    return { ...row, families };
  });
}

describe('rows the owner writes directly', () => {
  it('may fall on a day without partitions: counted like any other, and moved into the day\'s partition once it has one', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c);
      const day = await withoutPartitionsOf(c, '3 days');
      const id = await writeDirectly(c, w, '3 days');
      expect(await partitionOf(c, id)).toBe('telemetry.product_usage_events_default');
      expect(await summary(c, 'last_7_days')).toEqual({
        active_workspaces: 1, total_events: 1, families: [{ event_name: 'support.diagnostics_opened', event_count: 1 }],
      });
      await rollupMatchesLedger(c);

      // The recorder records on that day too (into the default partition: it creates no tables);
      // once the day gets its partitions, both rows move in.
      const { rows: [{ recorded }] } = await c.query(
        `select telemetry.record_event('support.diagnostics_opened', $1, $2, $3, 'tenant', $2, '{}', now() - interval '3 days' + interval '1 minute') as recorded`,
        [w.workspaceId, w.tenantId, w.userId]);
      expect(await partitionOf(c, recorded)).toBe('telemetry.product_usage_events_default');
      await c.query(`select telemetry.ensure_partitions(now() - interval '3 days', now() - interval '3 days')`);
      expect([await partitionOf(c, id), await partitionOf(c, recorded)]).toEqual(Array(2).fill(`telemetry.product_usage_events_p${day}_rows`));
      expect((await summary(c, 'last_7_days')).total_events).toBe(2);
      await rollupMatchesLedger(c);
      const { rows: [{ left }] } = await c.query(
        `select (select count(*) from telemetry.product_usage_events where tableoid = 'telemetry.product_usage_events_default'::regclass)
              + (select count(*) from telemetry.usage_daily_rollup where tableoid = 'telemetry.usage_daily_rollup_default'::regclass) as left`);
      expect(Number(left)).toBe(0);
    }));

  it('older than retention, on days without partitions, are removed by the prune (to the second), rollups and all', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c);
      const expired = ['100 days', '91 days', '90 days 1 second'];
      const kept = ['90 days', '89 days', '1 hour'];
      for (const ago of [...expired, ...kept]) await withoutPartitionsOf(c, ago);
      for (const ago of expired) await writeDirectly(c, w, ago);
      const keptIds: string[] = [];
      for (const ago of kept) keptIds.push(await writeDirectly(c, w, ago));
      await c.query(`select set_config('role', 'tp_worker', true)`);
      expect((await c.query('select telemetry.prune_events() as n')).rows[0].n).toBe(String(expired.length));
      await c.query(`select set_config('role', 'tp_owner', true)`);
      const { rows } = await c.query(`select id from telemetry.product_usage_events where workspace_id = $1 order by occurred_at`, [w.workspaceId]);
      expect(rows.map((r) => r.id)).toEqual(keptIds);
      expect((await c.query(`select count(*)::int as n from telemetry.usage_daily_rollup where bucket_start < now() - interval '91 days'`)).rows[0].n).toBe(0);
      expect((await c.query(`select count(*)::int as n from telemetry.usage_hourly_event_rollup where bucket_start < now() - interval '91 days'`)).rows[0].n).toBe(0);
      await rollupMatchesLedger(c);
    }));

  it('must name a tenant of their workspace, on insert and on update (23503, as a foreign key would say)', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const a = await createWorld(c);
      const b = await createWorld(c);
      const id = await writeDirectly(c, a, '1 hour');
      const refused = async (sql: string, params: unknown[]) => {
        const { code, message, detail } = await rejectionWithin(c, sql, params);
        return { code, message, detail };
      };
      const insert = `insert into telemetry.product_usage_events (workspace_id, event_name, tenant_id, actor_id, subject_type, subject_id, occurred_at)
                      values ($1, 'support.diagnostics_opened', $2, $3, 'tenant', $2, now())`;
      const notATenant = (tenant: string, workspace: string) => ({
        code: '23503', message: 'the event\'s tenant is not a tenant of its workspace',
        detail: `tenant_id ${tenant} is not a tenant of workspace_id ${workspace}`,
      });
      // another workspace's tenant, an unknown tenant, an unknown workspace
      expect(await refused(insert, [a.workspaceId, b.tenantId, a.userId])).toEqual(notATenant(b.tenantId, a.workspaceId));
      const unknown = '00000000-0000-4000-8000-00000000dead';
      expect(await refused(insert, [a.workspaceId, unknown, a.userId])).toEqual(notATenant(unknown, a.workspaceId));
      expect(await refused(insert, [unknown, a.tenantId, a.userId])).toEqual(notATenant(a.tenantId, unknown));
      // moving a row to another workspace's tenant, or to another workspace
      expect(await refused(`update telemetry.product_usage_events set tenant_id = $2 where id = $1`, [id, b.tenantId]))
        .toEqual(notATenant(b.tenantId, a.workspaceId));
      expect(await refused(`update telemetry.product_usage_events set workspace_id = $2 where id = $1`, [id, b.workspaceId]))
        .toEqual(notATenant(a.tenantId, b.workspaceId));
      // moving it to both together is a row of the other workspace's tenant, counted there
      await c.query(`update telemetry.product_usage_events set workspace_id = $2, tenant_id = $3 where id = $1`, [id, b.workspaceId, b.tenantId]);
      expect((await c.query(`select workspace_id from telemetry.product_usage_events`)).rows).toEqual([{ workspace_id: b.workspaceId }]);
      expect(await summary(c, 'last_24_hours')).toMatchObject({ active_workspaces: 1, total_events: 1 });
      await rollupMatchesLedger(c);
    }));

  it('TRUNCATE of the ledger empties the rollups and the de-duplication keys with it', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c);
      await writeDirectly(c, w, '1 hour');
      await c.query(
        `select telemetry.record_event('review_packs.generation_requested', $1, $2, $3, 'review_pack', gen_random_uuid())`,
        [w.workspaceId, w.tenantId, w.userId]);
      expect((await summary(c, 'last_24_hours')).total_events).toBe(2);
      await c.query('truncate telemetry.product_usage_events');
      expect(await summary(c, 'last_24_hours')).toEqual({ active_workspaces: 0, total_events: 0, families: [] });
      const { rows: [counts] } = await c.query(
        `select (select count(*)::int from telemetry.usage_daily_rollup) as daily, (select count(*)::int from telemetry.usage_daily_workspace_rollup) as workspaces,
                (select count(*)::int from telemetry.usage_hourly_event_rollup) as hourly, (select count(*)::int from telemetry.event_dedup_keys) as keys`);
      expect(counts).toEqual({ daily: 0, workspaces: 0, hourly: 0, keys: 0 });
    }));
});

describe('de-duplication of rows the owner writes directly', () => {
  const checkpoint = `select telemetry.record_event('onboarding.checkpoint_completed', $1, $2, $3, 'onboarding_session', $4, $5::jsonb, now() - $6::interval) as id`;
  /** Records a consent_granted checkpoint of `session` (or another checkpoint), `ago` before now(). */
  const record = async (c: pg.PoolClient, w: World, session: string, ago = '0', metadata = '{"checkpoint":"consent_granted"}') =>
    (await c.query<{ id: string }>(checkpoint, [w.workspaceId, w.tenantId, w.userId, session, metadata, ago])).rows[0]!.id;
  const insertDirectly = async (c: pg.PoolClient, w: World, session: string, ago: string) =>
    (await c.query<{ id: string }>(
      `insert into telemetry.product_usage_events (workspace_id, event_name, tenant_id, actor_id, subject_type, subject_id, metadata, occurred_at)
       values ($1, 'onboarding.checkpoint_completed', $2, $3, 'onboarding_session', $4, '{"checkpoint":"consent_granted"}', now() - $5::interval) returning id`,
      [w.workspaceId, w.tenantId, w.userId, session, ago])).rows[0]!.id;
  const ids = async (c: pg.PoolClient, w: World) =>
    (await c.query<{ id: string }>(`select id from telemetry.product_usage_events where workspace_id = $1 order by occurred_at, id`, [w.workspaceId])).rows.map((r) => r.id);

  it('a milestone the owner inserts is the first: the recorder\'s retry returns its id', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c);
      const session = '55555555-5555-4555-8555-555555555555';
      const direct = await insertDirectly(c, w, session, '10 days');
      expect(await record(c, w, session)).toBe(direct);
      // a second row the owner inserts is counted, and the key stays with the first
      const second = await insertDirectly(c, w, session, '1 day');
      expect(await ids(c, w)).toEqual([direct, second]);
      expect(await record(c, w, session)).toBe(direct);
      // diagnostics opens have no key, whoever writes them
      await writeDirectly(c, w, '1 hour');
      expect((await c.query(`select count(*)::int as n from telemetry.event_dedup_keys where event_name = 'support.diagnostics_opened'`)).rows[0].n).toBe(0);
    }));

  it('an event moved to another time keeps its key, in the transaction that recorded it too', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c);
      const session = '66666666-6666-4666-8666-666666666666';
      const first = await record(c, w, session);
      // to another day (another partition), then by a second within it
      await c.query(`update telemetry.product_usage_events set occurred_at = now() - interval '40 days' where id = $1`, [first]);
      expect(await record(c, w, session)).toBe(first);
      await c.query(`update telemetry.product_usage_events set occurred_at = occurred_at + interval '1 second' where id = $1`, [first]);
      expect(await record(c, w, session)).toBe(first);
      expect(await ids(c, w)).toEqual([first]);
    }));

  it('an event moved to another milestone gives up the old one\'s key and takes the new one\'s', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c);
      const session = '77777777-7777-4777-8777-777777777777';
      const first = await record(c, w, session);
      await c.query(`update telemetry.product_usage_events set metadata = '{"checkpoint":"tenant_bound"}' where id = $1`, [first]);
      expect(await record(c, w, session, '0', '{"checkpoint":"tenant_bound"}')).toBe(first);
      const anew = await record(c, w, session);
      expect(anew).not.toBe(first);
      expect((await ids(c, w)).sort()).toEqual([first, anew].sort());
    }));

  it('rows written directly before migration 000028 were keyed by it: the earliest row of each milestone', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const file = readdirSync(path.join(repoRoot, 'migrations/committed')).find((name) => name.startsWith('000028-'))!;
      const backfill = readFileSync(path.join(repoRoot, 'migrations/committed', file), 'utf8')
        .split(`${sourceMarker}migrations/draft/dedup_keys_for_direct_rows.sql\n`)[1]!.split(sourceMarker)[0]!;
      const w = await createWorld(c);
      const session = '99999999-9999-4999-8999-999999999999';
      // rows as they were written before the trigger existed: without keys
      await c.query('alter table telemetry.product_usage_events disable trigger keep_dedup_key');
      const later = await insertDirectly(c, w, session, '2 days');
      const earliest = await insertDirectly(c, w, session, '10 days');
      await writeDirectly(c, w, '1 hour');
      await c.query('alter table telemetry.product_usage_events enable trigger keep_dedup_key');
      const keys = async () => (await c.query(`select event_name, event_id from telemetry.event_dedup_keys where workspace_id = $1`, [w.workspaceId])).rows;
      expect(await keys()).toEqual([]);
      await c.query(backfill);
      expect(await keys()).toEqual([{ event_name: 'onboarding.checkpoint_completed', event_id: earliest }]);
      expect(await record(c, w, session)).toBe(earliest);
      expect(await ids(c, w), 'the retry stored nothing').toHaveLength(3);
      expect(await ids(c, w)).toContain(later);
    }));

  it('a milestone whose first event was deleted is taken over by the next row the owner inserts', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c);
      const session = '88888888-8888-4888-8888-888888888888';
      const first = await record(c, w, session, '2 days');
      await c.query(`delete from telemetry.product_usage_events where id = $1`, [first]);
      const direct = await insertDirectly(c, w, session, '1 day');
      expect(await record(c, w, session)).toBe(direct);
      expect(await ids(c, w)).toEqual([direct]);
    }));
});

describe('a deleted workspace or tenant', () => {
  it('takes its events with it: the summary counts them nowhere', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const kept = await createWorld(c);
      const gone = await createWorld(c, { tenants: 2 });
      for (const w of [kept, gone, { ...gone, tenantId: gone.tenantIds[1]! }]) await writeDirectly(c, w, '1 hour');
      expect(await summary(c, 'last_24_hours')).toMatchObject({ active_workspaces: 2, total_events: 3 });

      await c.query('delete from platform.tenants where id = $1', [gone.tenantIds[1]]);
      expect(await summary(c, 'last_24_hours')).toMatchObject({ active_workspaces: 2, total_events: 2 });
      await c.query('delete from platform.workspaces where id = $1', [gone.workspaceId]);
      expect(await summary(c, 'last_24_hours')).toMatchObject({ active_workspaces: 1, total_events: 1 });
      const { rows } = await c.query(`select workspace_id from telemetry.product_usage_events`);
      expect(rows).toEqual([{ workspace_id: kept.workspaceId }]);
      await rollupMatchesLedger(c);
    }));

  it('takes its counts with it even when the deleting admin asks for a prune\'s batched delete', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c, { tenants: 2 });
      await writeDirectly(c, { ...w, tenantId: w.tenantIds[1]! }, '1 hour');
      await c.query(`select set_config('role', 'tp_admin_plane', true), set_config('tenantpulse.workspace_id', $1, true)`, [w.workspaceId]);
      // (a custom setting any session may set; it makes the ledger's delete trigger skip the rollups)
      await c.query(`select set_config('tenantpulse.rollup_batched_delete', 'on', true)`);
      await c.query('delete from platform.tenants where id = $1', [w.tenantIds[1]]);
      await c.query(`select set_config('role', 'tp_owner', true)`);
      expect(await summary(c, 'last_24_hours')).toMatchObject({ total_events: 0 });
      await rollupMatchesLedger(c);
    }));
});
