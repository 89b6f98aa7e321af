// Every level row of every dimension (SPEC §4.2), each threshold exactly at its boundary, and
// after a health.settings change. Read as the system operator through the card's dimensions.
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/database.ts';
import * as fx from '../../helpers/platform-fixtures.ts';
import { dimension, type ConsoleWindow, type DimensionKey, type Level } from '../../helpers/health-world.ts';
import { scenario, type Scenario } from './_scenario.ts';

const db = useTestDatabase();

interface Case {
  name: string;
  build: (s: Scenario, w: string, t: string) => Promise<unknown>;
  level: Level;
  code: string;
  window?: ConsoleWindow;
}

function table(key: DimensionKey, cases: Case[]) {
  for (const k of cases) {
    it(`${k.name} → ${k.level} (${k.code})`, () =>
      scenario(db, async (s) => {
        const w = await fx.workspace(s.c, { name: 'W' });
        const t = await fx.tenant(s.c, w, { name: 'T' });
        await k.build(s, w, t);
        await s.asOperator();
        const row = await dimension(s.c, w, key, k.window ?? 'last_24_hours');
        expect({ level: row.level, code: row.reason_code }).toEqual({ level: k.level, code: k.code });
      }));
  }
}

const settings = (s: Scenario, assignment: string) => s.c.query(`update health.settings set ${assignment}`);

describe('onboarding readiness (per tenant, latest session by started_at)', () => {
  table('onboarding_readiness', [
    { name: 'no session', build: async () => {}, level: 'unknown', code: 'onboarding.no_session' },
    { name: 'completed', build: (s, w, t) => fx.onboardingSession(s.c, w, t, { status: 'completed' }), level: 'ok', code: 'onboarding.completed' },
    { name: 'in_progress updated 1 second short of 14 days', build: (s, w, t) => fx.onboardingSession(s.c, w, t, { status: 'in_progress', updatedAgo: '14 days - 1 second' }), level: 'warn', code: 'onboarding.in_progress' },
    { name: 'in_progress not updated for exactly 14 days', build: (s, w, t) => fx.onboardingSession(s.c, w, t, { status: 'in_progress', updatedAgo: '14 days' }), level: 'critical', code: 'onboarding.stalled' },
    { name: 'blocked', build: (s, w, t) => fx.onboardingSession(s.c, w, t, { status: 'blocked' }), level: 'critical', code: 'onboarding.blocked' },
    { name: 'abandoned', build: (s, w, t) => fx.onboardingSession(s.c, w, t, { status: 'abandoned' }), level: 'critical', code: 'onboarding.abandoned' },
    {
      name: 'an older blocked session is superseded by a newer completed one',
      build: async (s, w, t) => {
        await fx.onboardingSession(s.c, w, t, { status: 'blocked', startedAgo: '10 days' });
        await fx.onboardingSession(s.c, w, t, { status: 'completed', startedAgo: '1 day' });
      },
      level: 'ok', code: 'onboarding.completed',
    },
    {
      name: 'the latest session decides even when it is worse',
      build: async (s, w, t) => {
        await fx.onboardingSession(s.c, w, t, { status: 'completed', startedAgo: '10 days' });
        await fx.onboardingSession(s.c, w, t, { status: 'abandoned', startedAgo: '1 day' });
      },
      level: 'critical', code: 'onboarding.abandoned',
    },
    {
      name: 'pre-tenant sessions do not count',
      build: (s, w) => fx.onboardingSession(s.c, w, null, { status: 'completed' }),
      level: 'unknown', code: 'onboarding.no_session',
    },
    {
      name: 'onboarding_stall_days = 3: updated exactly 3 days ago',
      build: async (s, w, t) => { await settings(s, 'onboarding_stall_days = 3'); await fx.onboardingSession(s.c, w, t, { status: 'in_progress', updatedAgo: '3 days' }); },
      level: 'critical', code: 'onboarding.stalled',
    },
    {
      name: 'onboarding_stall_days = 30: updated 20 days ago',
      build: async (s, w, t) => { await settings(s, 'onboarding_stall_days = 30'); await fx.onboardingSession(s.c, w, t, { status: 'in_progress', updatedAgo: '20 days' }); },
      level: 'warn', code: 'onboarding.in_progress',
    },
  ]);
});

