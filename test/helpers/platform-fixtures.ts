// Builders of platform source truth (SPEC §2) for tests. Each inserts one row with the given
// client (run them as tp_owner or the superuser, inside the test's transaction) and returns its
// id. Times are given relative to the transaction's now() as Postgres intervals ('3 days',
// '90 minutes'), so they agree exactly with what SQL evaluates in the same transaction.
// Rows are system-initiated by default (no initiator/requester/creator), so no telemetry capture
// fires unless a test asks for it.
import type pg from 'pg';

type Db = pg.ClientBase | pg.Pool;

/** `now() - interval`, or null. */
const ago = (interval: string | null | undefined) => interval ?? null;

async function one(db: Db, sql: string, params: unknown[]): Promise<string> {
  const { rows } = await db.query<{ id: string }>(sql, params);
  return rows[0]!.id;
}

export interface WorkspaceOptions { name?: string; createdAgo?: string; archived?: boolean; id?: string }
export function workspace(db: Db, options: WorkspaceOptions = {}): Promise<string> {
  return one(db,
    `insert into platform.workspaces (id, name, created_at, archived_at)
     values (coalesce($1::uuid, gen_random_uuid()), $2, now() - coalesce($3::interval, interval '365 days'),
             case when $4 then now() end)
     returning id`,
    [options.id ?? null, options.name ?? 'Workspace', ago(options.createdAgo), options.archived ?? false]);
}

export interface TenantOptions { name?: string; archived?: boolean; id?: string }
export function tenant(db: Db, workspaceId: string, options: TenantOptions = {}): Promise<string> {
  return one(db,
    `insert into platform.tenants (workspace_id, id, name, archived_at)
     values ($1, coalesce($2::uuid, gen_random_uuid()), $3, case when $4 then now() end) returning id`,
    [workspaceId, options.id ?? null, options.name ?? 'Tenant', options.archived ?? false]);
}

export function user(db: Db, displayName = 'User'): Promise<string> {
  return one(db, `insert into platform.users (display_name) values ($1) returning id`, [displayName]);
}

export interface SessionOptions {
  status: 'in_progress' | 'completed' | 'blocked' | 'abandoned';
  startedAgo?: string;
  updatedAgo?: string;
}
export function onboardingSession(db: Db, workspaceId: string, tenantId: string | null, o: SessionOptions): Promise<string> {
  return one(db,
    `insert into platform.onboarding_sessions (workspace_id, tenant_id, status, started_at, updated_at, completed_at)
     values ($1, $2, $3, now() - coalesce($4::interval, interval '1 day'), now() - coalesce($5::interval, interval '0'),
             case when $3 = 'completed' then now() end)
     returning id`,
    [workspaceId, tenantId, o.status, ago(o.startedAgo), ago(o.updatedAgo)]);
}

export interface ConnectionOptions {
  consent?: 'granted' | 'pending' | 'revoked';
  verification?: 'verified' | 'unverified' | 'failed';
  /** Interval since last verification; null = never verified. Default '1 hour'. */
  verifiedAgo?: string | null;
  provider?: string;
}
export function providerConnection(db: Db, workspaceId: string, tenantId: string, o: ConnectionOptions = {}): Promise<string> {
  return one(db,
    `insert into platform.provider_connections (workspace_id, tenant_id, provider, consent_status, verification_status, last_verified_at)
     values ($1, $2, $3, $4, $5, now() - $6::interval) returning id`,
    [workspaceId, tenantId, o.provider ?? 'microsoft', o.consent ?? 'granted', o.verification ?? 'verified',
     o.verifiedAgo === undefined ? '1 hour' : o.verifiedAgo]);
}

