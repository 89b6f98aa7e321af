// The TypeScript recorder client: its catalog and zod schema are identical to the SQL catalog
// (read from the database, not restated here), and refusals surface as UsageEventError with the
// TP code.
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { usageEventCatalog } from '../../../src/telemetry/catalog.ts';
import { recordUsageEvent, UsageEventError, usageEventInput } from '../../../src/telemetry/record-usage-event.ts';
import { as, useTestDatabase } from '../../helpers/database.ts';
import { createWorld, ledgerCount, ledgerRows, type World } from './fixtures.ts';

const db = useTestDatabase();
let world: World;

interface SqlEntry {
  event_name: string; feature_area: string; label: string; display_order: number; subject_types: string[];
  deduplicated: boolean; dedup_metadata_key: string | null;
  rules: Array<{ key: string; required: boolean; allowed_values: string[] | null; pattern: string | null; max_length: number }>;
}
let sqlCatalog: SqlEntry[];

beforeAll(async () => {
  world = await createWorld(db.pool);
  sqlCatalog = await as(db.pool, { role: 'tp_admin_plane', workspaceId: world.workspaceId }, async (c) => (await c.query<SqlEntry>(
    `select c.event_name, c.feature_area, c.label, c.display_order, c.subject_types, c.deduplicated, c.dedup_metadata_key,
            coalesce((select json_agg(json_build_object('key', r.key, 'required', r.required, 'allowed_values', r.allowed_values,
                                                        'pattern', r.pattern, 'max_length', r.max_length) order by r.key)
                        from telemetry.event_metadata_rules r where r.event_name = c.event_name), '[]') as rules
       from telemetry.event_catalog c order by c.display_order`)).rows);
});

const base = () => ({ workspaceId: world.workspaceId, tenantId: world.tenantId, actorId: world.userId, subjectId: '66666666-6666-4666-8666-666666666666' });

describe('the TypeScript catalog', () => {
  it('is identical to telemetry.event_catalog and telemetry.event_metadata_rules', () => {
    expect(usageEventCatalog.map((e) => ({
      event_name: e.eventName, feature_area: e.featureArea, label: e.label, display_order: e.displayOrder,
      subject_types: [...e.subjectTypes], deduplicated: e.deduplicated, dedup_metadata_key: e.dedupMetadataKey,
      rules: Object.entries(e.metadata).sort(([a], [b]) => a.localeCompare(b)).map(([key, rule]) => ({
        key, required: rule.required, allowed_values: rule.allowedValues ? [...rule.allowedValues] : null, pattern: rule.pattern, max_length: rule.maxLength,
      })),
    }))).toEqual(sqlCatalog);
  });

  it('has a zod branch per SQL event that accepts exactly its subject types and metadata rules', () => {
    expect(usageEventInput.options.map((o) => o.shape.eventName.value).sort()).toEqual(sqlCatalog.map((e) => e.event_name).sort());
    for (const entry of sqlCatalog) {
      const accepts = (extra: Record<string, unknown>) => usageEventInput.safeParse({ ...base(), eventName: entry.event_name, subjectType: entry.subject_types[0], metadata: {}, ...extra }).success;
      for (const subjectType of entry.subject_types) expect(accepts({ subjectType, metadata: requiredSample(entry) }), `${entry.event_name} ${subjectType}`).toBe(true);
      expect(accepts({ subjectType: 'workspace', metadata: requiredSample(entry) }), entry.event_name).toBe(false);
      expect(accepts({ metadata: { ...requiredSample(entry), unlisted: 'x' } }), `${entry.event_name} unlisted key`).toBe(false);
      expect(accepts({ metadata: {} }), `${entry.event_name} {}`).toBe(!entry.rules.some((r) => r.required));
      for (const rule of entry.rules) {
        const withValue = (value: unknown) => accepts({ metadata: { ...requiredSample(entry), [rule.key]: value } });
        for (const value of rule.allowed_values ?? []) expect(withValue(value), `${entry.event_name}.${rule.key}=${value}`).toBe(true);
        if (rule.pattern) {
          expect(withValue('inventory.sync')).toBe(true);
          expect(withValue('Inventory Sync')).toBe(false);
          expect(withValue('a'.repeat(rule.max_length + 1))).toBe(false);
          expect(withValue('a'.repeat(rule.max_length))).toBe(true);
        }
        expect(withValue('not_a_listed_value!'), `${entry.event_name}.${rule.key}`).toBe(false);
        expect(withValue(3), `${entry.event_name}.${rule.key} number`).toBe(false);
      }
    }
  });
});

function requiredSample(entry: SqlEntry): Record<string, string> {
  return Object.fromEntries(entry.rules.filter((r) => r.required).map((r) => [r.key, r.allowed_values![0]!]));
}