describe('provider connection health (per tenant, worst connection)', () => {
  table('provider_connection_health', [
    { name: 'no connection', build: async () => {}, level: 'unknown', code: 'provider.no_connection' },
    { name: 'granted, verified 1 hour ago', build: (s, w, t) => fx.providerConnection(s.c, w, t, {}), level: 'ok', code: 'provider.healthy' },
    { name: 'verified exactly 7 days ago', build: (s, w, t) => fx.providerConnection(s.c, w, t, { verifiedAgo: '7 days' }), level: 'ok', code: 'provider.healthy' },
    { name: 'verified 7 days and 1 second ago', build: (s, w, t) => fx.providerConnection(s.c, w, t, { verifiedAgo: '7 days 1 second' }), level: 'warn', code: 'provider.verification_stale' },
    { name: 'never verified', build: (s, w, t) => fx.providerConnection(s.c, w, t, { verifiedAgo: null }), level: 'warn', code: 'provider.verification_stale' },
    { name: 'consent pending', build: (s, w, t) => fx.providerConnection(s.c, w, t, { consent: 'pending' }), level: 'warn', code: 'provider.consent_pending' },
    { name: 'unverified', build: (s, w, t) => fx.providerConnection(s.c, w, t, { verification: 'unverified' }), level: 'warn', code: 'provider.unverified' },
    { name: 'consent revoked', build: (s, w, t) => fx.providerConnection(s.c, w, t, { consent: 'revoked' }), level: 'critical', code: 'provider.consent_revoked' },
    { name: 'verification failed', build: (s, w, t) => fx.providerConnection(s.c, w, t, { verification: 'failed' }), level: 'critical', code: 'provider.verification_failed' },
    {
      name: 'the worst connection decides',
      build: async (s, w, t) => { await fx.providerConnection(s.c, w, t, {}); await fx.providerConnection(s.c, w, t, { consent: 'pending' }); },
      level: 'warn', code: 'provider.consent_pending',
    },
    {
      name: 'provider_verification_stale_days = 2: verified 3 days ago',
      build: async (s, w, t) => { await settings(s, 'provider_verification_stale_days = 2'); await fx.providerConnection(s.c, w, t, { verifiedAgo: '3 days' }); },
      level: 'warn', code: 'provider.verification_stale',
    },
    {
      name: 'provider_verification_stale_days = 30: verified 20 days ago',
      build: async (s, w, t) => { await settings(s, 'provider_verification_stale_days = 30'); await fx.providerConnection(s.c, w, t, { verifiedAgo: '20 days' }); },
      level: 'ok', code: 'provider.healthy',
    },
  ]);
});

const runs = async (s: Scenario, w: string, t: string | null, statuses: Record<string, number>) => {
  for (const [status, n] of Object.entries(statuses)) {
    for (let i = 0; i < n; i++) await fx.operationRun(s.c, w, t, { status: status as fx.RunOptions['status'], startedAgo: '1 minute' });
  }
};

