// The attention list (order, ties, max_rows), the KPIs, dominant drivers and the single next link
// of SPEC §4.3, and card = dashboard row.
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/database.ts';
import * as fx from '../../helpers/platform-fixtures.ts';
import { card, healthyTenant, healthyWorkspace, type Healthy } from '../../helpers/health-world.ts';
import { scenario, type Scenario } from './_scenario.ts';

const db = useTestDatabase();

const attention = async (s: Scenario, window = 'last_24_hours', maxRows?: number) =>
  (await s.c.query(
    maxRows === undefined
      ? `select * from system_api.attention_workspaces($1)`
      : `select * from system_api.attention_workspaces($1, $2)`,
    maxRows === undefined ? [window] : [window, maxRows])).rows;

/** Breaks n dimensions of a healthy workspace to the given level (in dimension order). */
async function breakDims(s: Scenario, h: Healthy, level: 'critical' | 'warn' | 'unknown', n: number) {
  const { workspaceId: w, tenantId: t } = h;
  const steps = {
    critical: [
      () => fx.onboardingSession(s.c, w, t, { status: 'blocked', startedAgo: '1 minute' }),
      () => fx.providerConnection(s.c, w, t, { consent: 'revoked' }),
      () => fx.operationRun(s.c, w, t, { status: 'queued', createdAgo: '2 hours' }),
    ],
    warn: [
      () => fx.onboardingSession(s.c, w, t, { status: 'in_progress', startedAgo: '1 minute' }),
      () => fx.providerConnection(s.c, w, t, { consent: 'pending' }),
      () => fx.operationRun(s.c, w, t, { status: 'failed' }),
    ],
    unknown: [
      () => s.c.query(`delete from platform.onboarding_sessions where tenant_id = $1`, [t]),
      () => s.c.query(`delete from platform.provider_connections where tenant_id = $1`, [t]),
      () => s.c.query(`delete from platform.operation_runs where tenant_id = $1`, [t]),
    ],
  }[level];
  for (const step of steps.slice(0, n)) await step();
}

describe('attention list', () => {
  it('orders by severity desc, non-ok count desc, name asc, id asc, and lists only non-ok workspaces', () =>
    scenario(db, async (s) => {
      const ids = ['00000000-0000-4000-a000-00000000000b', '00000000-0000-4000-a000-00000000000a'];
      const make = async (name: string, level: 'critical' | 'warn' | 'unknown' | 'ok', n: number, id?: string) => {
        const h = await healthyWorkspace(s.c, name, id ? { id } : {});
        if (level !== 'ok') await breakDims(s, h, level, n);
        return h.workspaceId;
      };
      // Inserted in scrambled order; expected order in the comments.
      const u1 = await make('Alpha', 'unknown', 1);           // 7
      const w2 = await make('Zeta', 'warn', 2);               // 5
      const c1 = await make('Alpha', 'critical', 1);          // 4
      const c2z = await make('Zeta', 'critical', 2);          // 3
      const c2b = await make('Same', 'critical', 2, ids[0]);  // 2 (name tie, id b)
      const c2a = await make('Same', 'critical', 2, ids[1]);  // 1 (name tie, id a)
      const w1 = await make('Alpha', 'warn', 1);              // 6
      await make('Ok', 'ok', 0);
      const c3 = await make('Zulu', 'critical', 3);           // 0
      await s.asOperator();
      const rows = await attention(s, 'last_24_hours', 100);
      expect(rows.map((r) => r.workspace_id)).toEqual([c3, c2a, c2b, c2z, c1, w2, w1, u1]);
      expect(rows.map((r) => [r.overall_level, r.non_ok_count])).toEqual([
        ['critical', 3], ['critical', 2], ['critical', 2], ['critical', 2], ['critical', 1], ['warn', 2], ['warn', 1], ['unknown', 1],
      ]);
      expect((await attention(s)).length).toBe(8);
      expect((await attention(s, 'last_24_hours', 3)).map((r) => r.workspace_id)).toEqual([c3, c2a, c2b]);
      expect(await attention(s, 'last_24_hours', 0)).toEqual([]);
      const kpis = (await s.c.query(`select * from system_api.health_kpis('last_24_hours')`)).rows[0];
      expect(kpis).toMatchObject({ total_workspaces: 9, ok_count: 1, warn_count: 2, critical_count: 5, unknown_count: 1 });
    }));

  it('defaults max_rows to 10, also when it is passed as null', () =>
    scenario(db, async (s) => {
      for (let i = 0; i < 12; i++) await fx.workspace(s.c, { name: `W${String(i).padStart(2, '0')}` });
      await s.asOperator();
      const firstTen = Array.from({ length: 10 }, (_, i) => `W${String(i).padStart(2, '0')}`);
      expect((await attention(s)).map((r) => r.workspace_name)).toEqual(firstTen);
      const { rows } = await s.c.query(`select * from system_api.attention_workspaces('last_24_hours', null)`);
      expect(rows.map((r) => r.workspace_name)).toEqual(firstTen);
    }));

  it('names the drivers (dimensions at the overall level, in dimension order) and the top reason', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c, 'Drivers');
      await fx.operationRun(s.c, h.workspaceId, null, { status: 'queued', createdAgo: '2 hours' }); // critical, tenantless
      await fx.providerConnection(s.c, h.workspaceId, h.tenantId, { consent: 'revoked' });          // critical
      await fx.onboardingSession(s.c, h.workspaceId, h.tenantId, { status: 'in_progress', startedAgo: '1 minute' }); // warn
      await s.asOperator();
      const [row] = await attention(s);
      expect(row).toMatchObject({
        overall_level: 'critical', non_ok_count: 3, top_dimension: 'provider_connection_health',
        top_reason_code: 'provider.consent_revoked', top_reason: '1 of 1 tenant has revoked consent',
        drivers: ['Provider connection health', 'Operational stability'],
        next_link: `/system/tenants/${h.tenantId}?window=last_24_hours`,
      });
    }));
});

