/// <reference lib="dom" />
// The dashboard (/system?window=...): product adoption, customer health KPIs, attention list.
import { graphqlPartial } from './api.ts';
import {
  badge, basisOf, basisTag, consoleHref, formatCount, formatRate, formatTime, h, levels, scrollable, svg, toLevel,
  windowEnum, windowLabel, type Level, type WindowKey,
} from './dom.ts';

/** How many attention rows the dashboard asks for (the API's default is 10)... */
export const attentionRows = 20;
/** ...and with `&attention=all`, every workspace that is not OK (GraphQL's Int is 32-bit). */
const allAttentionRows = 2_147_483_647;

interface UsageSummary {
  windowStart: string;
  windowEnd: string;
  activeWorkspaces: number;
  totalWorkspaces: number;
  participationRate: number;
  totalEvents: number;
}

interface UsageFamily {
  eventName: string;
  featureArea: string;
  label: string;
  eventCount: number;
}

interface HealthKpis {
  windowStart: string;
  windowEnd: string;
  totalWorkspaces: number;
  okCount: number;
  warnCount: number;
  criticalCount: number;
  unknownCount: number;
}

export interface AttentionRow {
  workspaceId: string;
  workspaceName: string;
  overallLevel: string;
  nonOkCount: number;
  topDimension: string | null;
  topReasonCode: string | null;
  topReason: string | null;
  drivers: string[] | null;
  nextLink: string;
}

/** A root field that failed is null (its error is listed above the sections). */
interface DashboardData {
  usageSummary: UsageSummary | null;
  usageFamilies: UsageFamily[] | null;
  healthKpis: HealthKpis | null;
  attentionWorkspaces: AttentionRow[] | null;
}

const dashboardQuery = `query ConsoleDashboard($window: ConsoleWindow!, $maxRows: Int!) {
  usageSummary(window: $window) { windowStart windowEnd activeWorkspaces totalWorkspaces participationRate totalEvents }
  usageFamilies(window: $window) { eventName featureArea label eventCount }
  healthKpis(window: $window) { windowStart windowEnd totalWorkspaces okCount warnCount criticalCount unknownCount }
  attentionWorkspaces(window: $window, maxRows: $maxRows) {
    workspaceId workspaceName overallLevel nonOkCount topDimension topReasonCode topReason drivers nextLink
  }
}`;

export async function loadDashboard(window: WindowKey, { allAttention }: { allAttention: boolean }): Promise<HTMLElement[]> {
  const { data, errors } = await graphqlPartial<DashboardData>(dashboardQuery, {
    window: windowEnum(window), maxRows: allAttention ? allAttentionRows : attentionRows,
  });
  const page = [
    h('h1', {}, 'System dashboard'),
    errors.length > 0
      ? h('p', { class: 'notice notice-error', role: 'alert', id: 'dashboard-errors' },
          `Part of the dashboard could not be loaded: ${errors.join('; ')}. `, h('a', { href: location.href }, 'Retry'), '.')
      : null,
    legend(window),
    h('div', { class: 'grid' }, adoptionSection(data, window), healthSection(data.healthKpis, window)),
    attentionSection(data, window, allAttention),
  ];
  return page.filter((element) => element !== null);
}

function legend(window: WindowKey): HTMLElement {
  return h('p', { class: 'legend', id: 'basis-legend' },
    'Signals are marked ', basisTag('point_in_time', window), ' when they describe the state right now, and ',
    basisTag('window', window), ' when they count what happened in the selected window.');
}

// ---- Product adoption (windowed) --------------------------------------------------------------