describe('operational stability (window)', () => {
  table('operational_stability', [
    { name: 'no run in the window', build: async () => {}, level: 'unknown', code: 'operations.no_runs' },
    { name: 'a run created 25 hours ago is outside last_24_hours', build: (s, w, t) => fx.operationRun(s.c, w, t, { status: 'failed', createdAgo: '25 hours' }), level: 'unknown', code: 'operations.no_runs' },
    { name: 'a run created exactly 24 hours ago is outside (window is half-open)', build: (s, w, t) => fx.operationRun(s.c, w, t, { status: 'failed', createdAgo: '24 hours' }), level: 'unknown', code: 'operations.no_runs' },
    { name: 'a failed run created 25 hours ago counts in last_7_days', window: 'last_7_days', build: (s, w, t) => fx.operationRun(s.c, w, t, { status: 'failed', createdAgo: '25 hours' }), level: 'warn', code: 'operations.failed_run' },
    { name: 'succeeded runs only', build: (s, w, t) => runs(s, w, t, { succeeded: 3 }), level: 'ok', code: 'operations.stable' },
    { name: 'cancelled runs only (neither finished nor failed)', build: (s, w, t) => runs(s, w, t, { cancelled: 5 }), level: 'ok', code: 'operations.stable' },
    { name: 'queued for exactly 30 minutes is not stuck', build: (s, w, t) => fx.operationRun(s.c, w, t, { status: 'queued', createdAgo: '30 minutes' }), level: 'ok', code: 'operations.stable' },
    { name: 'queued for 30 minutes and 1 second is stuck', build: (s, w, t) => fx.operationRun(s.c, w, t, { status: 'queued', createdAgo: '30 minutes 1 second' }), level: 'critical', code: 'operations.stuck_runs' },
    { name: 'running, heartbeat exactly 120 minutes ago', build: (s, w, t) => fx.operationRun(s.c, w, t, { status: 'running', createdAgo: '3 hours', startedAgo: '3 hours', heartbeatAgo: '120 minutes' }), level: 'ok', code: 'operations.stable' },
    { name: 'running, heartbeat 120 minutes and 1 second ago', build: (s, w, t) => fx.operationRun(s.c, w, t, { status: 'running', createdAgo: '3 hours', startedAgo: '3 hours', heartbeatAgo: '120 minutes 1 second' }), level: 'critical', code: 'operations.stuck_runs' },
    { name: 'running, no heartbeat, started 121 minutes ago', build: (s, w, t) => fx.operationRun(s.c, w, t, { status: 'running', createdAgo: '3 hours', startedAgo: '121 minutes' }), level: 'critical', code: 'operations.stuck_runs' },
    { name: 'running, no heartbeat, started 119 minutes ago', build: (s, w, t) => fx.operationRun(s.c, w, t, { status: 'running', createdAgo: '3 hours', startedAgo: '119 minutes' }), level: 'ok', code: 'operations.stable' },
    { name: 'running with neither heartbeat nor start, created 121 minutes ago', build: (s, w, t) => fx.operationRun(s.c, w, t, { status: 'running', createdAgo: '121 minutes' }), level: 'critical', code: 'operations.stuck_runs' },
    { name: '1 failed among 10 succeeded', build: (s, w, t) => runs(s, w, t, { failed: 1, succeeded: 10 }), level: 'warn', code: 'operations.failed_run' },
    { name: '2 failed among 10 succeeded', build: (s, w, t) => runs(s, w, t, { failed: 2, succeeded: 10 }), level: 'warn', code: 'operations.failed_run' },
    { name: 'exactly 3 failed among 10 succeeded', build: (s, w, t) => runs(s, w, t, { failed: 3, succeeded: 10 }), level: 'critical', code: 'operations.failed_runs' },
    { name: 'failure rate exactly 0.5 among exactly 4 finished', build: (s, w, t) => runs(s, w, t, { failed: 2, succeeded: 2 }), level: 'critical', code: 'operations.failure_rate' },
    { name: 'failure rate 0.4 among 5 finished', build: (s, w, t) => runs(s, w, t, { failed: 2, succeeded: 3 }), level: 'warn', code: 'operations.failed_run' },
    { name: 'failure rate 0.67 among only 3 finished', build: (s, w, t) => runs(s, w, t, { failed: 2, succeeded: 1 }), level: 'warn', code: 'operations.failed_run' },
    // (counted as finished, the cancelled run would make it 2 of 4 = 0.5: critical)
    { name: 'cancelled runs do not make the rate count', build: (s, w, t) => runs(s, w, t, { failed: 2, succeeded: 1, cancelled: 1 }), level: 'warn', code: 'operations.failed_run' },
    { name: 'tenantless runs count', build: (s, w) => runs(s, w, null, { failed: 3 }), level: 'critical', code: 'operations.failed_runs' },
    {
      name: 'operations_critical_failed_runs = 2: 2 failed among 10',
      build: async (s, w, t) => { await settings(s, 'operations_critical_failed_runs = 2'); await runs(s, w, t, { failed: 2, succeeded: 10 }); },
      level: 'critical', code: 'operations.failed_runs',
    },
    {
      name: 'operations_critical_failure_rate = 0.25: 1 failed of 4 finished',
      build: async (s, w, t) => { await settings(s, 'operations_critical_failure_rate = 0.25'); await runs(s, w, t, { failed: 1, succeeded: 3 }); },
      level: 'critical', code: 'operations.failure_rate',
    },
    {
      name: 'operations_rate_min_finished_runs = 3: 2 failed of 3 finished',
      build: async (s, w, t) => { await settings(s, 'operations_rate_min_finished_runs = 3'); await runs(s, w, t, { failed: 2, succeeded: 1 }); },
      level: 'critical', code: 'operations.failure_rate',
    },
    {
      name: 'run_queued_stuck_minutes = 10: queued 11 minutes',
      build: async (s, w, t) => { await settings(s, 'run_queued_stuck_minutes = 10'); await fx.operationRun(s.c, w, t, { status: 'queued', createdAgo: '11 minutes' }); },
      level: 'critical', code: 'operations.stuck_runs',
    },
    {
      name: 'run_running_stuck_minutes = 240: heartbeat 3 hours ago',
      build: async (s, w, t) => { await settings(s, 'run_running_stuck_minutes = 240'); await fx.operationRun(s.c, w, t, { status: 'running', createdAgo: '5 hours', heartbeatAgo: '3 hours' }); },
      level: 'ok', code: 'operations.stable',
    },
  ]);
});

