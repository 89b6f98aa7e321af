// Precedence, per-tenant roll-up, reasons and evidence, archived exclusions, and the window
// honoured by windowed dimensions but ignored by point-in-time ones (SPEC §4.1, §4.2).
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/database.ts';
import * as fx from '../../helpers/platform-fixtures.ts';
import { card, dimension, dimensions, healthyTenant, healthyWorkspace, windows } from '../../helpers/health-world.ts';
import { scenario } from './_scenario.ts';

const db = useTestDatabase();

describe('precedence critical > warn > unknown > ok', () => {
  it('orders the levels by health.severity and health.worst', () =>
    scenario(db, async (s) => {
      await s.asOperator();
      const { rows } = await s.c.query(`
        select health.worst(l) filter (where l in ('ok', 'unknown')) as ok_unknown,
               health.worst(l) filter (where l in ('unknown', 'warn')) as unknown_warn,
               health.worst(l) filter (where l in ('warn', 'critical', 'ok')) as with_critical,
               health.worst(l) filter (where l = 'ok') as only_ok,
               health.worst(l) filter (where false) as empty,
               array_agg(l order by health.severity(l) desc) as ranked
          from unnest(array['ok', 'warn', 'critical', 'unknown']::health.level[]) as l`);
      expect(rows[0]).toEqual({
        ok_unknown: 'unknown', unknown_warn: 'warn', with_critical: 'critical', only_ok: 'ok', empty: null,
        ranked: '{critical,warn,unknown,ok}',
      });
    }));

  it('makes a workspace warn when one dimension is warn and another unknown (warn beats unknown)', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      await fx.providerConnection(s.c, h.workspaceId, h.tenantId, { consent: 'pending' }); // warn
      await s.c.query(`delete from platform.stored_reports where workspace_id = $1`, [h.workspaceId]); // governance unknown
      await s.asOperator();
      const d = await dimensions(s.c, h.workspaceId);
      expect([d.provider_connection_health.level, d.governance_pressure.level]).toEqual(['warn', 'unknown']);
      const c = await card(s.c, h.workspaceId);
      expect(c).toMatchObject({ overall_level: 'warn', non_ok_count: 2, top_dimension: 'provider_connection_health', drivers: ['Provider connection health'] });
    }));

  it('makes a workspace unknown when every dimension is ok but one unknown (unknown beats ok)', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      await s.c.query(`delete from platform.stored_reports where workspace_id = $1`, [h.workspaceId]);
      await s.asOperator();
      expect(await card(s.c, h.workspaceId)).toMatchObject({
        overall_level: 'unknown', non_ok_count: 1, top_dimension: 'governance_pressure',
        top_reason_code: 'governance.no_data', drivers: ['Governance pressure'],
      });
    }));

  it('reports an all-ok workspace with no drivers, no top dimension and its workspace link', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      await s.asOperator();
      for (const window of windows) {
        expect(await card(s.c, h.workspaceId, window)).toMatchObject({
          overall_level: 'ok', non_ok_count: 0, top_dimension: null, top_reason_code: null, top_reason: null,
          drivers: [], next_link: `/system/workspaces/${h.workspaceId}?window=${window}`,
        });
      }
    }));
});

describe('per-tenant roll-up', () => {
  it('takes the worst tenant and explains it as "n of m tenants"', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      const revoked = await healthyTenant(s.c, h.workspaceId, h.actorId);
      await healthyTenant(s.c, h.workspaceId, h.actorId);
      await fx.providerConnection(s.c, h.workspaceId, revoked, { consent: 'revoked' });
      await s.asOperator();
      const d = await dimension(s.c, h.workspaceId, 'provider_connection_health');
      expect(d).toMatchObject({
        level: 'critical', reason_code: 'provider.consent_revoked', reason: '1 of 3 tenants has revoked consent',
        evidence: { tenants: 3, ok: 2, warn: 0, critical: 1, unknown: 0, tenant_ids: [revoked],
          by_reason: { 'provider.healthy': 2, 'provider.consent_revoked': 1 } },
      });
    }));

  it('uses the plural and lists at most 5 tenants, sorted', () =>
    scenario(db, async (s) => {
      const w = await fx.workspace(s.c);
      const tenants: string[] = [];
      for (let i = 0; i < 7; i++) tenants.push(await fx.tenant(s.c, w));
      await s.asOperator();
      const d = await dimension(s.c, w, 'onboarding_readiness');
      expect(d.reason).toBe('7 of 7 tenants have no onboarding session');
      expect(d.evidence.tenant_ids).toEqual([...tenants].sort().slice(0, 5));
    }));

  it('names the most telling verdict when tenants at the level differ', () =>
    scenario(db, async (s) => {
      const w = await fx.workspace(s.c);
      const a = await fx.tenant(s.c, w);
      const b = await fx.tenant(s.c, w);
      await fx.providerConnection(s.c, w, a, { verification: 'failed' });
      await fx.providerConnection(s.c, w, b, { consent: 'revoked' });
      await s.asOperator();
      expect(await dimension(s.c, w, 'provider_connection_health')).toMatchObject({
        level: 'critical', reason_code: 'provider.consent_revoked', reason: '1 of 2 tenants has revoked consent',
        evidence: { critical: 2, tenant_ids: [a, b].sort() },
      });
    }));

  it('makes a workspace without active tenants unknown on every per-tenant dimension', () =>
    scenario(db, async (s) => {
      const w = await fx.workspace(s.c);
      const t = await fx.tenant(s.c, w, { archived: true });
      await fx.onboardingSession(s.c, w, t, { status: 'completed' });
      await fx.providerConnection(s.c, w, t, {});
      await fx.storedReport(s.c, w, t, 'permission_posture');
      await s.asOperator();
      const d = await dimensions(s.c, w);
      for (const key of ['onboarding_readiness', 'provider_connection_health', 'governance_pressure'] as const) {
        expect(d[key], key).toMatchObject({ level: 'unknown', reason: 'The workspace has no active tenant', evidence: { tenants: 0 } });
      }
      expect(d.onboarding_readiness.reason_code).toBe('onboarding.no_active_tenant');
    }));
});