function adoptionSection({ usageSummary: summary, usageFamilies: families }: DashboardData, window: WindowKey): HTMLElement {
  return h('section', { class: 'panel', 'aria-labelledby': 'adoption-heading', id: 'adoption' },
    h('div', { class: 'panel-head' },
      h('h2', { id: 'adoption-heading' }, 'Product adoption'), basisTag('window', window)),
    summary
      ? h('dl', { class: 'stats' },
          stat('Active workspaces', `${formatCount(summary.activeWorkspaces)} / ${formatCount(summary.totalWorkspaces)}`, 'active-workspaces',
            'active workspaces with at least one event in the window / all active workspaces'),
          stat('Participation rate', formatRate(summary.participationRate), 'participation-rate'),
          stat('Events', formatCount(summary.totalEvents), 'total-events'))
      : notLoaded('The usage summary'),
    summary ? h('p', { class: 'window-range' }, `${formatTime(summary.windowStart)} – ${formatTime(summary.windowEnd)}`) : null,
    h('h3', { id: 'families-heading' }, 'Events by family'),
    families ? familyFigures(families) : notLoaded('The events by family'),
  );
}

function familyFigures(families: UsageFamily[]): Node[] {
  return [
    familyChart(families, Math.max(1, ...families.map((family) => family.eventCount))),
    scrollable(h('table', { class: 'families', 'aria-labelledby': 'families-heading' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Event family'), h('th', { scope: 'col', class: 'num' }, 'Events'))),
      h('tbody', {}, families.map((family) =>
        h('tr', { 'data-event-name': family.eventName },
          h('th', { scope: 'row' }, family.label),
          h('td', { class: 'num' }, formatCount(family.eventCount))))))),
  ];
}

/** Where a section's data failed to load (the error is listed at the top of the page). */
function notLoaded(what: string): HTMLElement {
  return h('p', { class: 'notice notice-error not-loaded' }, `${what} could not be loaded.`);
}

function stat(label: string, value: string, testId: string, title?: string): HTMLElement[] {
  return [h('dt', { title }, label), h('dd', { 'data-testid': testId }, value)];
}

/** Horizontal bars; the table below carries the same figures for screen readers. */
function familyChart(families: UsageFamily[], max: number): SVGElement {
  const rowHeight = 26;
  const labelWidth = 260;
  const barWidth = 220;
  const chart = svg('svg', {
    class: 'chart', viewBox: `0 0 ${labelWidth + barWidth + 60} ${families.length * rowHeight}`,
    role: 'img', 'aria-hidden': 'true', focusable: 'false',
  });
  families.forEach((family, index) => {
    const y = index * rowHeight;
    const width = family.eventCount === 0 ? 0 : Math.max(2, (family.eventCount / max) * barWidth);
    chart.append(
      svg('text', { x: 0, y: y + 17, class: 'chart-label' }, family.label),
      svg('rect', { x: labelWidth, y: y + 5, width: barWidth, height: 16, class: 'chart-track', rx: 3 }),
      svg('rect', { x: labelWidth, y: y + 5, width: width.toFixed(1), height: 16, class: 'chart-bar', rx: 3 }),
      svg('text', { x: labelWidth + barWidth + 8, y: y + 17, class: 'chart-value' }, formatCount(family.eventCount)),
    );
  });
  return chart;
}

// ---- Customer health KPIs ---------------------------------------------------------------------

function healthSection(kpis: HealthKpis | null, window: WindowKey): HTMLElement {
  return h('section', { class: 'panel', 'aria-labelledby': 'health-heading', id: 'health' },
    h('div', { class: 'panel-head' }, h('h2', { id: 'health-heading' }, 'Customer health'),
      h('span', { class: 'basis basis-mixed' }, 'now + ', windowLabel(window).toLowerCase())),
    h('p', { class: 'hint' },
      `Workspaces by overall level: the worst of six dimensions, three read now and three over the ${windowLabel(window).toLowerCase()}.`),
    kpis ? kpiTiles(kpis) : notLoaded('The health summary'),
  );
}

function kpiTiles(kpis: HealthKpis): HTMLElement[] {
  const counts: Record<Level, number> = { critical: kpis.criticalCount, warn: kpis.warnCount, unknown: kpis.unknownCount, ok: kpis.okCount };
  return [
    h('ul', { class: 'kpis' }, levels.map((level) =>
      h('li', { class: `kpi kpi-${level}`, 'data-level': level },
        h('span', { class: 'kpi-count', 'data-testid': `kpi-${level}` }, formatCount(counts[level])),
        badge(level)))),
    h('p', { class: 'hint' }, `${formatCount(kpis.totalWorkspaces)} active workspaces`),
  ];
}

// ---- Attention needed -------------------------------------------------------------------------

export function driverList(drivers: string[] | null, window: WindowKey): HTMLElement {
  if (!drivers || drivers.length === 0) return h('span', { class: 'muted' }, 'none');
  return h('ul', { class: 'drivers' }, drivers.map((driver, index) => {
    const basis = basisOf(driver);
    return h('li', { class: index === 0 ? 'driver driver-top' : 'driver' },
      driver, basis ? [' ', basisTag(basis, window)] : null);
  }));
}

function attentionSection({ attentionWorkspaces: rows, healthKpis: kpis }: DashboardData, window: WindowKey, all: boolean): HTMLElement {
  const nonOk = (kpis?.criticalCount ?? 0) + (kpis?.warnCount ?? 0) + (kpis?.unknownCount ?? 0);
  const dashboard = consoleHref('/system', window);
  return h('section', { class: 'panel', 'aria-labelledby': 'attention-heading', id: 'attention' },
    h('div', { class: 'panel-head' }, h('h2', { id: 'attention-heading' }, 'Attention needed')),
    rows === null ? notLoaded('The attention list')
    : rows.length === 0
      ? h('p', { class: 'notice notice-ok' }, badge('ok'), ' Every active workspace is OK in this window.')
      : [
          h('p', { class: 'hint' },
            `Workspaces not OK, worst first${nonOk > rows.length ? ` (showing ${rows.length} of ${formatCount(nonOk)})` : ''}. `,
            nonOk > rows.length || (kpis === null && rows.length === attentionRows) // (no count without the KPIs)
              ? [h('a', { href: `${dashboard}&attention=all`, id: 'attention-all' }, kpis ? `Show all ${formatCount(nonOk)}` : 'Show all'), '. ']
              : null,
            all && rows.length > attentionRows ? [h('a', { href: dashboard, id: 'attention-top' }, `Show the worst ${attentionRows}`), '. '] : null,
            'Drivers are the dimensions at the overall level; the first is the top driver.'),
          scrollable(h('table', { class: 'attention', 'aria-labelledby': 'attention-heading' },
            h('thead', {}, h('tr', {},
              h('th', { scope: 'col' }, 'Workspace'), h('th', { scope: 'col' }, 'Overall'), h('th', { scope: 'col' }, 'Drivers'),
              h('th', { scope: 'col' }, 'Top reason'), h('th', { scope: 'col' }, 'Next'))),
            h('tbody', {}, rows.map((row) => attentionRow(row, window))))),
        ],
  );
}

function attentionRow(row: AttentionRow, window: WindowKey): HTMLElement {
  return h('tr', { 'data-workspace-id': row.workspaceId, 'data-level': toLevel(row.overallLevel) },
    h('th', { scope: 'row', class: 'workspace-name' }, row.workspaceName),
    h('td', {}, badge(row.overallLevel), row.nonOkCount > 1 ? h('span', { class: 'muted small non-ok' }, ` ${row.nonOkCount} not OK`) : null),
    h('td', {}, driverList(row.drivers, window)),
    h('td', { class: 'reason' }, row.topReason ?? '—'),
    h('td', {}, h('a', { class: 'next-link', href: row.nextLink }, nextLinkText(row.nextLink),
      h('span', { class: 'visually-hidden' }, ` for ${row.workspaceName}`))),
  );
}

/** What a next link opens, in words (the path itself is SPEC §4.3's). */
export function nextLinkText(nextLink: string): string {
  return nextLink.startsWith('/system/tenants/') ? 'Open tenant' : 'Open workspace';
}