describe('governance pressure (per tenant)', () => {
  table('governance_pressure', [
    { name: 'no findings and no permission_posture report', build: async () => {}, level: 'unknown', code: 'governance.no_data' },
    { name: 'only an entra_admin_roles report', build: (s, w, t) => fx.storedReport(s.c, w, t, 'entra_admin_roles'), level: 'unknown', code: 'governance.no_data' },
    { name: 'only a permission_posture report', build: (s, w, t) => fx.storedReport(s.c, w, t, 'permission_posture'), level: 'ok', code: 'governance.clear' },
    { name: 'only resolved findings (they count as truth)', build: (s, w, t) => fx.finding(s.c, w, t, { severity: 'critical', status: 'resolved', dueIn: '-3 days' }), level: 'ok', code: 'governance.clear' },
    { name: 'an open low finding, not due', build: (s, w, t) => fx.finding(s.c, w, t, { severity: 'low', dueIn: '3 days' }), level: 'ok', code: 'governance.clear' },
    { name: 'an open critical finding', build: (s, w, t) => fx.finding(s.c, w, t, { severity: 'critical' }), level: 'critical', code: 'governance.open_critical' },
    { name: 'an open high finding past due', build: (s, w, t) => fx.finding(s.c, w, t, { severity: 'high', dueIn: '-1 second' }), level: 'critical', code: 'governance.high_overdue' },
    { name: 'an open high finding due exactly now (not past)', build: (s, w, t) => fx.finding(s.c, w, t, { severity: 'high', dueIn: '0' }), level: 'warn', code: 'governance.open_high' },
    { name: 'an open high finding, not due', build: (s, w, t) => fx.finding(s.c, w, t, { severity: 'high', dueIn: '5 days' }), level: 'warn', code: 'governance.open_high' },
    { name: 'an open medium finding past due', build: (s, w, t) => fx.finding(s.c, w, t, { severity: 'medium', dueIn: '-1 day' }), level: 'warn', code: 'governance.overdue' },
    { name: 'a risk exception expiring in exactly 14 days', build: (s, w, t) => fx.finding(s.c, w, t, { severity: 'high', status: 'risk_accepted', exceptionExpiresIn: '14 days' }), level: 'warn', code: 'governance.exception_expiring' },
    { name: 'a risk exception expiring in 14 days and 1 second', build: (s, w, t) => fx.finding(s.c, w, t, { severity: 'high', status: 'risk_accepted', exceptionExpiresIn: '14 days 1 second' }), level: 'ok', code: 'governance.clear' },
    { name: 'an expired risk exception', build: (s, w, t) => fx.finding(s.c, w, t, { severity: 'low', status: 'risk_accepted', exceptionExpiresIn: '-2 days' }), level: 'warn', code: 'governance.exception_expiring' },
    { name: 'a risk exception that never expires', build: (s, w, t) => fx.finding(s.c, w, t, { severity: 'critical', status: 'risk_accepted', dueIn: '-3 days' }), level: 'ok', code: 'governance.clear' },
    {
      name: 'exception_warning_days = 30: expiring in 20 days',
      build: async (s, w, t) => { await settings(s, 'exception_warning_days = 30'); await fx.finding(s.c, w, t, { severity: 'low', status: 'risk_accepted', exceptionExpiresIn: '20 days' }); },
      level: 'warn', code: 'governance.exception_expiring',
    },
    {
      name: 'exception_warning_days = 0: expiring in 1 day',
      build: async (s, w, t) => { await settings(s, 'exception_warning_days = 0'); await fx.finding(s.c, w, t, { severity: 'low', status: 'risk_accepted', exceptionExpiresIn: '1 day' }); },
      level: 'ok', code: 'governance.clear',
    },
  ]);
});

