// The telemetry event catalog as TypeScript data: it mirrors telemetry.event_catalog and
// telemetry.event_metadata_rules exactly (test/sql/telemetry/record_usage_event.test.ts proves
// it), and the recorder client's zod schema is built from it.
export const onboardingCheckpoints = [
  'tenant_bound', 'consent_granted', 'permissions_verified', 'initial_sync_completed', 'baseline_captured',
] as const;
export const diagnosticsSurfaces = ['tenant_dashboard', 'operation_run_viewer'] as const;
export const storedReportTypes = ['entra_admin_roles', 'permission_posture'] as const;
/** Identifier rule shared by operation types and their metadata (SPEC §3.1). */
export const operationTypePattern = '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$';

export interface MetadataRule {
  required: boolean;
  /** An enumeration, or null when `pattern` applies. */
  allowedValues: readonly string[] | null;
  pattern: string | null;
  maxLength: number;
}

export interface CatalogEntry {
  eventName: string;
  featureArea: string;
  label: string;
  displayOrder: number;
  subjectTypes: readonly string[];
  deduplicated: boolean;
  dedupMetadataKey: string | null;
  metadata: Readonly<Record<string, MetadataRule>>;
}

export const usageEventCatalog = [
  {
    eventName: 'onboarding.checkpoint_completed',
    featureArea: 'onboarding',
    label: 'Onboarding checkpoints completed',
    displayOrder: 1,
    subjectTypes: ['onboarding_session'],
    deduplicated: true,
    dedupMetadataKey: 'checkpoint',
    metadata: { checkpoint: { required: true, allowedValues: onboardingCheckpoints, pattern: null, maxLength: 64 } },
  },
  {
    eventName: 'support.diagnostics_opened',
    featureArea: 'support',
    label: 'Support diagnostics opened',
    displayOrder: 2,
    subjectTypes: ['tenant', 'operation_run'],
    deduplicated: false,
    dedupMetadataKey: null,
    metadata: { surface: { required: false, allowedValues: diagnosticsSurfaces, pattern: null, maxLength: 64 } },
  },
  {
    eventName: 'operations.run_started',
    featureArea: 'operations',
    label: 'Operations started',
    displayOrder: 3,
    subjectTypes: ['operation_run'],
    deduplicated: true,
    dedupMetadataKey: null,
    metadata: { operation_type: { required: false, allowedValues: null, pattern: operationTypePattern, maxLength: 64 } },
  },
  {
    eventName: 'reports.stored_report_created',
    featureArea: 'reports',
    label: 'Reports created',
    displayOrder: 4,
    subjectTypes: ['stored_report'],
    deduplicated: true,
    dedupMetadataKey: null,
    metadata: { report_type: { required: false, allowedValues: storedReportTypes, pattern: null, maxLength: 64 } },
  },
  {
    eventName: 'review_packs.generation_requested',
    featureArea: 'review_packs',
    label: 'Review packs requested',
    displayOrder: 5,
    subjectTypes: ['review_pack'],
    deduplicated: true,
    dedupMetadataKey: null,
    metadata: {},
  },
] as const satisfies readonly CatalogEntry[];

export type UsageEventName = (typeof usageEventCatalog)[number]['eventName'];