describe('archived exclusions', () => {
  it('lets archived tenants contribute nothing to any dimension', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      const gone = await fx.tenant(s.c, h.workspaceId, { archived: true });
      await fx.onboardingSession(s.c, h.workspaceId, gone, { status: 'blocked' });
      await fx.providerConnection(s.c, h.workspaceId, gone, { consent: 'revoked' });
      await fx.operationRun(s.c, h.workspaceId, gone, { status: 'failed' });
      await fx.operationRun(s.c, h.workspaceId, gone, { status: 'queued', createdAgo: '2 hours' });
      await fx.finding(s.c, h.workspaceId, gone, { severity: 'critical' });
      await fx.reviewPack(s.c, h.workspaceId, gone, { status: 'failed', createdAgo: '1 minute' });
      await s.asOperator();
      const d = await dimensions(s.c, h.workspaceId);
      for (const row of Object.values(d)) expect(row.level, row.dimension).toBe('ok');
      expect(d.onboarding_readiness.evidence.tenants).toBe(1);
      expect(d.operational_stability.evidence.runs).toBe(1);
    }));

  it('ignores the events of a tenant archived after they were recorded', () =>
    scenario(db, async (s) => {
      const w = await fx.workspace(s.c);
      const t = await fx.tenant(s.c, w);
      const kept = await fx.tenant(s.c, w);
      await fx.event(s.c, w, t, await fx.user(s.c), 'review_packs.generation_requested', '1 minute');
      await s.c.query(`update platform.tenants set archived_at = now() where id = $1`, [t]);
      await s.asOperator();
      const d = await dimensions(s.c, w);
      expect(d.engagement_freshness.level).toBe('critical');
      expect(d.review_pack_readiness.level).toBe('unknown');
      expect(kept).toBeTruthy();
    }));

  it('excludes archived workspaces from the KPIs, the attention list, the cards and the dimensions', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      const archived = await fx.workspace(s.c, { name: 'Archived' });
      const t = await fx.tenant(s.c, archived);
      await fx.providerConnection(s.c, archived, t, { consent: 'revoked' });
      await s.c.query(`update platform.workspaces set archived_at = now() where id = $1`, [archived]);
      await s.asOperator();
      const kpis = (await s.c.query(`select * from system_api.health_kpis('last_24_hours')`)).rows[0];
      expect(kpis).toMatchObject({ total_workspaces: 1, ok_count: 1, warn_count: 0, critical_count: 0, unknown_count: 0 });
      expect((await s.c.query(`select * from system_api.attention_workspaces('last_24_hours')`)).rows).toEqual([]);
      expect((await s.c.query(`select system_api.workspace_health($1, 'last_24_hours') is null as none`, [archived])).rows[0].none).toBe(true);
      expect((await s.c.query(`select system_api.tenant_health($1, 'last_24_hours') is null as none`, [t])).rows[0].none).toBe(true);
      expect((await s.c.query(`select * from system_api.workspace_health_dimensions($1, 'last_24_hours')`, [archived])).rows).toEqual([]);
      expect(h.workspaceId).toBeTruthy();
    }));

  it('returns no card for an unknown workspace or tenant, and none for an archived tenant', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      const gone = await fx.tenant(s.c, h.workspaceId, { archived: true });
      await s.asOperator();
      const { rows } = await s.c.query(`
        select system_api.workspace_health(gen_random_uuid(), 'last_hour') is null as no_workspace,
               system_api.tenant_health(gen_random_uuid(), 'last_hour') is null as no_tenant,
               system_api.tenant_health($1, 'last_hour') is null as archived_tenant,
               system_api.tenant_health($2, 'last_hour') is null as live_tenant`, [gone, h.tenantId]);
      expect(rows[0]).toEqual({ no_workspace: true, no_tenant: true, archived_tenant: true, live_tenant: false });
    }));
});