describe('review-pack readiness (window), the SPEC table row by row', () => {
  const request = async (s: Scenario, w: string, t: string, ago = '5 minutes') =>
    fx.event(s.c, w, t, await fx.user(s.c), 'review_packs.generation_requested', ago);
  table('review_pack_readiness', [
    { name: 'row 1: no request context and no pack in the window', build: async () => {}, level: 'unknown', code: 'review_packs.no_request' },
    { name: 'row 1: a pack and a request older than the window only', build: async (s, w, t) => { await fx.reviewPack(s.c, w, t, { status: 'ready', createdAgo: '2 days' }); await request(s, w, t, '2 days'); }, level: 'unknown', code: 'review_packs.no_request' },
    { name: 'row 2: a request event, no pack yet', build: (s, w, t) => request(s, w, t), level: 'warn', code: 'review_packs.not_generated' },
    { name: 'row 2: latest pack queued', build: (s, w, t) => fx.reviewPack(s.c, w, t, { status: 'queued' }), level: 'warn', code: 'review_packs.pending' },
    { name: 'row 2: latest pack generating', build: (s, w, t) => fx.reviewPack(s.c, w, t, { status: 'generating' }), level: 'warn', code: 'review_packs.pending' },
    {
      name: 'row 2: a newer queued pack after a ready one',
      build: async (s, w, t) => { await fx.reviewPack(s.c, w, t, { status: 'ready', createdAgo: '2 hours' }); await fx.reviewPack(s.c, w, null, { status: 'queued', createdAgo: '1 hour' }); },
      level: 'warn', code: 'review_packs.pending',
    },
    { name: 'row 3: latest pack ready, no expiry', build: (s, w, t) => fx.reviewPack(s.c, w, t, { status: 'ready' }), level: 'ok', code: 'review_packs.ready' },
    { name: 'row 3: latest pack ready, expiring in 1 second', build: (s, w, t) => fx.reviewPack(s.c, w, t, { status: 'ready', expiresIn: '1 second' }), level: 'ok', code: 'review_packs.ready' },
    { name: 'row 3: a workspace-wide ready pack', build: (s, w) => fx.reviewPack(s.c, w, null, { status: 'ready' }), level: 'ok', code: 'review_packs.ready' },
    { name: 'row 4: latest pack failed', build: (s, w, t) => fx.reviewPack(s.c, w, t, { status: 'failed' }), level: 'critical', code: 'review_packs.failed' },
    { name: 'row 4: latest pack ready but expired exactly now', build: (s, w, t) => fx.reviewPack(s.c, w, t, { status: 'ready', expiresIn: '0' }), level: 'critical', code: 'review_packs.expired' },
    {
      name: 'row 4: a failed pack after a ready one',
      build: async (s, w, t) => { await fx.reviewPack(s.c, w, t, { status: 'ready', createdAgo: '2 hours' }); await fx.reviewPack(s.c, w, t, { status: 'failed', createdAgo: '1 hour' }); },
      level: 'critical', code: 'review_packs.failed',
    },
    {
      name: 'a ready pack after a failed one',
      build: async (s, w, t) => { await fx.reviewPack(s.c, w, t, { status: 'failed', createdAgo: '2 hours' }); await fx.reviewPack(s.c, w, t, { status: 'ready', createdAgo: '1 hour' }); },
      level: 'ok', code: 'review_packs.ready',
    },
    { name: 'a pack created 2 days ago is recent for last_7_days', window: 'last_7_days', build: (s, w, t) => fx.reviewPack(s.c, w, t, { status: 'failed', createdAgo: '2 days' }), level: 'critical', code: 'review_packs.failed' },
  ]);
});