describe('next link', () => {
  const linkOf = async (s: Scenario, w: string, window = 'last_24_hours') => {
    await s.asOperator();
    const c = await card(s.c, w, window as never);
    const [row] = (await attention(s, window, 100)).filter((r) => r.workspace_id === w);
    expect(row?.next_link).toBe(c.next_link);
    return c.next_link as string;
  };
  const tenantLink = (t: string, window = 'last_24_hours') => `/system/tenants/${t}?window=${window}`;
  const workspaceLink = (w: string, window = 'last_24_hours') => `/system/workspaces/${w}?window=${window}`;

  it('points at the tenant when exactly one tenant is at the level of a rolled-up top driver', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      await healthyTenant(s.c, h.workspaceId, h.actorId);
      await fx.onboardingSession(s.c, h.workspaceId, h.tenantId, { status: 'abandoned', startedAgo: '1 minute' });
      expect(await linkOf(s, h.workspaceId, 'last_7_days')).toBe(tenantLink(h.tenantId, 'last_7_days'));
    }));

  it('points at the workspace, and shows no tenant card, while another workspace has an active tenant with the same id', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      await fx.onboardingSession(s.c, h.workspaceId, h.tenantId, { status: 'abandoned', startedAgo: '1 minute' });
      const other = await healthyWorkspace(s.c, 'Other');
      // Tenant ids are unique per workspace only: another workspace's tenant may reuse the id.
      await s.c.query(`insert into platform.tenants (workspace_id, id, name) values ($1, $2, 'Copy')`, [other.workspaceId, h.tenantId]);
      const tenantCard = async () => {
        await s.asOperator();
        return (await s.c.query(`select (system_api.tenant_health($1, 'last_7_days')).workspace_id`, [h.tenantId])).rows[0].workspace_id;
      };
      expect(await linkOf(s, h.workspaceId, 'last_7_days')).toBe(workspaceLink(h.workspaceId, 'last_7_days'));
      expect(await tenantCard()).toBeNull();
      await s.asOwner();
      await s.c.query(`update platform.workspaces set archived_at = now() where id = $1`, [other.workspaceId]);
      expect(await linkOf(s, h.workspaceId, 'last_7_days')).toBe(tenantLink(h.tenantId, 'last_7_days')); // archived: counts nowhere
      expect(await tenantCard()).toBe(h.workspaceId);
      await s.asOwner();
      await s.c.query(`update platform.workspaces set archived_at = null where id = $1`, [other.workspaceId]);
      await s.c.query(`update platform.tenants set archived_at = now() where workspace_id = $1 and id = $2`, [other.workspaceId, h.tenantId]);
      expect(await linkOf(s, h.workspaceId, 'last_7_days')).toBe(tenantLink(h.tenantId, 'last_7_days'));
      expect(await tenantCard()).toBe(h.workspaceId);
    }));

  it('points at the workspace when two tenants are at the level', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      const other = await healthyTenant(s.c, h.workspaceId, h.actorId);
      await fx.finding(s.c, h.workspaceId, h.tenantId, { severity: 'critical' });
      await fx.finding(s.c, h.workspaceId, other, { severity: 'high', dueIn: '-1 day' });
      expect(await linkOf(s, h.workspaceId)).toBe(workspaceLink(h.workspaceId));
    }));

  it('points at the workspace when the workspace has no active tenant', () =>
    scenario(db, async (s) => {
      const w = await fx.workspace(s.c);
      expect(await linkOf(s, w, 'last_hour')).toBe(workspaceLink(w, 'last_hour'));
    }));

  it('points at the tenant when the deciding failed runs all belong to it', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      const other = await healthyTenant(s.c, h.workspaceId, h.actorId);
      for (let i = 0; i < 3; i++) await fx.operationRun(s.c, h.workspaceId, other, { status: 'failed' });
      await fx.operationRun(s.c, h.workspaceId, null, { status: 'succeeded' });
      expect(await linkOf(s, h.workspaceId)).toBe(tenantLink(other));
    }));

  it('points at the workspace when a deciding failed run is tenantless', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      await fx.operationRun(s.c, h.workspaceId, h.tenantId, { status: 'failed' });
      await fx.operationRun(s.c, h.workspaceId, null, { status: 'failed' });
      expect(await linkOf(s, h.workspaceId)).toBe(workspaceLink(h.workspaceId));
    }));

  it('points at the workspace when failed runs span two tenants', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      const other = await healthyTenant(s.c, h.workspaceId, h.actorId);
      await fx.operationRun(s.c, h.workspaceId, h.tenantId, { status: 'failed' });
      await fx.operationRun(s.c, h.workspaceId, other, { status: 'failed' });
      expect(await linkOf(s, h.workspaceId)).toBe(workspaceLink(h.workspaceId));
    }));

  it('follows the stuck runs (not the failed ones) when being stuck decided', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      const other = await healthyTenant(s.c, h.workspaceId, h.actorId);
      await fx.operationRun(s.c, h.workspaceId, other, { status: 'queued', createdAgo: '2 hours' });
      await fx.operationRun(s.c, h.workspaceId, null, { status: 'failed' });
      expect(await linkOf(s, h.workspaceId)).toBe(tenantLink(other));
    }));

  it('points at the latest pack\'s tenant, or the workspace for a workspace-wide pack', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      const other = await healthyTenant(s.c, h.workspaceId, h.actorId);
      await fx.reviewPack(s.c, h.workspaceId, other, { status: 'failed', createdAgo: '1 minute' });
      expect(await linkOf(s, h.workspaceId)).toBe(tenantLink(other));
      await s.asOwner();
      await fx.reviewPack(s.c, h.workspaceId, null, { status: 'failed', createdAgo: '30 seconds' });
      expect(await linkOf(s, h.workspaceId)).toBe(workspaceLink(h.workspaceId));
    }));

  it('points at the one tenant of the request events when no pack exists', () =>
    scenario(db, async (s) => {
      const w = await fx.workspace(s.c);
      const a = await healthyTenant(s.c, w, await fx.user(s.c));
      const b = await healthyTenant(s.c, w, await fx.user(s.c));
      await s.c.query(`delete from platform.review_packs where workspace_id = $1`, [w]);
      await fx.event(s.c, w, b, await fx.user(s.c), 'review_packs.generation_requested', '1 minute');
      expect(await linkOf(s, w)).toBe(tenantLink(b));
      await s.asOwner();
      await fx.event(s.c, w, a, await fx.user(s.c), 'review_packs.generation_requested', '1 minute');
      expect(await linkOf(s, w)).toBe(workspaceLink(w));
    }));

  it('never attributes engagement to a tenant', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      await s.c.query(`delete from telemetry.product_usage_events where workspace_id = $1`, [h.workspaceId]);
      await s.c.query(`delete from telemetry.usage_daily_rollup where workspace_id = $1`, [h.workspaceId]).catch(() => undefined);
      await s.asOperator();
      expect((await card(s.c, h.workspaceId)).top_dimension).toBe('engagement_freshness');
      expect(await linkOf(s, h.workspaceId)).toBe(workspaceLink(h.workspaceId));
    }));
});

describe('tenant card', () => {
  it('is the workspace card plus the tenant', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      await fx.providerConnection(s.c, h.workspaceId, h.tenantId, { consent: 'revoked' });
      await s.asOperator();
      const workspaceCard = await card(s.c, h.workspaceId, 'last_7_days');
      const { rows } = await s.c.query(`select (system_api.tenant_health($1, 'last_7_days')).*`, [h.tenantId]);
      const { tenant_id, tenant_name, ...rest } = rows[0];
      expect({ tenant_id, tenant_name }).toEqual({ tenant_id: h.tenantId, tenant_name: 'Tenant' });
      expect(rest).toEqual(workspaceCard);
    }));
});
