// The usage summary (SPEC §3.5): windows are (now() - length, now()] to the second, archived
// workspaces and tenants count nowhere, zero counts are included; event_counts is exact over any
// interval, whole rollup days and raw edges alike. Each test runs in one rolled-back transaction,
// so now() is pinned and the database stays empty between tests.
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { as, useTestDatabase } from '../../helpers/database.ts';
import { asOperator, createWorld } from './fixtures.ts';

const db = useTestDatabase();
const catalog = ['onboarding.checkpoint_completed', 'support.diagnostics_opened', 'operations.run_started', 'reports.stored_report_created', 'review_packs.generation_requested'];

/** Diagnostics opens (never de-duplicated) at the given offsets from now(), through the recorder. */
async function openDiagnostics(c: pg.PoolClient, w: { workspaceId: string; tenantId: string; userId: string }, offsets: string[]) {
  for (const offset of offsets) {
    await c.query(`select telemetry.record_event('support.diagnostics_opened', $1, $2, $3, 'tenant', $2, '{}', now() + $4::interval)`,
      [w.workspaceId, w.tenantId, w.userId, offset]);
  }
}

async function summary(c: pg.PoolClient, window: string) {
  return asOperator(c, async () => (await c.query(`select * from system_api.usage_summary($1)`, [window])).rows[0]);
}
async function families(c: pg.PoolClient, window: string) {
  return asOperator(c, async () => (await c.query(`select * from system_api.usage_families($1)`, [window])).rows);
}

describe('usage summary', () => {
  it('returns every catalog event in catalog order with zero counts, and a zero summary, when nothing happened', async () => {
    await as(db.pool, { role: 'tp_owner' }, async (c) => {
      for (const window of ['last_hour', 'last_24_hours', 'last_7_days', 'last_30_days']) {
        expect(await families(c, window)).toEqual(catalog.map((event_name, i) => expect.objectContaining({ event_name, event_count: 0, label: [
          'Onboarding checkpoints completed', 'Support diagnostics opened', 'Operations started', 'Reports created', 'Review packs requested'][i] })));
        const { rows: [now] } = await c.query('select now() as now');
        expect(await summary(c, window)).toEqual({ window_start: expect.any(Date), window_end: now.now, active_workspaces: 0, total_workspaces: 0, participation_rate: 0, total_events: 0 });
      }
    });
  });

  it.each([
    ['last_hour', '1 hour'],
    ['last_24_hours', '24 hours'],
    ['last_7_days', '7 days'],
    ['last_30_days', '30 days'],
  ])('counts %s as (now() - %s, now()] to the second', async (window, length) => {
    await as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c);
      const idle = await createWorld(c);
      void idle;
      const atNow = await createWorld(c); // active by its one event, at now() exactly
      // outside: exactly at the start, and one second after now(); inside: one second after the start, and now()
      await openDiagnostics(c, w, [`-${length}`, `-${length} -1 second`, '1 second', `-${length} +1 second`, '0']);
      await openDiagnostics(c, atNow, ['0']);
      const s = await summary(c, window);
      const { rows: [bounds] } = await c.query(`select now() - $1::interval as start, now() as end`, [length]);
      expect(s).toEqual({ window_start: bounds.start, window_end: bounds.end, active_workspaces: 2, total_workspaces: 3, participation_rate: 2 / 3, total_events: 3 });
      expect((await families(c, window)).find((f) => f.event_name === 'support.diagnostics_opened').event_count).toBe(3);
    });
  });

  it('counts archived workspaces and archived tenants nowhere', async () => {
    await as(db.pool, { role: 'tp_owner' }, async (c) => {
      const live = await createWorld(c, { tenants: 2 });
      const gone = await createWorld(c);
      const onlyArchivedTenant = await createWorld(c);
      await openDiagnostics(c, { ...live, tenantId: live.tenantIds[0]! }, ['-1 minute']);
      await openDiagnostics(c, { ...live, tenantId: live.tenantIds[1]! }, ['-1 minute', '-2 minutes']);
      await openDiagnostics(c, gone, ['-1 minute']);
      await openDiagnostics(c, onlyArchivedTenant, ['-1 minute']);
      expect(await summary(c, 'last_hour')).toMatchObject({ active_workspaces: 3, total_workspaces: 3, total_events: 5 });
      await c.query('update platform.tenants set archived_at = now() where id = any($1)', [[live.tenantIds[1], onlyArchivedTenant.tenantId]]);
      await c.query('update platform.workspaces set archived_at = now() where id = $1', [gone.workspaceId]);
      expect(await summary(c, 'last_hour')).toMatchObject({ active_workspaces: 1, total_workspaces: 2, participation_rate: 0.5, total_events: 1 });
      expect((await families(c, 'last_hour')).map((f) => f.event_count)).toEqual([0, 1, 0, 0, 0]);
    });
  });
});

