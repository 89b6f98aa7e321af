// The system console in a real browser (Debian's Chromium, headless, via playwright-core) against
// the real server (port 0) and a database holding the demo world. What the page shows is checked
// against what the system_api functions answer for the same window, read as the operator.
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleHandler } from '../../src/console/serve.ts';
import { seedDemoWorld } from '../../src/demo/world.ts';
import { startTestApi, type TestApi } from '../api/server.ts';
import { as, useTestDatabase } from '../helpers/database.ts';

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
if (!hasChromium) {
  console.warn(
    `\n*** SKIPPED: the system console's browser tests (test/console/console.test.ts): ${chromiumPath} is missing. ` +
      'Install it with `apt-get install -y chromium` (CI\'s .ci/run does). ***\n',
  );
}

const artifacts = 'test-artifacts';

describe.skipIf(!hasChromium)('the system console in a browser', () => {
  const db = useTestDatabase();
  let api: TestApi;
  let browser: Browser;
  let token: string;

  beforeAll(async () => {
    await seedDemoWorld(db.pool);
    api = await startTestApi(db.url, { console: createConsoleHandler() });
    token = await api.token('console-test', { ttlSeconds: 600 });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(artifacts, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  /** A fresh browser session (its own sessionStorage), signed in through the #token= link. */
  async function open(path: string, { with: given = token }: { with?: string | null } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (error) => errors.push(error));
    page.on('close', () => expect(errors).toEqual([]));
    await page.goto(`${api.baseUrl}${path}${given === null ? '' : `#token=${given}`}`);
    return page;
  }

  const operator = <T>(sql: string, values: unknown[]) =>
    as(db.pool, { role: 'tp_system_operator' }, async (client) => (await client.query(sql, values)).rows as T[]);

  const expected = async (window: string) => ({
    kpis: (await operator<Record<string, number>>('select * from system_api.health_kpis($1)', [window]))[0]!,
    summary: (await operator<Record<string, number>>('select * from system_api.usage_summary($1)', [window]))[0]!,
    families: await operator<{ label: string; event_count: number }>('select * from system_api.usage_families($1)', [window]),
    attention: await operator<{ workspace_name: string; overall_level: string; top_reason: string; drivers: string[]; next_link: string }>(
      'select * from system_api.attention_workspaces($1, 20)', [window]),
  });

  const count = (value: number) => new Intl.NumberFormat('en-GB').format(value);

  async function dashboardFigures(page: Page) {
    await page.locator('#attention').waitFor();
    return {
      kpis: Object.fromEntries(await Promise.all(['critical', 'warn', 'unknown', 'ok'].map(async (level) =>
        [level, await page.getByTestId(`kpi-${level}`).textContent()]))),
      active: await page.getByTestId('active-workspaces').textContent(),
      events: await page.getByTestId('total-events').textContent(),
      families: await page.locator('table.families tbody tr').evaluateAll((rows) =>
        rows.map((row) => [row.querySelector('th')!.textContent, row.querySelector('td')!.textContent])),
      attention: await page.locator('table.attention tbody tr').evaluateAll((rows) => rows.map((row) => ({
        name: row.querySelector('th')!.textContent,
        level: row.getAttribute('data-level'),
        drivers: [...row.querySelectorAll('.driver')].map((driver) => driver.firstChild!.textContent),
        reason: row.querySelector('.reason')!.textContent,
        links: [...row.querySelectorAll('a')].map((link) => link.getAttribute('href')),
      }))),
    };
  }

  function expectDashboard(figures: Awaited<ReturnType<typeof dashboardFigures>>, truth: Awaited<ReturnType<typeof expected>>) {
    expect(figures.kpis).toEqual({
      critical: count(truth.kpis.critical_count!), warn: count(truth.kpis.warn_count!),
      unknown: count(truth.kpis.unknown_count!), ok: count(truth.kpis.ok_count!),
    });
    expect(figures.active).toBe(`${count(truth.summary.active_workspaces!)} / ${count(truth.summary.total_workspaces!)}`);
    expect(figures.events).toBe(count(truth.summary.total_events!));
    expect(figures.families).toEqual(truth.families.map((family) => [family.label, count(family.event_count)]));
    expect(figures.attention.map((row) => row.name)).toEqual(truth.attention.map((row) => row.workspace_name));
    figures.attention.forEach((row, index) => {
      const want = truth.attention[index]!;
      expect(row.level).toBe(want.overall_level);
      expect(row.drivers).toEqual(want.drivers);
      expect(row.reason).toBe(want.top_reason);
      expect(row.links).toEqual([want.next_link]); // exactly one next link
    });
  }

  it('opens GraphiQL signed in by the #token= link: its first schema request already carries the token', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const statuses: number[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/graphql') statuses.push(response.status());
    });
    const schema = page.waitForResponse((response) =>
      new URL(response.url()).pathname === '/graphql' && (response.request().postData() ?? '').includes('__schema'));
    await page.goto(`${api.baseUrl}/graphiql#token=${token}`);
    expect((await schema).status()).toBe(200);
    expect(page.url()).toBe(`${api.baseUrl}/graphiql`); // the token left the address bar
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    await context.close();
  });

  it('shows the seeded counts and the attention order on the dashboard (default window: last 24 hours)', async () => {
    const page = await open('/system');
    const figures = await dashboardFigures(page);
    const truth = await expected('last_24_hours');
    expectDashboard(figures, truth);
    // The demo world has workspaces at every level, and the worst come first.
    for (const level of ['critical', 'warn', 'unknown', 'ok']) expect(Number(figures.kpis[level])).toBeGreaterThan(0);
    expect(figures.families.map(([label]) => label)).toEqual([
      'Onboarding checkpoints completed', 'Support diagnostics opened', 'Operations started', 'Reports created', 'Review packs requested',
    ]);
    expect(figures.attention[0]!.level).toBe('critical');
    expect(figures.attention.map((row) => row.name)).not.toContain('Gotham Archive');
    expect(page.url()).toBe(`${api.baseUrl}/system?window=last_24_hours`);
    expect(await page.locator('[aria-current="page"][data-window]').textContent()).toBe('Last 24 hours');
    // Point-in-time and windowed signals are marked apart, in words.
    expect(await page.locator('#adoption .basis-window').count()).toBeGreaterThan(0);
    expect(await page.locator('#attention .basis-now').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${artifacts}/console-dashboard.png`, fullPage: true });
  });

  it('changes the figures and the URL with the window selector, and keeps them on reload', async () => {
    const page = await open('/system?window=last_24_hours');
    const day = await dashboardFigures(page);
    await page.getByRole('link', { name: 'Last 7 days' }).click();
    await page.waitForURL(`${api.baseUrl}/system?window=last_7_days`);
    const week = await dashboardFigures(page);
    expectDashboard(week, await expected('last_7_days'));
    expect(week.events).not.toBe(day.events);
    expect(await page.locator('[aria-current="page"][data-window]').textContent()).toBe('Last 7 days');
    await page.reload();
    expectDashboard(await dashboardFigures(page), await expected('last_7_days'));
    await page.getByRole('link', { name: 'Last hour' }).click();
    await page.waitForURL(`${api.baseUrl}/system?window=last_hour`);
    expectDashboard(await dashboardFigures(page), await expected('last_hour'));
  });

  it('opens the right detail page, same window, from a next link; the card equals the dashboard row', async () => {
    const truth = await expected('last_30_days');
    const tenantRow = truth.attention.find((row) => row.next_link.startsWith('/system/tenants/'));
    const workspaceRow = truth.attention.find((row) => row.next_link.startsWith('/system/workspaces/'));
    expect(tenantRow, 'a row attributable to one tenant').toBeDefined();
    expect(workspaceRow, 'a row not attributable to one tenant').toBeDefined();
    for (const [index, want] of [tenantRow!, workspaceRow!].entries()) {
      const page = await open('/system?window=last_30_days');
      const row = page.locator('table.attention tbody tr', { has: page.getByRole('rowheader', { name: want.workspace_name, exact: true }) });
      const dashboardRow = {
        level: await row.getAttribute('data-level'),
        drivers: await row.locator('.driver').evaluateAll((items) => items.map((item) => item.firstChild!.textContent)),
        reason: await row.locator('.reason').textContent(),
      };
      await row.getByRole('link').click();
      await page.waitForURL(`${api.baseUrl}${want.next_link}`);
      expect(want.next_link).toMatch(/\?window=last_30_days$/);
      const card = page.locator('#health-card');
      await card.waitFor();
      expect({
        level: await card.getAttribute('data-level'),
        drivers: await card.getByTestId('drivers').locator('.driver').evaluateAll((items) => items.map((item) => item.firstChild!.textContent)),
        reason: await card.getByTestId('top-reason').textContent(),
      }).toEqual(dashboardRow);
      expect(await card.locator('a.next-link').getAttribute('href')).toBe(want.next_link);
      // The six dimensions, in order, each with basis, level and reason.
      expect(await card.locator('table.dimensions tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-dimension')))).toEqual([
        'onboarding_readiness', 'provider_connection_health', 'operational_stability',
        'governance_pressure', 'review_pack_readiness', 'engagement_freshness',
      ]);
      expect(await card.locator('table.dimensions .basis-now').count()).toBe(3);
      expect(await card.locator('table.dimensions .basis-window').allTextContents()).toEqual(Array(3).fill('◔ last 30 days'));
      expect(await page.locator('[aria-current="page"][data-window]').textContent()).toBe('Last 30 days');
      await page.screenshot({ path: `${artifacts}/console-${index === 0 ? 'tenant' : 'workspace'}-detail.png`, fullPage: true });
    }
  });

  it('shows the sign-in prompt, never a blank page, for a missing or refused token', async () => {
    const anonymous = await open('/system', { with: null });
    await anonymous.getByRole('heading', { name: 'Sign in to the system console' }).waitFor();
    expect(await anonymous.getByLabel('Operator token').isVisible()).toBe(true);

    const expired = await open('/system', { with: await api.token('console-test', { ttlSeconds: -10 }) });
    await expired.getByRole('alert').waitFor();
    // The server's reason, not a catch-all.
    expect(await expired.getByRole('alert').textContent()).toBe(
      'The server refused the operator token: the token has expired. Sign in again with a fresh token.');

    const refused = await open('/system?window=last_7_days', { with: 'not-a-valid-token' });
    await refused.getByRole('alert').waitFor();
    expect(await refused.getByRole('alert').textContent()).toMatch(/refused the operator token/);
    // The prompt takes the focus; Enter in the token field signs in.
    expect(await refused.evaluate(() => document.activeElement?.id)).toBe('token-input');
    expect(await refused.getByRole('heading', { name: 'Sign in to the system console' }).isVisible()).toBe(true);
    await refused.screenshot({ path: `${artifacts}/console-sign-in.png` });

    // Signing in with a good token from the prompt shows the page asked for.
    await refused.getByLabel('Operator token').fill(token);
    await refused.getByLabel('Operator token').press('Enter');
    await refused.locator('#attention').waitFor();
    expect(refused.url()).toBe(`${api.baseUrl}/system?window=last_7_days`);
    expect(await refused.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('says "not found", keeping the window, for an id that is none — a malformed escape included', async () => {
    for (const path of ['/system/workspaces/%E0%A4%A', '/system/tenants/%ZZ', '/system/workspaces/00000000-0000-0000-0000-000000000000']) {
      const page = await open(`${path}?window=last_7_days`);
      await page.getByRole('heading', { name: 'Not found' }).waitFor();
      expect(await page.getByRole('link', { name: 'Back to the dashboard' }).getAttribute('href')).toBe('/system?window=last_7_days');
      expect(await page.locator('a.brand').getAttribute('href')).toBe('/system?window=last_7_days');
      await page.context().close();
    }
  });

  it('shows what loaded when one part of the dashboard fails, and says which part did not', async () => {
    const kpis = 'function system_api.health_kpis(system_api.console_window)';
    await db.pool.query(`revoke execute on ${kpis} from tp_system_operator`);
    try {
      const page = await open('/system?window=last_7_days');
      await page.locator('#dashboard-errors').waitFor();
      expect(await page.locator('#dashboard-errors').textContent()).toMatch(/^Part of the dashboard could not be loaded: internal error \(reference [0-9a-f-]+\)\. Retry\.$/);
      expect(await page.locator('#health .not-loaded').textContent()).toBe('The health summary could not be loaded.');
      expect(await page.getByTestId('kpi-ok').count(), 'no made-up zeros').toBe(0);
      const [summary] = await operator<{ total_events: number }>('select * from system_api.usage_summary($1)', ['last_7_days']);
      expect(await page.getByTestId('total-events').textContent()).toBe(count(summary!.total_events));
      expect(await page.locator('table.attention tbody tr').count()).toBe(20);
      expect(await page.locator('#attention-all').textContent(), 'the list may be cut: it says so, without a count').toBe('Show all');
    } finally {
      await db.pool.query(`grant execute on ${kpis} to tp_system_operator`);
    }
  });

  it('lists every workspace that is not OK on request, beyond the first rows', async () => {
    const truth = await operator<{ workspace_name: string }>('select * from system_api.attention_workspaces($1, 1000)', ['last_7_days']);
    expect(truth.length, 'the demo world has more workspaces to look at than the dashboard shows').toBeGreaterThan(20);
    const page = await open('/system?window=last_7_days');
    await page.locator('#attention').waitFor();
    expect(await page.locator('table.attention tbody tr').count()).toBe(20);
    await page.getByRole('link', { name: `Show all ${truth.length}` }).click();
    await page.waitForURL(`${api.baseUrl}/system?window=last_7_days&attention=all`);
    await page.locator('#attention-top').waitFor();
    expect(await page.locator('table.attention tbody th').allTextContents()).toEqual(truth.map((row) => row.workspace_name));
  });
});
