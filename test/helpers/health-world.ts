// Health test worlds: a fully healthy workspace to break one dimension at a time, query helpers
// for the health API, and a small deterministic generator of random worlds (property tests).
import type pg from 'pg';
import * as fx from './platform-fixtures.ts';

export type Level = 'ok' | 'warn' | 'critical' | 'unknown';
export type ConsoleWindow = 'last_hour' | 'last_24_hours' | 'last_7_days' | 'last_30_days';
export const windows: ConsoleWindow[] = ['last_hour', 'last_24_hours', 'last_7_days', 'last_30_days'];
export const dimensionKeys = [
  'onboarding_readiness', 'provider_connection_health', 'operational_stability',
  'governance_pressure', 'review_pack_readiness', 'engagement_freshness',
] as const;
export type DimensionKey = (typeof dimensionKeys)[number];

export interface DimensionRow {
  dimension: DimensionKey; label: string; basis: string; level: Level;
  reason_code: string; reason: string; evidence: Record<string, unknown>; previous_level: Level | null;
}

/** Switches the transaction to `role` (the test connects as superuser, like production's authenticator). */
export async function become(c: pg.ClientBase, role: string): Promise<void> {
  await c.query(`select set_config('role', $1, true)`, [role]);
}

/**
 * A tenant that is ok on every dimension for every window: completed onboarding, a verified
 * connection, a succeeded run, a permission_posture report, a ready pack and an event, all
 * within the last few minutes.
 */
export async function healthyTenant(c: pg.ClientBase, workspaceId: string, actorId: string, name = 'Tenant'): Promise<string> {
  const t = await fx.tenant(c, workspaceId, { name });
  await fx.onboardingSession(c, workspaceId, t, { status: 'completed' });
  await fx.providerConnection(c, workspaceId, t, {});
  await fx.operationRun(c, workspaceId, t, { status: 'succeeded', createdAgo: '5 minutes' });
  await fx.storedReport(c, workspaceId, t, 'permission_posture');
  await fx.reviewPack(c, workspaceId, t, { status: 'ready', createdAgo: '5 minutes' });
  await fx.event(c, workspaceId, t, actorId, 'support.diagnostics_opened', '2 minutes');
  return t;
}

export interface Healthy { workspaceId: string; tenantId: string; actorId: string }
/** A workspace with one healthy tenant: ok on all six dimensions for every window. */
export async function healthyWorkspace(c: pg.ClientBase, name = 'Healthy', options: fx.WorkspaceOptions = {}): Promise<Healthy> {
  const actorId = await fx.user(c);
  const workspaceId = await fx.workspace(c, { name, ...options });
  const tenantId = await healthyTenant(c, workspaceId, actorId);
  return { workspaceId, tenantId, actorId };
}

/** The card's six dimensions, keyed by dimension (as the caller's role). */
export async function dimensions(c: pg.ClientBase, workspaceId: string, window: ConsoleWindow = 'last_24_hours') {
  const { rows } = await c.query<DimensionRow>(
    `select * from system_api.workspace_health_dimensions($1, $2)`, [workspaceId, window]);
  return Object.fromEntries(rows.map((r) => [r.dimension, r])) as Record<DimensionKey, DimensionRow>;
}

export async function dimension(c: pg.ClientBase, workspaceId: string, key: DimensionKey, window: ConsoleWindow = 'last_24_hours') {
  return (await dimensions(c, workspaceId, window))[key];
}

export async function card(c: pg.ClientBase, workspaceId: string, window: ConsoleWindow = 'last_24_hours') {
  const { rows } = await c.query(`select (system_api.workspace_health($1, $2)).*`, [workspaceId, window]);
  return rows[0]!;
}

// ---------------------------------------------------------------------------------------------
// Deterministic random worlds.

/** mulberry32: a tiny seeded PRNG (deterministic across runs and machines). */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}

/** A deterministic uuid from the PRNG (so ties on name are broken by ids the seed decides). */
function uuidFrom(rand: ReturnType<typeof prng>): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand.next() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface WorldOptions { workspaces?: number }
export interface World { workspaceIds: string[]; tenantIds: string[] }

/**
 * Builds a random world in the given transaction: workspaces (some archived, some sharing a
 * name, some young) with 0–4 tenants (some archived), each with random sessions, connections,
 * runs (some tenantless, some stuck), findings, reports, packs and events spread over the last
 * 40 days. Same seed, same world.
 */