describe('usage summary on many days of data', () => {
  it.each(['last_hour', 'last_24_hours', 'last_7_days', 'last_30_days'])('equals a naive count of the raw rows for %s (rollups, raw edges, archived exclusions)', async (window) => {
    await as(db.pool, { role: 'tp_owner' }, async (c) => {
      const worlds = [await createWorld(c, { tenants: 3 }), await createWorld(c, { tenants: 2 }), await createWorld(c), await createWorld(c, { tenants: 2 }), await createWorld(c)];
      await c.query(`select telemetry.ensure_partitions(now() - interval '45 days', now() + interval '1 day')`);
      const tenants = worlds.flatMap((w) => w.tenantIds.map((t) => [w.workspaceId, t]));
      await c.query(
        `insert into telemetry.product_usage_events (workspace_id, event_name, tenant_id, actor_id, subject_type, subject_id, occurred_at)
         select (p ->> 0)::uuid, (array['onboarding.checkpoint_completed', 'support.diagnostics_opened', 'operations.run_started',
                                        'reports.stored_report_created', 'review_packs.generation_requested'])[1 + (i % 5)],
                (p ->> 1)::uuid, $2, 'tenant', gen_random_uuid(), now() - (i * interval '17 minutes 31 seconds')
           from jsonb_array_elements($1::jsonb) with ordinality as x(p, k), generate_series(0, 3000) as i
          where (i + k) % (k + 1) = 0`,
        [JSON.stringify(tenants), worlds[0]!.userId]);
      // archived: one tenant of the first workspace, every tenant of the second (its workspace
      // stays active), and the whole third workspace
      await c.query('update platform.tenants set archived_at = now() where id = any($1)', [[worlds[0]!.tenantIds[1], ...worlds[1]!.tenantIds]]);
      await c.query('update platform.workspaces set archived_at = now() where id = $1', [worlds[2]!.workspaceId]);
      const { rows: [length] } = await c.query(`select telemetry.console_window_length($1) as l`, [window]);
      const active = `join platform.workspaces w on w.id = e.workspace_id and w.archived_at is null
                      join platform.tenants t on t.workspace_id = e.workspace_id and t.id = e.tenant_id and t.archived_at is null
                     where e.occurred_at > now() - $1::interval and e.occurred_at <= now()`;
      const naiveFamilies = (await c.query(
        `select c.event_name, count(x.event_name)::int as event_count from telemetry.event_catalog c
           left join (select e.event_name from telemetry.product_usage_events e ${active}) x on x.event_name = c.event_name
          group by c.event_name, c.display_order order by c.display_order`, [length.l])).rows;
      const { rows: [naive] } = await c.query(
        `select count(distinct e.workspace_id)::int as active_workspaces, count(*)::int as total_events from telemetry.product_usage_events e ${active}`, [length.l]);
      expect((await families(c, window)).map((f) => ({ event_name: f.event_name, event_count: f.event_count }))).toEqual(naiveFamilies);
      expect(await summary(c, window)).toMatchObject({ ...naive, total_workspaces: 4 });
      expect(naive.active_workspaces).toBe(3); // the second workspace has only archived tenants
    });
  });
});

describe('telemetry.event_counts', () => {
  it('equals a plain count of the ledger over any interval, across whole rollup days and raw edges', async () => {
    await as(db.pool, { role: 'tp_owner' }, async (c) => {
      const a = await createWorld(c, { tenants: 2 });
      const b = await createWorld(c);
      await c.query(`select telemetry.ensure_partitions(now() - interval '45 days', now() + interval '1 day')`);
      // owner-written rows every 7 hours 13 minutes over 40 days, on midnights too
      await c.query(
        `insert into telemetry.product_usage_events (workspace_id, event_name, tenant_id, actor_id, subject_type, subject_id, occurred_at)
         select w, e, t, $5::uuid, 'tenant', gen_random_uuid(), ts
           from generate_series(now() - interval '40 days', now(), interval '7 hours 13 minutes') as ts,
                (values ($1::uuid, $2::uuid, 'support.diagnostics_opened'), ($1, $3, 'operations.run_started'), ($4, $6, 'support.diagnostics_opened')) as x(w, t, e)
         union all
         select $1, 'reports.stored_report_created', $2, $5, 'stored_report', gen_random_uuid(), d
           from generate_series(date_trunc('day', now(), 'UTC') - interval '35 days', now(), interval '1 day') as d`,
        [a.workspaceId, a.tenantIds[0], a.tenantIds[1], b.workspaceId, a.userId, b.tenantId]);
      const intervals: Array<[string, string]> = [
        [`now() - interval '30 days'`, 'now()'],
        [`now() - interval '1 hour'`, 'now()'],
        [`date_trunc('day', now(), 'UTC') - interval '10 days'`, `date_trunc('day', now(), 'UTC') - interval '2 days'`],
        [`date_trunc('day', now(), 'UTC') - interval '10 days 1 second'`, `date_trunc('day', now(), 'UTC') - interval '2 days 1 second'`],
        [`now() - interval '50 days'`, `now() + interval '1 day'`],
        [`now() - interval '3 days 10 hours'`, `now() - interval '3 days 1 hour'`],
      ];
      for (const [from, to] of intervals) {
        const counted = await c.query(`select workspace_id, tenant_id, event_name, event_count::int from telemetry.event_counts(${from}, ${to}) order by 1, 2, 3`);
        const naive = await c.query(
          `select workspace_id, tenant_id, event_name, count(*)::int as event_count from telemetry.product_usage_events
            where occurred_at > ${from} and occurred_at <= ${to} group by 1, 2, 3 order by 1, 2, 3`);
        expect(counted.rows, `${from} .. ${to}`).toEqual(naive.rows);
        expect(naive.rows.length, `${from} .. ${to}`).toBeGreaterThan(0);
      }
    });
  });
});