describe('engagement freshness (window, telemetry)', () => {
  const ev = async (s: Scenario, w: string, t: string, ago: string) => fx.event(s.c, w, t, await fx.user(s.c), 'support.diagnostics_opened', ago);
  table('engagement_freshness', [
    { name: 'an event in the window', build: (s, w, t) => ev(s, w, t, '1 minute'), level: 'ok', code: 'engagement.active' },
    { name: 'an event 2 days ago, window last_24_hours', build: (s, w, t) => ev(s, w, t, '2 days'), level: 'warn', code: 'engagement.quiet' },
    { name: 'an event 2 days ago, window last_7_days', window: 'last_7_days', build: (s, w, t) => ev(s, w, t, '2 days'), level: 'ok', code: 'engagement.active' },
    { name: 'no event within retention, workspace older than the window', build: async () => {}, level: 'critical', code: 'engagement.dormant' },
    { name: 'an event exactly at the window start is outside it', build: (s, w, t) => ev(s, w, t, '24 hours'), level: 'warn', code: 'engagement.quiet' },
    // within retention = what the recorder accepts and the prune keeps (the cutoff itself is in)
    { name: 'an event exactly 90 days ago (the retention cutoff)', build: (s, w, t) => ev(s, w, t, '90 days'), level: 'warn', code: 'engagement.quiet' },
    {
      // (the recorder refuses it; the owner writes it directly, not pruned yet)
      name: 'only an event 90 days and 1 second ago',
      build: async (s, w, t) => s.c.query(
        `insert into telemetry.product_usage_events (workspace_id, event_name, tenant_id, actor_id, subject_type, subject_id, occurred_at)
         values ($1, 'support.diagnostics_opened', $2, $3, 'tenant', $2, now() - interval '90 days 1 second')`, [w, t, await fx.user(s.c)]),
      level: 'critical', code: 'engagement.dormant',
    },
    { name: 'only an event recorded 2 minutes ahead of now (the recorder accepts 5)', build: (s, w, t) => ev(s, w, t, '-2 minutes'), level: 'warn', code: 'engagement.quiet' },
    {
      name: 'no event, workspace created exactly one window ago',
      build: (s, w) => s.c.query(`update platform.workspaces set created_at = now() - interval '24 hours' where id = $1`, [w]),
      level: 'critical', code: 'engagement.dormant',
    },
    {
      name: 'no event, workspace younger than the window',
      build: (s, w) => s.c.query(`update platform.workspaces set created_at = now() - interval '23 hours' where id = $1`, [w]),
      level: 'unknown', code: 'engagement.too_new',
    },
    {
      name: 'retention shortened to 1 day: an event 2 days ago is outside it',
      build: async (s, w, t) => {
        await ev(s, w, t, '2 days');
        await s.c.query(`update telemetry.settings set retention_days = 1`);
      },
      level: 'critical', code: 'engagement.dormant',
    },
    {
      name: 'retention shortened to 7 days, not pruned yet: an event 10 days ago is still in the window last_30_days',
      window: 'last_30_days',
      build: async (s, w, t) => {
        await ev(s, w, t, '10 days');
        await s.c.query(`update telemetry.settings set retention_days = 7`);
      },
      level: 'ok', code: 'engagement.active',
    },
  ]);
  it('evidence counts the events of active tenants in the window, and names the last one', () =>
    scenario(db, async (s) => {
      const w = await fx.workspace(s.c, { name: 'W' });
      const [a, b] = [await fx.tenant(s.c, w, { name: 'A' }), await fx.tenant(s.c, w, { name: 'B' })];
      for (const ago of ['1 hour', '2 hours', '3 hours', '2 days']) await ev(s, w, a, ago);
      await ev(s, w, b, '1 minute');
      await s.c.query(`update platform.tenants set archived_at = now() where id = $1`, [b]);
      await s.asOperator();
      const day = await dimension(s.c, w, 'engagement_freshness', 'last_24_hours');
      const week = await dimension(s.c, w, 'engagement_freshness', 'last_7_days');
      const lastAt = (await s.c.query<{ t: string }>(`select to_jsonb(now() - interval '1 hour') #>> '{}' as t`)).rows[0]!.t;
      expect(day.evidence).toMatchObject({ events_in_window: 3, last_event_at: lastAt });
      expect(week.evidence).toMatchObject({ events_in_window: 4, last_event_at: lastAt });
    }));
});