export interface RunOptions {
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  createdAgo?: string;
  startedAgo?: string | null;
  heartbeatAgo?: string | null;
  initiatorId?: string | null;
  operationType?: string;
}
export function operationRun(db: Db, workspaceId: string, tenantId: string | null, o: RunOptions): Promise<string> {
  return one(db,
    `insert into platform.operation_runs (workspace_id, tenant_id, operation_type, initiator_id, status, created_at, started_at, finished_at, last_heartbeat_at)
     values ($1, $2, $3, $4, $5, now() - coalesce($6::interval, interval '10 minutes'), now() - $7::interval,
             case when $5 in ('succeeded', 'failed', 'cancelled') then now() end, now() - $8::interval)
     returning id`,
    [workspaceId, tenantId, o.operationType ?? 'inventory.sync', o.initiatorId ?? null, o.status, ago(o.createdAgo),
     o.startedAgo ?? null, o.heartbeatAgo ?? null]);
}

export interface FindingOptions {
  severity: 'low' | 'medium' | 'high' | 'critical';
  status?: 'open' | 'resolved' | 'risk_accepted';
  /** due_at = now() + dueIn (negative = past due); omitted = no due date. */
  dueIn?: string;
  /** exception_expires_at = now() + this (negative = expired); omitted = never. */
  exceptionExpiresIn?: string;
}
export function finding(db: Db, workspaceId: string, tenantId: string, o: FindingOptions): Promise<string> {
  return one(db,
    `insert into platform.findings (workspace_id, tenant_id, severity, status, due_at, exception_expires_at, resolved_at)
     values ($1, $2, $3, $4, now() + $5::interval, now() + $6::interval, case when $4 = 'resolved' then now() end)
     returning id`,
    [workspaceId, tenantId, o.severity, o.status ?? 'open', o.dueIn ?? null, o.exceptionExpiresIn ?? null]);
}

export function storedReport(db: Db, workspaceId: string, tenantId: string,
  reportType: 'entra_admin_roles' | 'permission_posture' = 'permission_posture', createdBy: string | null = null): Promise<string> {
  return one(db,
    `insert into platform.stored_reports (workspace_id, tenant_id, report_type, created_by) values ($1, $2, $3, $4) returning id`,
    [workspaceId, tenantId, reportType, createdBy]);
}

export interface PackOptions {
  status: 'queued' | 'generating' | 'ready' | 'failed';
  createdAgo?: string;
  /** expires_at = now() + this (negative = expired); omitted = never. */
  expiresIn?: string;
  requestedBy?: string | null;
}
export function reviewPack(db: Db, workspaceId: string, tenantId: string | null, o: PackOptions): Promise<string> {
  return one(db,
    `insert into platform.review_packs (workspace_id, tenant_id, status, requested_by, created_at, ready_at, expires_at)
     values ($1, $2, $3, $4, now() - coalesce($5::interval, interval '10 minutes'),
             case when $3 = 'ready' then now() end, now() + $6::interval)
     returning id`,
    [workspaceId, tenantId, o.status, o.requestedBy ?? null, ago(o.createdAgo), o.expiresIn ?? null]);
}

export type EventName =
  | 'onboarding.checkpoint_completed' | 'support.diagnostics_opened' | 'operations.run_started'
  | 'reports.stored_report_created' | 'review_packs.generation_requested';

/**
 * Records one telemetry event through the recorder (the only write path), occurred `occurredAgo`
 * before now(). Each call uses a fresh subject, so retries never collapse two calls.
 */
export async function event(db: Db, workspaceId: string, tenantId: string, actorId: string,
  eventName: EventName = 'support.diagnostics_opened', occurredAgo = '1 minute'): Promise<string> {
  const subject: Record<EventName, [string, string]> = {
    'onboarding.checkpoint_completed': ['onboarding_session', '{"checkpoint":"tenant_bound"}'],
    'support.diagnostics_opened': ['tenant', '{"surface":"tenant_dashboard"}'],
    'operations.run_started': ['operation_run', '{"operation_type":"inventory.sync"}'],
    'reports.stored_report_created': ['stored_report', '{"report_type":"permission_posture"}'],
    'review_packs.generation_requested': ['review_pack', '{}'],
  };
  const [subjectType, metadata] = subject[eventName];
  return one(db,
    `select telemetry.record_event($1, $2, $3, $4, $5, gen_random_uuid(), $6::jsonb, now() - $7::interval) as id`,
    [eventName, workspaceId, tenantId, actorId, subjectType, metadata, occurredAgo]);
}
