/// <reference lib="dom" />
// A tiny element builder and the console's shared vocabulary: windows, levels, dimensions, badges.
// Text always goes through textContent (never innerHTML), so names from the database cannot inject markup.

export type Child = Node | string | number | null | undefined | false | Child[];

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean | null | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** A wide table in a region that scrolls sideways on a narrow screen (focusable, so keys scroll it). */
export function scrollable(table: HTMLTableElement): HTMLElement {
  return h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-labelledby': table.getAttribute('aria-labelledby') }, table);
}

const svgNs = 'http://www.w3.org/2000/svg';

export function svg(tag: string, attributes: Record<string, string | number> = {}, ...children: Array<SVGElement | string>): SVGElement {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  return element;
}

// ---- windows (SPEC §3.5) -------------------------------------------------------------------

export const windows = [
  { key: 'last_hour', label: 'Last hour', short: '1 h' },
  { key: 'last_24_hours', label: 'Last 24 hours', short: '24 h' },
  { key: 'last_7_days', label: 'Last 7 days', short: '7 d' },
  { key: 'last_30_days', label: 'Last 30 days', short: '30 d' },
] as const;

export type WindowKey = (typeof windows)[number]['key'];

export const defaultWindow: WindowKey = 'last_24_hours';

export function isWindow(value: string | null): value is WindowKey {
  return windows.some((window) => window.key === value);
}

export function windowLabel(key: WindowKey): string {
  return windows.find((window) => window.key === key)?.label ?? key;
}

/**
 * The GraphQL value of a window: the committed schema.graphql keeps the SQL enum's labels
 * (`enum ConsoleWindow { last_hour ... }`), so it is the key itself. Queries pass it as the
 * variable `$window: ConsoleWindow!`.
 */
export function windowEnum(key: WindowKey): string {
  return key;
}

// ---- levels (SPEC §4.1) --------------------------------------------------------------------

export type Level = 'ok' | 'warn' | 'critical' | 'unknown';

/** Display order of the KPI tiles and the severity order of the attention list. */
export const levels: Level[] = ['critical', 'warn', 'unknown', 'ok'];

const levelText: Record<Level, { label: string; icon: string }> = {
  critical: { label: 'Critical', icon: '✖' },
  warn: { label: 'Warn', icon: '▲' },
  unknown: { label: 'Unknown', icon: '?' },
  ok: { label: 'OK', icon: '✔' },
};

/** GraphQL gives enum values upper-cased (CRITICAL); the console speaks lower case. */
export function toLevel(value: unknown): Level {
  const level = String(value ?? 'unknown').toLowerCase();
  return level === 'ok' || level === 'warn' || level === 'critical' ? level : 'unknown';
}

/** A level badge: an icon and a word, so the level never rests on colour alone. */
export function badge(value: unknown, { prefix = '' }: { prefix?: string } = {}): HTMLElement {
  const level = toLevel(value);
  const { label, icon } = levelText[level];
  return h(
    'span',
    { class: `badge badge-${level}`, 'data-level': level },
    h('span', { class: 'badge-icon', 'aria-hidden': 'true' }, icon),
    prefix ? `${prefix} ${label}` : label,
  );
}

// ---- dimensions (SPEC §4.2: fixed, in this order) -------------------------------------------

export type Basis = 'point_in_time' | 'window';

export const dimensions: Array<{ key: string; label: string; basis: Basis }> = [
  { key: 'onboarding_readiness', label: 'Onboarding readiness', basis: 'point_in_time' },
  { key: 'provider_connection_health', label: 'Provider connection health', basis: 'point_in_time' },
  { key: 'operational_stability', label: 'Operational stability', basis: 'window' },
  { key: 'governance_pressure', label: 'Governance pressure', basis: 'point_in_time' },
  { key: 'review_pack_readiness', label: 'Review-pack readiness', basis: 'window' },
  { key: 'engagement_freshness', label: 'Engagement freshness', basis: 'window' },
];

export function basisOf(keyOrLabel: string): Basis | undefined {
  return dimensions.find((dimension) => dimension.key === keyOrLabel || dimension.label === keyOrLabel)?.basis;
}

export function toBasis(value: unknown): Basis {
  return String(value ?? '').toLowerCase() === 'point_in_time' ? 'point_in_time' : 'window';
}

/** "now" for point-in-time signals, the window ("last 7 days") for windowed ones. */
export function basisTag(basis: Basis, window: WindowKey): HTMLElement {
  return basis === 'point_in_time'
    ? h('span', { class: 'basis basis-now', title: 'Point in time: the state right now' }, h('span', { 'aria-hidden': 'true' }, '● '), 'now')
    : h('span', { class: 'basis basis-window', title: `Windowed: what happened in the ${windowLabel(window).toLowerCase()}` },
        h('span', { 'aria-hidden': 'true' }, '◔ '), windowLabel(window).toLowerCase());
}

// ---- formatting ----------------------------------------------------------------------------

const integer = new Intl.NumberFormat('en-GB');
const percent = new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 1 });

export function formatCount(value: unknown): string {
  return integer.format(Number(value ?? 0));
}

export function formatRate(value: unknown): string {
  return percent.format(Number(value ?? 0));
}

const dateTime = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

export function formatTime(value: unknown): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) return '—';
  return `${dateTime.format(new Date(value))} UTC`;
}

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A console URL that keeps the window. */
export function consoleHref(path: string, window: WindowKey): string {
  return `${path}?window=${window}`;
}