export async function generateWorld(c: pg.ClientBase, seed: number, options: WorldOptions = {}): Promise<World> {
  const rand = prng(seed);
  const actor = await fx.user(c, 'Generated actor');
  const names = ['Acme', 'Birch', 'Cobalt', 'Dune', 'Acme'];
  const ago = () => rand.pick(['1 minute', '20 minutes', '45 minutes', '3 hours', '20 hours', '30 hours', '3 days', '8 days', '20 days', '40 days']);
  const world: World = { workspaceIds: [], tenantIds: [] };
  const count = options.workspaces ?? rand.int(4, 12);
  for (let w = 0; w < count; w++) {
    const workspaceId = await fx.workspace(c, {
      id: uuidFrom(rand), name: rand.pick(names), archived: rand.chance(0.1),
      createdAgo: rand.pick(['30 minutes', '2 hours', '2 days', '100 days']),
    });
    world.workspaceIds.push(workspaceId);
    const tenants: string[] = [];
    for (let t = rand.int(0, 4); t > 0; t--) {
      const tenantId = await fx.tenant(c, workspaceId, { id: uuidFrom(rand), archived: rand.chance(0.15) });
      tenants.push(tenantId);
      world.tenantIds.push(tenantId);
      for (let s = rand.int(0, 2); s > 0; s--) {
        await fx.onboardingSession(c, workspaceId, tenantId, {
          status: rand.pick(['in_progress', 'completed', 'blocked', 'abandoned'] as const),
          startedAgo: ago(), updatedAgo: rand.pick(['1 hour', '13 days', '15 days']),
        });
      }
      for (let p = rand.int(0, 2); p > 0; p--) {
        await fx.providerConnection(c, workspaceId, tenantId, {
          consent: rand.pick(['granted', 'granted', 'pending', 'revoked'] as const),
          verification: rand.pick(['verified', 'verified', 'unverified', 'failed'] as const),
          verifiedAgo: rand.pick([null, '1 hour', '8 days']),
        });
      }
      for (let f = rand.int(0, 3); f > 0; f--) {
        await fx.finding(c, workspaceId, tenantId, {
          severity: rand.pick(['low', 'medium', 'high', 'critical'] as const),
          status: rand.pick(['open', 'resolved', 'resolved', 'risk_accepted'] as const),
          ...(rand.chance(0.5) ? { dueIn: rand.pick(['-2 days', '5 days']) } : {}),
          ...(rand.chance(0.5) ? { exceptionExpiresIn: rand.pick(['-1 day', '10 days', '60 days']) } : {}),
        });
      }
      if (rand.chance(0.3)) await fx.storedReport(c, workspaceId, tenantId, rand.pick(['permission_posture', 'entra_admin_roles'] as const));
    }
    const activeTenant = () => (tenants.length > 0 && rand.chance(0.85) ? rand.pick(tenants) : null);
    for (let r = rand.int(0, 6); r > 0; r--) {
      const status = rand.pick(['queued', 'running', 'succeeded', 'succeeded', 'failed', 'cancelled'] as const);
      await fx.operationRun(c, workspaceId, activeTenant(), {
        status, createdAgo: ago(),
        startedAgo: status === 'queued' ? null : '3 hours',
        heartbeatAgo: status === 'running' ? rand.pick(['5 minutes', '3 hours']) : null,
      });
    }
    for (let p = rand.int(0, 3); p > 0; p--) {
      await fx.reviewPack(c, workspaceId, activeTenant(), {
        status: rand.pick(['queued', 'generating', 'ready', 'ready', 'failed'] as const), createdAgo: ago(),
        ...(rand.chance(0.5) ? { expiresIn: rand.pick(['-1 hour', '3 days']) } : {}),
      });
    }
    // Events only for tenants the recorder accepts (active tenant of an active workspace).
    const { rows: live } = await c.query<{ id: string }>(
      `select t.id from platform.tenants t join platform.workspaces w on w.id = t.workspace_id
        where t.workspace_id = $1 and t.archived_at is null and w.archived_at is null order by t.id`, [workspaceId]);
    for (const { id } of live) {
      for (let e = rand.int(0, 3); e > 0; e--) {
        await fx.event(c, workspaceId, id, actor,
          rand.pick(['support.diagnostics_opened', 'review_packs.generation_requested'] as const), ago());
      }
    }
  }
  return world;
}
