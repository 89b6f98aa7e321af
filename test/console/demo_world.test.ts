// The demo world (`npm run demo`) through the production paths: it must light up every level of
// every dimension on the dashboard, land its history where it happened, and be safe to run twice.
import { beforeAll, describe, expect, it } from 'vitest';
import { demoPlan, seedDemoWorld } from '../../src/demo/world.ts';
import { as, useTestDatabase } from '../helpers/database.ts';

const db = useTestDatabase();

const dimensionKeys = [
  'onboarding_readiness', 'provider_connection_health', 'operational_stability',
  'governance_pressure', 'review_pack_readiness', 'engagement_freshness',
];
const levels = ['ok', 'warn', 'critical', 'unknown'];

describe('the demo world', () => {
  let first: Awaited<ReturnType<typeof seedDemoWorld>>;
  beforeAll(async () => {
    first = await seedDemoWorld(db.pool);
  });

  it('seeds dozens of workspaces and months of events', async () => {
    expect(first.seeded).toBe(true);
    expect(first.workspaces).toBe(demoPlan.length);
    expect(first.workspaces).toBeGreaterThanOrEqual(24);
    const { rows: [span] } = await db.pool.query<{ days: number; events: number }>(
      `select extract(day from now() - min(occurred_at))::int as days, count(*)::int as events from telemetry.product_usage_events`);
    expect(span!.days).toBeGreaterThanOrEqual(60);
    expect(span!.events).toBeGreaterThan(1000);
  });

  it('shows every level on the dashboard KPIs of the default window', async () => {
    const kpis = await as(db.pool, { role: 'tp_system_operator' }, async (client) =>
      (await client.query(`select * from system_api.health_kpis('last_24_hours')`)).rows[0]);
    expect(kpis.total_workspaces).toBe(demoPlan.filter((plan) => !plan.archived).length);
    for (const level of levels) expect(kpis[`${level}_count`], `${level} workspaces`).toBeGreaterThan(0);
  });

  it('covers every level of each of the six dimensions', async () => {
    const seen = await as(db.pool, { role: 'tp_system_operator' }, async (client) => {
      const { rows } = await client.query<{ dimension: string; level: string; reason_code: string }>(
        `select distinct d.dimension::text, d.level::text, d.reason_code
           from platform.workspaces as w
           cross join lateral system_api.workspace_health_dimensions(w.id, 'last_24_hours') as d
          where w.archived_at is null`);
      return rows;
    });
    const pairs = new Set(seen.map((row) => `${row.dimension}:${row.level}`));
    for (const dimension of dimensionKeys) {
      for (const level of levels) expect(pairs, `${dimension} at ${level}`).toContain(`${dimension}:${level}`);
    }
    // Many reasons per dimension, not one per level.
    expect(new Set(seen.map((row) => row.reason_code)).size).toBeGreaterThanOrEqual(35);
  });

  it('records history at the time it happened, not at the seeding instant', async () => {
    const { rows: [events] } = await db.pool.query<{ latest_is_recent: boolean; runs: number; run_events: number }>(
      `select max(occurred_at) > now() - interval '5 minutes' as latest_is_recent,
              (select count(*)::int from platform.operation_runs where initiator_id is not null and tenant_id is not null) as runs,
              (select count(*)::int from telemetry.product_usage_events where event_name = 'operations.run_started') as run_events
         from telemetry.product_usage_events`);
    // The capture triggers found every milestone already recorded at its own time: one event per
    // user-started run, none stamped with the seeding transaction's now().
    expect(events!.latest_is_recent).toBe(false);
    expect(events!.run_events).toBe(events!.runs);
  });

  it('leaves a seeded database untouched when run again', async () => {
    const count = async () => (await db.pool.query<{ n: number }>(
      'select (select count(*) from platform.workspaces) + (select count(*) from telemetry.product_usage_events) as n')).rows[0]!.n;
    const before = await count();
    const again = await seedDemoWorld(db.pool);
    expect(again.seeded).toBe(false);
    expect(again.message).toMatch(/already/);
    expect(await count()).toBe(before);
  });
});
