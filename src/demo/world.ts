// The demo world (`npm run demo`): a realistic, deterministic set of workspaces that covers every
// level and reason of the six health dimensions, with up to ~3 months of product-usage events.
//
// Everything goes through the production paths: source rows into `platform` (the capture
// triggers record their seam events) and `telemetry.record_event` for the rest. A seam event
// carries the transaction's now(), so for a source row dated in the past the milestone is first
// recorded at the row's own time; the trigger's retry then finds it (same workspace, event and
// subject) and stores nothing more, so history lands where it happened. Rows older than the
// retention window are written as system-made (no user), since no event may be recorded for them.
//
// Deterministic: ids are derived from names, random choices from a fixed seed, and every time is
// an offset from the seeding transaction's now(). Safe to run twice: a database that already
// holds the demo world is left untouched (seedDemoWorld answers { seeded: false }).
import { createHash } from 'node:crypto';
import type pg from 'pg';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** A stable uuid (RFC 4122 layout, version 5 nibble) derived from a name. */
export function demoId(name: string): string {
  const hex = createHash('sha1').update(`tenantpulse-demo:${name}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** mulberry32: a tiny seeded PRNG, so the same world comes out every time. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- the plan ----------------------------------------------------------------------------------

type Onboarding = 'completed' | 'in_progress' | 'stalled' | 'blocked' | 'abandoned' | 'none';
type Provider = 'healthy' | 'revoked' | 'failed' | 'pending' | 'unverified' | 'stale' | 'none';
type Governance = 'clear' | 'none' | 'open_critical' | 'high_overdue' | 'open_high' | 'overdue' | 'exception_expiring' | 'exception_expired';
type Operations = 'stable' | 'none' | 'stuck_queued' | 'stuck_running' | 'failed_runs' | 'failure_rate' | 'failed_run' | 'tenantless_stuck';
type Review = 'ready' | 'none' | 'requested' | 'queued_after_ready' | 'generating' | 'failed' | 'expired';
/** active: events in the last 24 h; quiet: last event 3 days ago; silent: none in retention; new: created hours ago. */
type Engagement = 'active' | 'quiet' | 'silent' | 'new';

interface TenantPlan {
  name: string;
  onboarding?: Onboarding;
  provider?: Provider;
  governance?: Governance;
  archived?: boolean;
}

interface WorkspacePlan {
  name: string;
  /** Days since the workspace was created. */
  ageDays: number;
  /** Mean user events per day of history. */
  activity: number;
  tenants: TenantPlan[];
  operations?: Operations;
  review?: Review;
  engagement?: Engagement;
  archived?: boolean;
  /** The tenant (index) a windowed problem is about; default 0. */
  focus?: number;
}

const t = (name: string, overrides: Omit<TenantPlan, 'name'> = {}): TenantPlan => ({ name, ...overrides });

/** The world: one line per workspace, each healthy but for what the line says. */
export const demoPlan: WorkspacePlan[] = [
  // Healthy on every dimension in the last 24 hours.
  { name: 'Acme Logistics', ageDays: 400, activity: 9, tenants: [t('Acme EU'), t('Acme US'), t('Acme APAC'), t('Acme Legacy', { archived: true, onboarding: 'blocked', provider: 'revoked', governance: 'open_critical' })] },
  { name: 'Northwind Traders', ageDays: 320, activity: 7, tenants: [t('Northwind HQ'), t('Northwind Retail')] },
  { name: 'Contoso Health', ageDays: 260, activity: 6, tenants: [t('Contoso Clinics'), t('Contoso Labs'), t('Contoso Research')] },
  { name: 'Fabrikam Legal', ageDays: 180, activity: 4, tenants: [t('Fabrikam Legal')] },
  { name: 'Globex Manufacturing', ageDays: 150, activity: 5, tenants: [t('Globex Plant 1'), t('Globex Plant 2')] },
  { name: 'Initech Finance', ageDays: 95, activity: 3, tenants: [t('Initech')] },
  { name: 'Hooli Cloud', ageDays: 70, activity: 8, tenants: [t('Hooli Prod'), t('Hooli Staging')] },
  { name: 'Pied Piper', ageDays: 45, activity: 4, tenants: [t('Pied Piper')] },
  // Onboarding readiness.
  { name: 'Umbrella Research', ageDays: 120, activity: 3, tenants: [t('Umbrella Raccoon City'), t('Umbrella Arctic', { onboarding: 'in_progress' })], focus: 1 },
  { name: 'Stark Industrial', ageDays: 90, activity: 4, tenants: [t('Stark Malibu', { onboarding: 'blocked' })] },
  { name: 'Wayne Foundation', ageDays: 210, activity: 3, tenants: [t('Wayne Gotham'), t('Wayne Metropolis', { onboarding: 'abandoned' }), t('Wayne Bludhaven')], focus: 1 },
  { name: 'Tyrell Biotech', ageDays: 60, activity: 2, tenants: [t('Tyrell LA', { onboarding: 'stalled' })] },
  { name: 'Cyberdyne Systems', ageDays: 140, activity: 3, tenants: [t('Cyberdyne Core'), t('Cyberdyne Skynet', { onboarding: 'none' })], focus: 1 },
  { name: 'Soylent Foods', ageDays: 230, activity: 2, tenants: [t('Soylent Green', { archived: true }), t('Soylent Red', { archived: true })], operations: 'none' },
  // Provider connection health.
  { name: 'Vandelay Imports', ageDays: 300, activity: 4, tenants: [t('Vandelay Latex'), t('Vandelay Export', { provider: 'revoked' }), t('Vandelay Import')], focus: 1 },
  { name: 'Wonka Confectionery', ageDays: 110, activity: 5, tenants: [t('Wonka Factory', { provider: 'failed' })] },
  { name: 'Oceanic Airlines', ageDays: 85, activity: 3, tenants: [t('Oceanic 815', { provider: 'pending' })] },
  { name: 'Massive Dynamic', ageDays: 160, activity: 4, tenants: [t('Massive Dynamic', { provider: 'unverified' })] },
  { name: 'Aperture Labs', ageDays: 130, activity: 3, tenants: [t('Aperture Enrichment', { provider: 'stale' })] },
  { name: 'Black Mesa', ageDays: 75, activity: 2, tenants: [t('Black Mesa East', { provider: 'none' })] },
  { name: 'Blue Sun', ageDays: 240, activity: 4, tenants: [t('Blue Sun Core', { provider: 'revoked' }), t('Blue Sun Rim', { provider: 'revoked' }), t('Blue Sun Ops')] },
  // Operational stability (window).
  { name: 'Gringotts Bank', ageDays: 365, activity: 6, tenants: [t('Gringotts Vaults'), t('Gringotts Exchange')], operations: 'stuck_queued' },
  { name: 'Monarch Solutions', ageDays: 100, activity: 3, tenants: [t('Monarch')], operations: 'stuck_running' },
  { name: 'Nakatomi Trading', ageDays: 200, activity: 5, tenants: [t('Nakatomi Plaza'), t('Nakatomi Osaka')], operations: 'failed_runs' },
  { name: 'Oscorp', ageDays: 90, activity: 4, tenants: [t('Oscorp Labs')], operations: 'failure_rate' },
  { name: 'Prestige Worldwide', ageDays: 50, activity: 3, tenants: [t('Prestige')], operations: 'failed_run' },
  { name: 'Sirius Cybernetics', ageDays: 170, activity: 3, tenants: [t('Sirius Doors')], operations: 'none' },
  { name: 'Virtucon', ageDays: 280, activity: 4, tenants: [t('Virtucon Lair'), t('Virtucon Moon')], operations: 'tenantless_stuck' },
  // Governance pressure.
  { name: 'Weyland-Yutani', ageDays: 330, activity: 5, tenants: [t('Weyland LV-426', { governance: 'open_critical' }), t('Weyland Earth')] },
  { name: 'Zorg Industries', ageDays: 120, activity: 3, tenants: [t('Zorg', { governance: 'high_overdue' })] },
  { name: 'Bluth Company', ageDays: 190, activity: 3, tenants: [t('Bluth Homes', { governance: 'open_high' })] },
  { name: 'Dunder Mifflin', ageDays: 250, activity: 4, tenants: [t('Dunder Scranton', { governance: 'overdue' }), t('Dunder Stamford')] },
  { name: 'Los Pollos Hermanos', ageDays: 80, activity: 3, tenants: [t('Los Pollos', { governance: 'exception_expiring' })] },
  { name: 'Sterling Cooper', ageDays: 220, activity: 3, tenants: [t('Sterling Madison', { governance: 'exception_expired' })] },
  { name: 'Wernham Hogg', ageDays: 65, activity: 2, tenants: [t('Wernham Slough', { governance: 'none' })] },
  // Review-pack readiness (window).
  { name: 'Kwik-E-Mart', ageDays: 140, activity: 4, tenants: [t('Kwik-E-Mart Springfield')], review: 'requested' },
  { name: 'Duff Brewing', ageDays: 180, activity: 4, tenants: [t('Duff Brewery')], review: 'queued_after_ready' },
  { name: 'Gekko & Co', ageDays: 95, activity: 3, tenants: [t('Gekko')], review: 'generating' },
  { name: 'Lacuna Inc', ageDays: 130, activity: 3, tenants: [t('Lacuna')], review: 'failed' },
  { name: 'Rekall', ageDays: 160, activity: 3, tenants: [t('Rekall Mars')], review: 'expired' },
  { name: 'Nostromo Freight', ageDays: 110, activity: 3, tenants: [t('Nostromo')], review: 'none' },
  // Engagement freshness (window).
  { name: 'Sunnydale Utilities', ageDays: 150, activity: 2, tenants: [t('Sunnydale')], engagement: 'quiet' },
  { name: 'Ghostwood Timber', ageDays: 200, activity: 0, tenants: [t('Ghostwood Mill')], engagement: 'silent' },
  { name: 'Fresh Start Ltd', ageDays: 0.25, activity: 0, tenants: [t('Fresh Start', { onboarding: 'in_progress' })], engagement: 'new', operations: 'none', review: 'none' },
  // Several problems at once.
  { name: "Mooby's Retail", ageDays: 270, activity: 5, tenants: [t('Mooby North', { provider: 'revoked' }), t('Mooby South', { governance: 'open_high' })], operations: 'failed_runs', review: 'failed' },
  // Archived: counts nowhere, whatever it holds.
  { name: 'Gotham Archive', ageDays: 300, activity: 3, tenants: [t('Gotham Old', { onboarding: 'blocked', provider: 'revoked' })], operations: 'stuck_queued', archived: true },
];

/** The workspace whose presence says the world is seeded. */
export const demoMarkerWorkspaceId = demoId(`workspace:${demoPlan[0]!.name}`);

const userNames = [
  'Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Katherine Johnson', 'Edsger Dijkstra', 'Barbara Liskov',
  'Donald Knuth', 'Frances Allen', 'Ken Thompson', 'Margaret Hamilton', 'Dennis Ritchie', 'Radia Perlman',
];

const checkpoints = ['tenant_bound', 'consent_granted', 'permissions_verified', 'initial_sync_completed', 'baseline_captured'] as const;
const operationTypes = ['inventory.sync', 'policy.scan', 'directory.sync', 'backup.snapshot', 'report.render'];

// ---- building rows -----------------------------------------------------------------------------

type Row = Record<string, unknown>;

interface EventRow {
  event_name: string;
  workspace_id: string;
  tenant_id: string;
  actor_id: string;
  subject_type: string;
  subject_id: string;
  metadata: Record<string, string>;
  occurred_at: string;
}

interface World {
  users: Row[];
  workspaces: Row[];
  tenants: Row[];
  sessions: Row[];
  connections: Row[];
  findings: Row[];
  /** Recorded before the source rows, at their own time. */
  events: EventRow[];
  checkpoints: Row[];
  runs: Row[];
  reports: Row[];
  packs: Row[];
  archivedTenants: Array<{ workspace_id: string; id: string; archived_at: string }>;
  archivedWorkspaces: Array<{ id: string; archived_at: string }>;
}

/** Builds the rows of the world for a given "now" and retention (pure: no database). */
export function buildDemoWorld(now: Date, retentionDays: number): World {
  const random = prng(20261101);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const at = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString();
  const ahead = (ms: number) => new Date(now.getTime() + ms).toISOString();
  // Events may be recorded only within retention; keep a day of margin.
  const horizon = Math.max(0, retentionDays - 1) * day;

  const world: World = {
    users: [], workspaces: [], tenants: [], sessions: [], connections: [], findings: [], events: [],
    checkpoints: [], runs: [], reports: [], packs: [], archivedTenants: [], archivedWorkspaces: [],
  };
  const users = userNames.map((name, index) => {
    const id = demoId(`user:${name}`);
    world.users.push({ id, display_name: name, created_at: at((500 - index) * day) });
    return id;
  });

  for (const plan of demoPlan) {
    const workspaceId = demoId(`workspace:${plan.name}`);
    const engagement = plan.engagement ?? 'active';
    const created = plan.ageDays * day;
    world.workspaces.push({ id: workspaceId, name: plan.name, created_at: at(created), archived_at: null });
    const wsUsers = [pick(users), pick(users), pick(users)];
    /** The user behind a row of that age, or null (system) when no event may exist for it. */
    const actorAt = (msAgo: number): string | null => {
      if (engagement === 'silent' || engagement === 'new') return null;
      if (msAgo > horizon || msAgo > created) return null;
      if (engagement === 'quiet' && msAgo < 3 * day) return null;
      return pick(wsUsers);
    };
    let serial = 0;
    const nextId = (kind: string) => demoId(`${kind}:${plan.name}:${serial++}`);

    const tenants = plan.tenants.map((tenant, index) => {
      const id = demoId(`tenant:${plan.name}:${tenant.name}`);
      const tenantCreated = Math.max(created - (index * 3 + 1) * hour, 0.5 * hour);
      world.tenants.push({ workspace_id: workspaceId, id, name: tenant.name, created_at: at(tenantCreated), archived_at: null });
      if (tenant.archived) world.archivedTenants.push({ workspace_id: workspaceId, id, archived_at: at(2 * day) });
      return { ...tenant, id, created: tenantCreated };
    });
    const active = tenants.filter((tenant) => !tenant.archived);

    const record = (event: Omit<EventRow, 'workspace_id' | 'occurred_at' | 'actor_id' | 'metadata'> & { metadata?: Record<string, string> }, msAgo: number, actor: string | null) => {
      if (!actor) return;
      world.events.push({ workspace_id: workspaceId, actor_id: actor, metadata: {}, occurred_at: at(msAgo), ...event });
    };

    // A pre-tenant session here and there (nothing is recorded for it).
    if (plan.ageDays > 100 && random() < 0.4) {
      world.sessions.push({ workspace_id: workspaceId, id: nextId('session'), tenant_id: null, status: 'abandoned',
        started_at: at(created - hour), updated_at: at(created - 2 * hour), completed_at: null });
    }

    for (const tenant of tenants) {
      // Onboarding: the latest session decides.
      const onboarding = tenant.onboarding ?? 'completed';
      if (onboarding !== 'none') {
        const sessionId = nextId('session');
        const shape = {
          completed: { started: tenant.created - 10 * minute, updated: tenant.created - 2 * day, reached: 5 },
          in_progress: { started: Math.min(tenant.created, 3 * day), updated: Math.min(tenant.created, 3 * day) * 0.3, reached: 2 },
          stalled: { started: 25 * day, updated: 20 * day, reached: 3 },
          blocked: { started: 9 * day, updated: 3 * day, reached: 2 },
          abandoned: { started: 40 * day, updated: 30 * day, reached: 1 },
        }[onboarding];
        const started = Math.min(shape.started, tenant.created);
        const updated = Math.max(Math.min(shape.updated, started), 0);
        world.sessions.push({
          workspace_id: workspaceId, id: sessionId, tenant_id: tenant.id, status: onboarding === 'stalled' ? 'in_progress' : onboarding,
          started_at: at(started), updated_at: at(updated), completed_at: onboarding === 'completed' ? at(updated) : null,
        });
        for (let step = 0; step < shape.reached; step++) {
          const msAgo = started - ((started - updated) * (step + 1)) / shape.reached;
          const actor = actorAt(msAgo);
          const checkpoint = checkpoints[step]!;
          world.checkpoints.push({ workspace_id: workspaceId, session_id: sessionId, checkpoint, completed_by: actor, completed_at: at(msAgo) });
          record({ event_name: 'onboarding.checkpoint_completed', tenant_id: tenant.id, subject_type: 'onboarding_session', subject_id: sessionId, metadata: { checkpoint } }, msAgo, actor);
        }
      }

      // Provider connections: the worst one decides.
      const provider = tenant.provider ?? 'healthy';
      if (provider !== 'none') {
        const connection = {
          healthy: ['granted', 'verified', 2 * hour + random() * 20 * hour],
          revoked: ['revoked', 'verified', 4 * day],
          failed: ['granted', 'failed', 2 * day],
          pending: ['pending', 'unverified', null],
          unverified: ['granted', 'unverified', null],
          stale: ['granted', 'verified', 10 * day],
        }[provider] as [string, string, number | null];
        world.connections.push({ workspace_id: workspaceId, id: nextId('connection'), tenant_id: tenant.id, provider: 'microsoft',
          consent_status: connection[0], verification_status: connection[1], last_verified_at: connection[2] === null ? null : at(connection[2]) });
        if (random() < 0.3) {
          world.connections.push({ workspace_id: workspaceId, id: nextId('connection'), tenant_id: tenant.id, provider: 'google',
            consent_status: 'granted', verification_status: 'verified', last_verified_at: at(5 * hour) });
        }
      }

      // Governance: findings (resolved ones count as "some data") and posture reports.
      const governance = tenant.governance ?? 'clear';
      const finding = (severity: string, status: string, extra: Row = {}) =>
        world.findings.push({ workspace_id: workspaceId, id: nextId('finding'), tenant_id: tenant.id, severity, status, due_at: null,
          exception_expires_at: null, first_seen_at: at(Math.min(tenant.created, 20 * day)), resolved_at: null, ...extra });
      if (governance !== 'none') {
        finding(pick(['low', 'medium', 'high']), 'resolved', { resolved_at: at(Math.min(tenant.created, 5 * day)) });
        finding('low', 'open', { due_at: ahead(30 * day) });
      }
      if (governance === 'open_critical') finding('critical', 'open', { due_at: ahead(2 * day) });
      if (governance === 'high_overdue') finding('high', 'open', { due_at: at(4 * day) });
      if (governance === 'open_high') finding('high', 'open', { due_at: ahead(10 * day) });
      if (governance === 'overdue') finding('medium', 'open', { due_at: at(6 * day) });
      if (governance === 'exception_expiring') finding('high', 'risk_accepted', { exception_expires_at: ahead(5 * day) });
      if (governance === 'exception_expired') finding('medium', 'risk_accepted', { exception_expires_at: at(3 * day) });
    }

    // ---- history: user activity from the horizon up to a day ago ----
    const historyStart = Math.min(horizon, created);
    const historyEnd = engagement === 'quiet' ? 3 * day : day;
    const reportTypes = (tenant: { governance?: Governance }) =>
      tenant.governance === 'none' ? ['entra_admin_roles'] : ['entra_admin_roles', 'permission_posture'];
    if (plan.activity > 0 && active.length > 0) {
      for (let msAgo = historyStart; msAgo > historyEnd; msAgo -= day) {
        const weekday = new Date(now.getTime() - msAgo).getUTCDay();
        const count = Math.round(plan.activity * (weekday === 0 || weekday === 6 ? 0.3 : 1) * (0.5 + random()));
        for (let n = 0; n < count; n++) {
          const when = Math.max(historyEnd + minute, msAgo - random() * day);
          activity(when, pick(active));
        }
      }
    }

    function activity(msAgo: number, tenant: (typeof tenants)[number], family = random()): void {
      const actor = actorAt(msAgo);
      if (family < 0.42) {
        const viewer = random() < 0.4;
        const runId = viewer ? nextId('external-run') : tenant.id;
        record({ event_name: 'support.diagnostics_opened', tenant_id: tenant.id, subject_type: viewer ? 'operation_run' : 'tenant',
          subject_id: runId, metadata: { surface: viewer ? 'operation_run_viewer' : 'tenant_dashboard' } }, msAgo, actor);
      } else if (family < 0.75) {
        run(msAgo, tenant.id, actor, 'succeeded');
      } else if (family < 0.92) {
        const id = nextId('report');
        const reportType = pick(reportTypes(tenant));
        world.reports.push({ workspace_id: workspaceId, id, tenant_id: tenant.id, report_type: reportType, created_by: actor, created_at: at(msAgo) });
        record({ event_name: 'reports.stored_report_created', tenant_id: tenant.id, subject_type: 'stored_report', subject_id: id, metadata: { report_type: reportType } }, msAgo, actor);
      } else {
        pack(msAgo, tenant.id, actor, 'ready', { expires: msAgo - 45 * day });
      }
    }

    function run(msAgo: number, tenantId: string | null, actor: string | null, status: string, extra: { heartbeat?: number } = {}): void {
      const id = nextId('run');
      const operationType = pick(operationTypes);
      const started = status === 'queued' ? null : msAgo - 20_000;
      const finished = status === 'succeeded' || status === 'failed' || status === 'cancelled' ? Math.max(msAgo - 4 * minute, 0) : null;
      world.runs.push({
        workspace_id: workspaceId, id, tenant_id: tenantId, operation_type: operationType, initiator_id: tenantId ? actor : null, status,
        created_at: at(msAgo), started_at: started === null ? null : at(started), finished_at: finished === null ? null : at(finished),
        last_heartbeat_at: status === 'running' ? at(extra.heartbeat ?? 2 * minute) : finished === null ? null : at(finished),
      });
      if (tenantId) record({ event_name: 'operations.run_started', tenant_id: tenantId, subject_type: 'operation_run', subject_id: id, metadata: { operation_type: operationType } }, msAgo, actor);
    }

    function pack(msAgo: number, tenantId: string, actor: string | null, status: string, { expires }: { expires?: number } = {}): void {
      const id = nextId('pack');
      world.packs.push({
        workspace_id: workspaceId, id, tenant_id: tenantId, status, requested_by: actor, created_at: at(msAgo),
        ready_at: status === 'ready' ? at(Math.max(msAgo - 10 * minute, 0)) : null,
        expires_at: status === 'ready' && expires !== undefined ? (expires >= 0 ? at(expires) : ahead(-expires)) : null,
      });
      record({ event_name: 'review_packs.generation_requested', tenant_id: tenantId, subject_type: 'review_pack', subject_id: id }, msAgo, actor);
    }

    if (plan.archived) world.archivedWorkspaces.push({ id: workspaceId, archived_at: at(hour) });
    if (active.length === 0) continue;

    // ---- the last 24 hours: what the default window sees ----
    const focus = active[Math.min(plan.focus ?? 0, active.length - 1)] ?? active[0]!;
    const recentActor = (msAgo: number) => actorAt(msAgo);
    // User activity in the window (engagement); a few in the last hour for the busier ones.
    if (engagement === 'active') {
      const recent = Math.max(2, Math.round(plan.activity * 0.8));
      for (let n = 0; n < recent; n++) {
        const msAgo = n === 0 && plan.activity >= 5 ? 10 * minute + random() * 40 * minute : 2 * hour + random() * 20 * hour;
        // Only diagnostics and reports here: runs and packs of the window are set by the plan below.
        activity(msAgo, pick(active), random() < 0.7 ? 0.1 : 0.8);
      }
    }

    const operations = plan.operations ?? 'stable';
    const windowRun = (msAgo: number, status: string, extra: { heartbeat?: number } = {}, tenantId: string | null = focus.id) =>
      run(msAgo, tenantId, tenantId ? recentActor(msAgo) : null, status, extra);
    switch (operations) {
      case 'stable':
        windowRun(3 * hour, 'succeeded');
        windowRun(9 * hour, 'succeeded', {}, pick(active).id);
        if (plan.activity >= 6) windowRun(25 * minute, 'running', { heartbeat: 3 * minute });
        break;
      case 'stuck_queued':
        windowRun(5 * hour, 'succeeded');
        windowRun(50 * minute, 'queued');
        break;
      case 'stuck_running':
        windowRun(6 * hour, 'succeeded');
        windowRun(4 * hour, 'running', { heartbeat: 3 * hour });
        break;
      case 'failed_runs':
        for (const msAgo of [2, 7, 11, 15, 19]) windowRun(msAgo * hour, 'succeeded');
        for (const msAgo of [3, 8, 13]) windowRun(msAgo * hour, 'failed');
        break;
      case 'failure_rate':
        windowRun(4 * hour, 'succeeded');
        windowRun(10 * hour, 'succeeded');
        windowRun(6 * hour, 'failed');
        windowRun(14 * hour, 'failed');
        windowRun(16 * hour, 'cancelled');
        break;
      case 'failed_run':
        for (const msAgo of [2, 5, 9, 17]) windowRun(msAgo * hour, 'succeeded');
        windowRun(12 * hour, 'failed');
        break;
      case 'tenantless_stuck':
        windowRun(8 * hour, 'succeeded');
        windowRun(2 * hour, 'queued', {}, null);
        break;
      case 'none':
        break;
    }

    const review = plan.review ?? 'ready';
    switch (review) {
      case 'ready':
        pack(4 * hour + random() * 12 * hour, focus.id, recentActor(6 * hour), 'ready', { expires: -30 * day });
        break;
      case 'requested':
        // Requested through another surface: the pack does not exist yet.
        record({ event_name: 'review_packs.generation_requested', tenant_id: focus.id, subject_type: 'review_pack', subject_id: nextId('future-pack') }, 5 * hour, pick(wsUsers));
        break;
      case 'queued_after_ready':
        pack(12 * hour, focus.id, recentActor(12 * hour), 'ready', { expires: -30 * day });
        pack(40 * minute, focus.id, recentActor(40 * minute), 'queued');
        break;
      case 'generating':
        pack(90 * minute, focus.id, recentActor(90 * minute), 'generating');
        break;
      case 'failed':
        pack(7 * hour, focus.id, recentActor(7 * hour), 'failed');
        break;
      case 'expired':
        pack(20 * hour, focus.id, recentActor(20 * hour), 'ready', { expires: hour });
        break;
      case 'none':
        break;
    }
  }
  world.events.sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
  return world;
}

// ---- writing it --------------------------------------------------------------------------------

const columns: Record<string, string[]> = {
  'platform.users': ['id', 'display_name', 'created_at'],
  'platform.workspaces': ['id', 'name', 'created_at', 'archived_at'],
  'platform.tenants': ['workspace_id', 'id', 'name', 'created_at', 'archived_at'],
  'platform.onboarding_sessions': ['workspace_id', 'id', 'tenant_id', 'status', 'started_at', 'updated_at', 'completed_at'],
  'platform.provider_connections': ['workspace_id', 'id', 'tenant_id', 'provider', 'consent_status', 'verification_status', 'last_verified_at'],
  'platform.findings': ['workspace_id', 'id', 'tenant_id', 'severity', 'status', 'due_at', 'exception_expires_at', 'first_seen_at', 'resolved_at'],
  'platform.onboarding_checkpoints': ['workspace_id', 'session_id', 'checkpoint', 'completed_by', 'completed_at'],
  'platform.operation_runs': ['workspace_id', 'id', 'tenant_id', 'operation_type', 'initiator_id', 'status', 'created_at', 'started_at', 'finished_at', 'last_heartbeat_at'],
  'platform.stored_reports': ['workspace_id', 'id', 'tenant_id', 'report_type', 'created_by', 'created_at'],
  'platform.review_packs': ['workspace_id', 'id', 'tenant_id', 'status', 'requested_by', 'created_at', 'ready_at', 'expires_at'],
};

async function insertRows(client: pg.ClientBase, table: string, rows: Row[]): Promise<void> {
  const names = columns[table]!;
  for (let offset = 0; offset < rows.length; offset += 2000) {
    const batch = rows.slice(offset, offset + 2000).map((row) => Object.fromEntries(names.map((name) => [name, row[name] ?? null])));
    await client.query(
      `insert into ${table} (${names.join(', ')}) select ${names.join(', ')} from jsonb_populate_recordset(null::${table}, $1::jsonb)`,
      [JSON.stringify(batch)],
    );
  }
}

export interface DemoResult {
  seeded: boolean;
  workspaces: number;
  tenants: number;
  events: number;
  message: string;
}

/**
 * Seeds the demo world in one transaction, as tp_owner (the way a host platform's services and
 * the recorder write). Skips, changing nothing, when the demo world is already there.
 */
export async function seedDemoWorld(pool: pg.Pool, log: (line: string) => void = () => {}): Promise<DemoResult> {
  const client = await pool.connect();
  try {
    const { rows: [schema] } = await client.query<{ ready: boolean }>(
      `select to_regclass('telemetry.settings') is not null and to_regprocedure(
         'telemetry.record_event(text, uuid, uuid, uuid, text, uuid, jsonb, timestamptz)') is not null as ready`);
    if (!schema!.ready) {
      throw new Error('this database has no telemetry recorder yet (telemetry.record_event): bring it to the current schema first (npm run migrate)');
    }
    await client.query('begin');
    await client.query('set local role tp_owner');
    // One seeder at a time; the second finds the world and skips.
    await client.query(`select pg_advisory_xact_lock(hashtext('tenantpulse.demo_world'))`);
    const existing = await client.query('select name from platform.workspaces where id = $1', [demoMarkerWorkspaceId]);
    if (existing.rowCount) {
      await client.query('rollback');
      return { seeded: false, workspaces: 0, tenants: 0, events: 0,
        message: `the demo world is already in this database (workspace "${existing.rows[0].name}"): nothing changed` };
    }
    const { rows: [clock] } = await client.query<{ now: Date; retention_days: number }>(
      'select now() as now, (select retention_days from telemetry.settings limit 1) as retention_days');
    const world = buildDemoWorld(clock!.now, clock!.retention_days ?? 90);

    log(`writing ${world.workspaces.length} workspaces, ${world.tenants.length} tenants and their source truth`);
    await insertRows(client, 'platform.users', world.users);
    await insertRows(client, 'platform.workspaces', world.workspaces);
    await insertRows(client, 'platform.tenants', world.tenants);
    await insertRows(client, 'platform.onboarding_sessions', world.sessions);
    await insertRows(client, 'platform.provider_connections', world.connections);
    await insertRows(client, 'platform.findings', world.findings);

    log(`recording ${world.events.length} product-usage events through telemetry.record_event`);
    for (let offset = 0; offset < world.events.length; offset += 2000) {
      await client.query(
        `select telemetry.record_event(e.event_name, e.workspace_id, e.tenant_id, e.actor_id, e.subject_type, e.subject_id, e.metadata, e.occurred_at)
           from jsonb_to_recordset($1::jsonb) as e(event_name text, workspace_id uuid, tenant_id uuid, actor_id uuid,
                subject_type text, subject_id uuid, metadata jsonb, occurred_at timestamptz)
          order by e.occurred_at`,
        [JSON.stringify(world.events.slice(offset, offset + 2000))],
      );
    }

    log('writing checkpoints, runs, reports and review packs (the capture triggers find their events already recorded)');
    await insertRows(client, 'platform.onboarding_checkpoints', world.checkpoints);
    await insertRows(client, 'platform.operation_runs', world.runs);
    await insertRows(client, 'platform.stored_reports', world.reports);
    await insertRows(client, 'platform.review_packs', world.packs);

    for (const tenant of world.archivedTenants) {
      await client.query('update platform.tenants set archived_at = $3 where workspace_id = $1 and id = $2', [tenant.workspace_id, tenant.id, tenant.archived_at]);
    }
    for (const workspace of world.archivedWorkspaces) {
      await client.query('update platform.workspaces set archived_at = $2 where id = $1', [workspace.id, workspace.archived_at]);
    }
    await client.query('commit');
    return {
      seeded: true, workspaces: world.workspaces.length, tenants: world.tenants.length, events: world.events.length,
      message: `seeded the demo world: ${world.workspaces.length} workspaces, ${world.tenants.length} tenants, ${world.events.length} events over ${Math.round((clock!.retention_days ?? 90) - 1)} days`,
    };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