describe('recordUsageEvent', () => {
  it('records through telemetry.record_event in the caller\'s transaction and returns the id (the first one on a retry)', async () => {
    const input = { ...base(), eventName: 'onboarding.checkpoint_completed' as const, subjectType: 'onboarding_session' as const, metadata: { checkpoint: 'tenant_bound' as const } };
    const id = await as(db.pool, { role: 'tp_admin_plane', workspaceId: world.workspaceId }, (c) => recordUsageEvent(c, input), { commit: true });
    const retry = await as(db.pool, { role: 'tp_admin_plane', workspaceId: world.workspaceId }, (c) => recordUsageEvent(c, { ...input, occurredAt: new Date(Date.now() - 60_000) }), { commit: true });
    expect(retry).toBe(id);
    expect((await ledgerRows(db.pool, world.workspaceId)).map((r) => r.id)).toEqual([id]);
  });

  it('surfaces a database refusal as UsageEventError with its TP code and detail', async () => {
    const error = await as(db.pool, { role: 'tp_admin_plane' }, (c) =>
      recordUsageEvent(c, { ...base(), eventName: 'support.diagnostics_opened', subjectType: 'tenant' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageEventError);
    expect(error).toMatchObject({ code: 'TP007', detail: `tenantpulse.workspace_id is not set; workspace_id is ${world.workspaceId}` });
  });

  it('refuses invalid input before reaching the database, with the TP code of the rule', async () => {
    const before = await ledgerCount(db.pool);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ eventName: 'billing.paid', subjectType: 'tenant' }, 'TP001'],
      [{ eventName: 'support.diagnostics_opened', subjectType: 'tenant', tenantId: undefined }, 'TP002'],
      [{ eventName: 'support.diagnostics_opened', subjectType: 'tenant', metadata: { surface: 'elsewhere' } }, 'TP004'],
      [{ eventName: 'support.diagnostics_opened', subjectType: 'review_pack' }, 'TP006'],
    ];
    for (const [input, code] of cases) {
      const error = await as(db.pool, { role: 'tp_admin_plane', workspaceId: world.workspaceId }, (c) =>
        recordUsageEvent(c, { ...base(), ...input } as never)).catch((e: unknown) => e);
      expect(error, JSON.stringify(input)).toBeInstanceOf(UsageEventError);
      expect((error as UsageEventError).code, JSON.stringify(input)).toBe(code);
    }
    expect(await ledgerCount(db.pool)).toBe(before);
  });

  it('reports, of several refusals, the one the database would report first', async () => {
    const cases: Array<Record<string, unknown>> = [
      { eventName: 'support.diagnostics_opened', subjectType: 'x', occurredAt: null },
      { eventName: 'support.diagnostics_opened', subjectType: 'tenant', metadata: { x: 'y' }, occurredAt: null },
      { eventName: 'support.diagnostics_opened', subjectType: 'x', tenantId: null, metadata: { x: 'y' } },
    ];
    for (const input of cases) {
      const call = (record: (c: pg.PoolClient) => Promise<unknown>) => as(db.pool, { role: 'tp_admin_plane', workspaceId: world.workspaceId }, record)
        .then(() => 'accepted', (e: { code?: string }) => e.code);
      const sql = await call((c) => c.query(`select telemetry.record_event($1, $2, $3, $4, $5, $6, $7, $8)`, [
        input.eventName, world.workspaceId, 'tenantId' in input ? input.tenantId : world.tenantId, world.userId, input.subjectType,
        world.tenantId, JSON.stringify(input.metadata ?? {}), input.occurredAt]));
      const client = await call((c) => recordUsageEvent(c, { ...base(), subjectId: world.tenantId, ...input } as never));
      expect(client, JSON.stringify(input)).toBe(sql);
      expect(sql, JSON.stringify(input)).toMatch(/^TP00/);
    }
  });

  it('leaves uuids to Postgres: any spelling it accepts records, one it refuses is its 22P02', async () => {
    const braced = `{${world.tenantId.toUpperCase()}}`;
    const id = await as(db.pool, { role: 'tp_admin_plane', workspaceId: world.workspaceId }, (c) =>
      recordUsageEvent(c, { ...base(), eventName: 'support.diagnostics_opened', subjectType: 'tenant', tenantId: braced }));
    expect(id).toEqual(expect.any(String));
    const error = await as(db.pool, { role: 'tp_admin_plane', workspaceId: world.workspaceId }, (c) =>
      recordUsageEvent(c, { ...base(), eventName: 'support.diagnostics_opened', subjectType: 'tenant', tenantId: 'tenant-1' })).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(UsageEventError);
    expect(error).toMatchObject({ code: '22P02' });
  });
});
