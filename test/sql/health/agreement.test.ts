// Property: for random worlds (many seeds), every surface tells the same story — the card, its
// dimensions, the attention row, the KPIs, the tenant cards and the DBA views agree exactly.
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/database.ts';
import { become, generateWorld, windows, type ConsoleWindow } from '../../helpers/health-world.ts';
import { scenario } from './_scenario.ts';

const db = useTestDatabase();
const severity = { critical: 3, warn: 2, unknown: 1, ok: 0 } as const;
type Level = keyof typeof severity;
const worst = (levels: Level[]) => levels.reduce<Level | null>((a, b) => (a === null || severity[b] > severity[a] ? b : a), null);

const seeds = Array.from({ length: 24 }, (_, i) => 1000 + i * 7919);

describe('card = dashboard row, for every workspace of random worlds', () => {
  it.each(seeds)('seed %i', (seed) =>
    scenario(db, async (s) => {
      const world = await generateWorld(s.c, seed);
      const window: ConsoleWindow = windows[seed % windows.length]!;
      await s.asOperator();
      const q = async (sql: string, params: unknown[] = []) => (await s.c.query(sql, params)).rows;
      const attention = new Map((await q(`select * from system_api.attention_workspaces($1, 100000)`, [window])).map((r) => [r.workspace_id, r]));
      const tally: Record<Level, number> = { ok: 0, warn: 0, critical: 0, unknown: 0 };
      const cards = new Map<string, Record<string, unknown>>();
      const dims = new Map<string, Record<string, unknown>[]>();
      for (const w of world.workspaceIds) {
        const [card] = await q(`select (c).* from system_api.workspace_health($1, $2) as c where c is not null`, [w, window]);
        const d = await q(`select * from system_api.workspace_health_dimensions($1, $2)`, [w, window]);
        const archived = (await q(`select archived_at is not null as a from platform.workspaces where id = $1`, [w]))[0]!.a;
        if (archived) {
          expect(card).toBeUndefined();
          expect(d).toEqual([]);
          expect(attention.has(w)).toBe(false);
          continue;
        }
        cards.set(w, card!);
        dims.set(w, d);
        const overall = card!.overall_level as Level;
        tally[overall]++;
        // The card is consistent with its own dimensions.
        expect(d.map((r) => r.dimension)).toEqual([
          'onboarding_readiness', 'provider_connection_health', 'operational_stability',
          'governance_pressure', 'review_pack_readiness', 'engagement_freshness']);
        expect(overall).toBe(worst(d.map((r) => r.level)));
        expect(card!.non_ok_count).toBe(d.filter((r) => r.level !== 'ok').length);
        const drivers = overall === 'ok' ? [] : d.filter((r) => r.level === overall);
        expect(card!.drivers).toEqual(drivers.map((r) => r.label));
        expect(card!.top_dimension).toBe(drivers[0]?.dimension ?? null);
        expect(card!.top_reason_code).toBe(drivers[0]?.reason_code ?? null);
        expect(card!.top_reason).toBe(drivers[0]?.reason ?? null);
        expect(card!.previous_overall_level).toBe(worst(d.map((r) => (r.basis === 'window' ? r.previous_level : r.level))));
        for (const r of d) {
          expect(r.previous_level === null, r.dimension).toBe(r.basis === 'point_in_time');
          expect(typeof r.reason_code).toBe('string');
          expect(typeof r.reason).toBe('string');
        }
        // The dashboard row is the card.
        if (overall === 'ok') {
          expect(attention.has(w)).toBe(false);
          expect(card!.next_link).toBe(`/system/workspaces/${w}?window=${window}`);
        } else {
          const row = attention.get(w)!;
          for (const key of ['workspace_id', 'workspace_name', 'overall_level', 'non_ok_count', 'top_dimension', 'top_reason_code', 'top_reason', 'drivers', 'next_link']) {
            expect(row[key], key).toEqual(card![key]);
          }
        }
        expect(card!.next_link).toMatch(new RegExp(`^/system/(tenants|workspaces)/[0-9a-f-]{36}\\?window=${window}$`));
      }
      expect(attention.size).toBe([...cards.values()].filter((c) => c.overall_level !== 'ok').length);
      // The summaries' evidence-free evaluation is the full one with evidence left null.
      const lean = await q(`select * from health.evaluate($1, null, false) order by workspace_id, display_order`, [window]);
      const full = await q(`select * from health.evaluate($1, null, true) order by workspace_id, display_order`, [window]);
      expect(lean.filter((r) => ['onboarding_readiness', 'provider_connection_health', 'governance_pressure'].includes(r.dimension)).every((r) => r.evidence === null)).toBe(true);
      expect(lean.map(({ evidence, ...r }) => r)).toEqual(full.map(({ evidence, ...r }) => r));
      const [kpis] = await q(`select * from system_api.health_kpis($1)`, [window]);
      expect(kpis).toMatchObject({ total_workspaces: cards.size, ok_count: tally.ok, warn_count: tally.warn, critical_count: tally.critical, unknown_count: tally.unknown });
      // The tenant card is the workspace card plus the tenant.
      for (const t of world.tenantIds) {
        const [tc] = await q(`select (c).* from system_api.tenant_health($1, $2) as c where c is not null`, [t, window]);
        if (tc === undefined) continue;
        const { tenant_id, tenant_name, ...rest } = tc;
        expect(tenant_id).toBe(t);
        expect(tenant_name).toBeDefined();
        expect(rest).toEqual(cards.get(rest.workspace_id as string));
      }
      // The DBA views say the same for the same window.
      await become(s.c, 'tp_dba_reader');
      await s.c.query(`select set_config('tenantpulse.health_window', $1, true)`, [window]);
      const view = await q(`select * from health.workspace_health order by workspace_id`);
      expect(view.map((r) => r.workspace_id)).toEqual([...cards.keys()].sort());
      for (const v of view) {
        const c = cards.get(v.workspace_id)!;
        expect({ workspace_name: v.workspace_name, overall_level: v.overall_level, non_ok_count: v.non_ok_count, top_reason: v.top_reason })
          .toEqual({ workspace_name: c.workspace_name, overall_level: c.overall_level, non_ok_count: c.non_ok_count, top_reason: c.top_reason });
        for (const d of dims.get(v.workspace_id)!) expect(v[d.dimension as string], d.dimension as string).toBe(d.level);
      }
      const dimView = await q(`select * from health.workspace_dimension_health`);
      expect(dimView.length).toBe(cards.size * 6);
      for (const v of dimView) {
        const d = dims.get(v.workspace_id)!.find((r) => r.dimension === v.dimension)!;
        expect(v).toEqual({ workspace_id: v.workspace_id, dimension: d.dimension, level: d.level, reason_code: d.reason_code, reason: d.reason, evidence: d.evidence });
      }
    }));
});
