// health's per-workspace telemetry probes agree with telemetry.event_counts (the telemetry
// engineer's contract) on the same events.
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/database.ts';
import * as fx from '../../helpers/platform-fixtures.ts';
import { scenario } from './_scenario.ts';

const db = useTestDatabase();

describe('telemetry probes', () => {
  it('count the same review-pack requests as telemetry.event_counts, active tenants only', () =>
    scenario(db, async (s) => {
      const actor = await fx.user(s.c);
      const w = await fx.workspace(s.c);
      const [a, b, gone] = [await fx.tenant(s.c, w), await fx.tenant(s.c, w), await fx.tenant(s.c, w)];
      for (const [t, ago] of [[a, '1 minute'], [a, '3 hours'], [b, '30 hours'], [gone, '2 hours'], [b, '10 days']] as const) {
        await fx.event(s.c, w, t, actor, 'review_packs.generation_requested', ago);
      }
      await fx.event(s.c, w, a, actor, 'support.diagnostics_opened', '1 minute');
      await s.c.query(`update platform.tenants set archived_at = now() where id = $1`, [gone]);
      await s.asOperator();
      for (const length of ['1 hour', '24 hours', '7 days', '30 days']) {
        const { rows: [probe] } = await s.c.query(
          `select coalesce(max(request_events), 0) as n, max(tenant_ids::text) as tenants
             from health.review_pack_requests(array[$1::uuid], now() - $2::interval, now())`, [w, length]);
        const { rows: [truth] } = await s.c.query(
          `select coalesce(sum(e.event_count), 0)::int as n,
                  (array_agg(distinct e.tenant_id order by e.tenant_id))::text as tenants
             from telemetry.event_counts(now() - $2::interval, now()) e
             join platform.tenants t on t.id = e.tenant_id and t.archived_at is null
            where e.workspace_id = $1 and e.event_name = 'review_packs.generation_requested'`, [w, length]);
        expect({ n: probe.n, tenants: probe.tenants }, length).toEqual({ n: truth.n, tenants: truth.n === 0 ? null : truth.tenants });
      }
    }));

  it('finds the latest event of an active tenant at or before the given time, within the given bound', () =>
    scenario(db, async (s) => {
      const actor = await fx.user(s.c);
      const w = await fx.workspace(s.c);
      const a = await fx.tenant(s.c, w);
      const gone = await fx.tenant(s.c, w);
      await fx.event(s.c, w, a, actor, 'support.diagnostics_opened', '5 days');
      await fx.event(s.c, w, a, actor, 'support.diagnostics_opened', '2 hours');
      await fx.event(s.c, w, gone, actor, 'support.diagnostics_opened', '1 minute');
      await s.c.query(`update platform.tenants set archived_at = now() where id = $1`, [gone]);
      await s.asOperator();
      const latest = async (after: string, asOf: string) => (await s.c.query(
        `select (now() - last_event_at)::text as age from health.last_event_at(array[$1::uuid], now() - $2::interval, now() - $3::interval)`,
        [w, after, asOf])).rows[0].age;
      expect(await latest('90 days', '0')).toBe('02:00:00');
      expect(await latest('90 days', '3 hours')).toBe('5 days');
      expect(await latest('4 days', '3 hours')).toBeNull();
      expect(await latest('2 hours', '0')).toBeNull(); // the bound is exclusive
    }));
});
