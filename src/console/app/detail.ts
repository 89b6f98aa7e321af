/// <reference lib="dom" />
// Workspace and tenant detail pages: the read-only health card, then the page's other facts.
import { graphql } from './api.ts';
import { driverList, nextLinkText } from './dashboard.ts';
import {
  badge, basisTag, consoleHref, formatTime, h, scrollable, toBasis, toLevel, uuidPattern, windowEnum, type WindowKey,
} from './dom.ts';

const cardFields = `workspaceId workspaceName overallLevel previousOverallLevel nonOkCount topDimension topReasonCode topReason
    drivers windowStart windowEnd nextLink`;

const dimensionFields = 'dimension label basis level reasonCode reason evidence previousLevel';

interface Card {
  workspaceId: string;
  workspaceName: string;
  overallLevel: string;
  previousOverallLevel: string | null;
  nonOkCount: number;
  topDimension: string | null;
  topReasonCode: string | null;
  topReason: string | null;
  drivers: string[] | null;
  windowStart: string;
  windowEnd: string;
  nextLink: string;
}

interface TenantCard extends Card {
  tenantId: string;
  tenantName: string | null;
}

interface Dimension {
  dimension: string;
  label: string;
  basis: string;
  level: string;
  reasonCode: string;
  reason: string;
  evidence: unknown;
  previousLevel: string | null;
}

export class NotFound extends Error {}

export async function loadWorkspace(workspaceId: string, window: WindowKey): Promise<HTMLElement[]> {
  if (!uuidPattern.test(workspaceId)) throw new NotFound(`"${workspaceId}" is not a workspace id.`);
  const data = await graphql<{ workspaceHealth: Card | null; workspaceHealthDimensions: Dimension[] }>(
    `query ConsoleWorkspace($workspaceId: UUID!, $window: ConsoleWindow!) {
  workspaceHealth(workspaceId: $workspaceId, window: $window) { ${cardFields} }
  workspaceHealthDimensions(workspaceId: $workspaceId, window: $window) { ${dimensionFields} }
}`,
    { workspaceId, window: windowEnum(window) },
  );
  const card = data.workspaceHealth;
  if (!card) throw new NotFound(`No active workspace has the id ${workspaceId}: it does not exist or has been archived.`);
  document.title = `${card.workspaceName} · tenantpulse`;
  return [
    breadcrumbs(window, [card.workspaceName]),
    h('h1', {}, card.workspaceName, h('span', { class: 'kind' }, ' workspace')),
    healthCard(card, data.workspaceHealthDimensions, window),
    facts([['Workspace id', h('code', {}, card.workspaceId)]]),
  ];
}

export async function loadTenant(tenantId: string, window: WindowKey): Promise<HTMLElement[]> {
  if (!uuidPattern.test(tenantId)) throw new NotFound(`"${tenantId}" is not a tenant id.`);
  const { tenantHealth: card } = await graphql<{ tenantHealth: TenantCard | null }>(
    `query ConsoleTenant($tenantId: UUID!, $window: ConsoleWindow!) {
  tenantHealth(tenantId: $tenantId, window: $window) { tenantId tenantName ${cardFields} }
}`,
    { tenantId, window: windowEnum(window) },
  );
  if (!card) throw new NotFound(`No active tenant of an active workspace has the id ${tenantId}, or tenants of more than one workspace share it.`);
  const { workspaceHealthDimensions: dimensions } = await graphql<{ workspaceHealthDimensions: Dimension[] }>(
    `query ConsoleTenantDimensions($workspaceId: UUID!, $window: ConsoleWindow!) {
  workspaceHealthDimensions(workspaceId: $workspaceId, window: $window) { ${dimensionFields} }
}`,
    { workspaceId: card.workspaceId, window: windowEnum(window) },
  );
  const tenantName = card.tenantName ?? `Tenant ${card.tenantId.slice(0, 8)}`;
  const workspaceHref = consoleHref(`/system/workspaces/${card.workspaceId}`, window);
  document.title = `${tenantName} · tenantpulse`;
  return [
    breadcrumbs(window, [h('a', { href: workspaceHref }, card.workspaceName), tenantName]),
    h('h1', {}, tenantName, h('span', { class: 'kind' }, ' tenant')),
    h('p', { class: 'hint' }, 'The health card of the tenant’s workspace, ', h('a', { href: workspaceHref }, card.workspaceName), '.'),
    healthCard(card, dimensions, window),
    facts([
      ['Tenant id', h('code', {}, card.tenantId)],
      ['Workspace', h('a', { href: workspaceHref }, card.workspaceName)],
      ['Workspace id', h('code', {}, card.workspaceId)],
    ]),
  ];
}

function breadcrumbs(window: WindowKey, trail: Array<string | HTMLElement>): HTMLElement {
  return h('nav', { 'aria-label': 'Breadcrumb', class: 'breadcrumbs' },
    h('ol', {},
      h('li', {}, h('a', { href: consoleHref('/system', window) }, 'Dashboard')),
      trail.map((item, index) =>
        h('li', index === trail.length - 1 ? { 'aria-current': 'page' } : {}, item))));
}

function facts(rows: Array<[string, HTMLElement | string]>): HTMLElement {
  return h('section', { class: 'panel', 'aria-labelledby': 'facts-heading' },
    h('h2', { id: 'facts-heading' }, 'Facts'),
    h('dl', { class: 'facts' }, rows.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)])));
}