describe('windows', () => {
  it('honours the window in windowed dimensions and ignores it in point-in-time ones', () =>
    scenario(db, async (s) => {
      const w = await fx.workspace(s.c, { createdAgo: '100 days' });
      const t = await fx.tenant(s.c, w);
      await fx.onboardingSession(s.c, w, t, { status: 'blocked', startedAgo: '20 days', updatedAgo: '20 days' });
      await fx.providerConnection(s.c, w, t, { verifiedAgo: '10 days' });
      await fx.finding(s.c, w, t, { severity: 'high', dueIn: '-10 days' });
      await fx.operationRun(s.c, w, t, { status: 'failed', createdAgo: '3 days' });
      await fx.reviewPack(s.c, w, t, { status: 'failed', createdAgo: '3 days' });
      await fx.event(s.c, w, t, await fx.user(s.c), 'support.diagnostics_opened', '3 days');
      await s.asOperator();
      const short = await dimensions(s.c, w, 'last_24_hours');
      const long = await dimensions(s.c, w, 'last_7_days');
      for (const key of ['onboarding_readiness', 'provider_connection_health', 'governance_pressure'] as const) {
        expect(long[key], key).toEqual(short[key]);
        expect(short[key].basis).toBe('point_in_time');
      }
      expect([short.operational_stability.level, long.operational_stability.level]).toEqual(['unknown', 'warn']);
      expect([short.review_pack_readiness.level, long.review_pack_readiness.level]).toEqual(['unknown', 'critical']);
      expect([short.engagement_freshness.level, long.engagement_freshness.level]).toEqual(['warn', 'ok']);
    }));

  it('gives windowed dimensions their level over the previous window, point-in-time ones null', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      // The previous 24 hours: 3 failed runs, a failed pack, no events.
      for (let i = 0; i < 3; i++) await fx.operationRun(s.c, h.workspaceId, h.tenantId, { status: 'failed', createdAgo: '30 hours' });
      await fx.reviewPack(s.c, h.workspaceId, h.tenantId, { status: 'failed', createdAgo: '30 hours' });
      await s.asOperator();
      const d = await dimensions(s.c, h.workspaceId, 'last_24_hours');
      expect(Object.values(d).map((r) => [r.dimension, r.level, r.previous_level])).toEqual([
        ['onboarding_readiness', 'ok', null],
        ['provider_connection_health', 'ok', null],
        ['operational_stability', 'ok', 'critical'],
        ['governance_pressure', 'ok', null],
        ['review_pack_readiness', 'ok', 'critical'],
        // no event in the previous window, none before it: dormant then (workspace 365 days old)
        ['engagement_freshness', 'ok', 'critical'],
      ]);
      expect(await card(s.c, h.workspaceId, 'last_24_hours')).toMatchObject({ overall_level: 'ok', previous_overall_level: 'critical' });
    }));

  it('evaluates the previous window as of now() - length: a run queued 40 minutes before then is stuck', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      await fx.operationRun(s.c, h.workspaceId, h.tenantId, { status: 'queued', createdAgo: '1 hour 40 minutes' });
      await fx.event(s.c, h.workspaceId, h.tenantId, h.actorId, 'support.diagnostics_opened', '90 minutes');
      await s.asOperator();
      const d = await dimensions(s.c, h.workspaceId, 'last_hour');
      expect(d.operational_stability.previous_level).toBe('critical');
      expect(d.engagement_freshness.previous_level).toBe('ok');
      // The previous window had no pack: the ready pack of 5 minutes ago is after it.
      expect(d.review_pack_readiness.previous_level).toBe('unknown');
      // previous overall = worst(previous windowed levels, current point-in-time levels)
      expect((await card(s.c, h.workspaceId, 'last_hour')).previous_overall_level).toBe('critical');
    }));

  it('takes the point-in-time levels as they are now into the previous overall level', () =>
    scenario(db, async (s) => {
      const h = await healthyWorkspace(s.c);
      await fx.operationRun(s.c, h.workspaceId, h.tenantId, { status: 'succeeded', createdAgo: '30 hours' });
      await fx.reviewPack(s.c, h.workspaceId, h.tenantId, { status: 'ready', createdAgo: '30 hours' });
      await fx.event(s.c, h.workspaceId, h.tenantId, h.actorId, 'support.diagnostics_opened', '30 hours');
      await fx.providerConnection(s.c, h.workspaceId, h.tenantId, { consent: 'pending' });
      await s.asOperator();
      expect(await card(s.c, h.workspaceId, 'last_24_hours')).toMatchObject({ overall_level: 'warn', previous_overall_level: 'warn' });
    }));
});
