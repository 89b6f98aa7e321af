// The recorder client for domain code: validates the input against the catalog (zod mirrors
// telemetry.event_catalog: one branch per event with its subject types and metadata rules), then
// calls telemetry.record_event in the caller's transaction and identity. Every refusal, whether
// zod's or the database's, surfaces as a UsageEventError carrying its TP code.
import type pg from 'pg';
import { z } from 'zod';
import {
  diagnosticsSurfaces, onboardingCheckpoints, operationTypePattern, storedReportTypes,
} from './catalog.ts';

export type UsageEventCode = 'TP001' | 'TP002' | 'TP003' | 'TP004' | 'TP005' | 'TP006' | 'TP007';
const usageEventCodes = new Set<string>(['TP001', 'TP002', 'TP003', 'TP004', 'TP005', 'TP006', 'TP007']);

export class UsageEventError extends Error {
  readonly code: UsageEventCode;
  readonly detail: string | undefined;
  constructor(code: UsageEventCode, message: string, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${message}: ${detail}` : message, options);
    this.name = 'UsageEventError';
    this.code = code;
    this.detail = detail;
  }
}

// Ids are parsed by Postgres, which accepts every spelling of a uuid (braces, upper case, no
// hyphens); a string that is none is its 22P02, passed on as it comes. Here only their presence.
const id = z.string();
const common = {
  workspaceId: id,
  tenantId: id,
  actorId: id,
  subjectId: id,
  occurredAt: z.date().optional(),
};

export const usageEventInput = z.discriminatedUnion('eventName', [
  z.strictObject({
    eventName: z.literal('onboarding.checkpoint_completed'),
    ...common,
    subjectType: z.enum(['onboarding_session']),
    metadata: z.strictObject({ checkpoint: z.enum(onboardingCheckpoints) }),
  }),
  z.strictObject({
    eventName: z.literal('support.diagnostics_opened'),
    ...common,
    subjectType: z.enum(['tenant', 'operation_run']),
    metadata: z.strictObject({ surface: z.enum(diagnosticsSurfaces).optional() }).default({}),
  }),
  z.strictObject({
    eventName: z.literal('operations.run_started'),
    ...common,
    subjectType: z.enum(['operation_run']),
    metadata: z.strictObject({ operation_type: z.string().max(64).regex(new RegExp(operationTypePattern)).optional() }).default({}),
  }),
  z.strictObject({
    eventName: z.literal('reports.stored_report_created'),
    ...common,
    subjectType: z.enum(['stored_report']),
    metadata: z.strictObject({ report_type: z.enum(storedReportTypes).optional() }).default({}),
  }),
  z.strictObject({
    eventName: z.literal('review_packs.generation_requested'),
    ...common,
    subjectType: z.enum(['review_pack']),
    metadata: z.strictObject({}).default({}),
  }),
]);

export type UsageEventInput = z.input<typeof usageEventInput>;

/** The order in which the database reports its checks when several fail (README, the recorder). */
const precedence: UsageEventCode[] = ['TP001', 'TP002', 'TP007', 'TP006', 'TP004', 'TP005', 'TP003'];

/** Which TP code a zod issue corresponds to (the same rule the database would apply). */
function codeForPath(path: PropertyKey[]): UsageEventCode {
  switch (path[0]) {
    case 'workspaceId': case 'tenantId': case 'actorId': return 'TP002';
    case 'subjectType': case 'subjectId': return 'TP006';
    case 'metadata': return 'TP004';
    case 'occurredAt': return 'TP005';
    default: return 'TP001';
  }
}

/**
 * Records a product usage event through telemetry.record_event and returns its id (the first
 * id when the milestone was already recorded). Runs one statement on the given client, so inside
 * the caller's transaction, role and workspace context: a refusal by zod sends nothing, while a
 * refusal by the database aborts the caller's transaction as any failed statement does (wrap the
 * call in a savepoint to go on after it).
 */
export async function recordUsageEvent(client: Pick<pg.ClientBase, 'query'>, input: UsageEventInput): Promise<string> {
  const parsed = usageEventInput.safeParse(input);
  if (!parsed.success) {
    // zod lists issues in field order; report the one the database would report first
    const [issue, code] = parsed.error.issues.map((i) => [i, codeForPath(i.path)] as const)
      .reduce((first, next) => (precedence.indexOf(next[1]) < precedence.indexOf(first[1]) ? next : first));
    throw new UsageEventError(code, 'invalid usage event', `${issue.path.join('.') || 'input'}: ${issue.message}`, { cause: parsed.error });
  }
  const event = parsed.data;
  try {
    const { rows } = await client.query<{ id: string }>(
      `select telemetry.record_event($1::text, $2::uuid, $3::uuid, $4::uuid, $5::text, $6::uuid, $7::jsonb, coalesce($8::timestamptz, now())) as id`,
      [event.eventName, event.workspaceId, event.tenantId, event.actorId, event.subjectType, event.subjectId,
        JSON.stringify(event.metadata), event.occurredAt ?? null],
    );
    return rows[0]!.id;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code && usageEventCodes.has(code)) {
      const { message, detail } = error as pg.DatabaseError;
      throw new UsageEventError(code as UsageEventCode, message, detail, { cause: error });
    }
    throw error;
  }
}