function healthCard(card: Card, dimensions: Dimension[], window: WindowKey): HTMLElement {
  const overall = toLevel(card.overallLevel);
  const previous = card.previousOverallLevel ? toLevel(card.previousOverallLevel) : null;
  return h('section', { class: `panel card card-${overall}`, 'aria-labelledby': 'card-heading', id: 'health-card', 'data-level': overall },
    h('div', { class: 'panel-head' }, h('h2', { id: 'card-heading' }, 'Health'),
      h('span', { class: 'muted small' }, `${formatTime(card.windowStart)} – ${formatTime(card.windowEnd)}`)),
    h('dl', { class: 'card-summary' },
      h('dt', {}, 'Overall'),
      h('dd', { 'data-testid': 'overall' }, badge(overall),
        previous ? h('span', { class: 'trend', 'data-testid': 'previous-overall' },
          previous === overall ? ' unchanged since the previous window' : [' was ', badge(previous), ' in the previous window']) : null),
      h('dt', {}, 'Drivers'),
      h('dd', { 'data-testid': 'drivers' }, driverList(card.drivers, window)),
      h('dt', {}, 'Top reason'),
      h('dd', { 'data-testid': 'top-reason' }, card.topReason ?? (overall === 'ok' ? 'Every dimension is OK.' : '—')),
      h('dt', {}, 'Next'),
      h('dd', {}, h('a', { class: 'next-link', href: card.nextLink }, nextLinkText(card.nextLink)),
        h('code', { class: 'next-path muted small' }, card.nextLink))),
    h('h3', { id: 'dimensions-heading' }, 'Dimensions'),
    scrollable(h('table', { class: 'dimensions', 'aria-labelledby': 'dimensions-heading' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Dimension'), h('th', { scope: 'col' }, 'Basis'), h('th', { scope: 'col' }, 'Level'),
        h('th', { scope: 'col' }, 'Reason'), h('th', { scope: 'col' }, 'Evidence'), h('th', { scope: 'col' }, 'Previous window'))),
      h('tbody', {}, dimensions.map((dimension) => dimensionRow(dimension, window))))),
  );
}

function dimensionRow(dimension: Dimension, window: WindowKey): HTMLElement {
  const level = toLevel(dimension.level);
  const basis = toBasis(dimension.basis);
  return h('tr', { 'data-dimension': dimension.dimension, 'data-level': level },
    h('th', { scope: 'row' }, dimension.label),
    h('td', {}, basisTag(basis, window)),
    h('td', {}, badge(level)),
    h('td', { class: 'reason' },
      level === 'unknown' ? h('span', { class: 'why' }, 'Unknown because: ') : null,
      dimension.reason,
      h('div', { class: 'muted small' }, h('code', {}, dimension.reasonCode))),
    h('td', {}, evidence(dimension.evidence, window)),
    h('td', {}, basis === 'window' && dimension.previousLevel
      ? badge(dimension.previousLevel)
      : h('span', { class: 'muted', title: 'Point-in-time dimensions have no previous window' }, '—')),
  );
}

/** Evidence: counts as figures, ids of the tenants it names as links to their pages. */
function evidence(value: unknown, window: WindowKey): HTMLElement {
  const object = typeof value === 'string' ? safeParse(value) : value;
  if (!object || typeof object !== 'object' || Array.isArray(object) || Object.keys(object).length === 0) {
    return h('span', { class: 'muted' }, '—');
  }
  return h('dl', { class: 'evidence' }, Object.entries(object as Record<string, unknown>).map(([key, item]) => [
    h('dt', {}, key.replaceAll('_', ' ')),
    h('dd', {}, evidenceValue(key, item, window)),
  ]));
}

function evidenceValue(key: string, value: unknown, window: WindowKey): Array<HTMLElement | string> {
  const items = Array.isArray(value) ? value : [value];
  const namesTenants = /tenant/i.test(key);
  const parts: Array<HTMLElement | string> = [];
  items.forEach((item, index) => {
    if (index > 0) parts.push(', ');
    if (namesTenants && typeof item === 'string' && uuidPattern.test(item)) {
      parts.push(h('a', { href: consoleHref(`/system/tenants/${item}`, window), class: 'tenant-link' }, `tenant ${item.slice(0, 8)}`));
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item as Record<string, unknown>);
      parts.push(entries.length === 0 ? 'none' : h('span', { class: 'evidence-map' },
        entries.map(([name, inner], n) => [n > 0 ? ', ' : '', h('code', {}, name), `: ${formatValue(inner)}`])));
    } else if (item === null) {
      parts.push('—');
    } else if (typeof item === 'number') {
      parts.push(formatValue(item));
    } else if (typeof item === 'string' && uuidPattern.test(item)) {
      parts.push(h('code', { title: item }, item.slice(0, 8)));
    } else if (typeof item === 'boolean') {
      parts.push(item ? 'yes' : 'no');
    } else if (typeof item === 'string' && timestampPattern.test(item)) {
      parts.push(h('time', { datetime: item }, formatTime(item)));
    } else {
      parts.push(String(item));
    }
  });
  if (items.length === 0) parts.push('none');
  return parts;
}

/** Timestamps as jsonb writes them (`2026-11-24T18:13:10.753+00:00`). */
const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function formatValue(value: unknown): string {
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Math.round(value * 1000) / 1000);
  return value === null ? '—' : String(value);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
