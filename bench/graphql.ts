// The console's dashboard over GraphQL (usage summary + families + KPIs + attention list in one
// request) vs the same four SQL calls in one transaction with the same set_configs; then
// requests/second at 10 concurrent connections (autocannon). Runs on a database another bench
// module has seeded; the server logs in as tp_authenticator like production.
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createPool } from '../src/db/pool.ts';
import { mintOperatorToken } from '../src/server/auth.ts';
import { createGraphqlApi } from '../src/server/api.ts';
import { prepareAuthenticatorLogin } from '../src/server/authenticator.ts';
import { createHttpServer, listen } from '../src/server/http.ts';
import { operatorPgSettings } from '../src/server/preset.ts';

interface BenchContext {
  pool: pg.Pool;
  url: string;
  log: (line: string) => void;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no type declarations.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export const dashboardQuery = `query Dashboard($window: ConsoleWindow!) {
  usageSummary(window: $window) { windowStart windowEnd activeWorkspaces totalWorkspaces participationRate totalEvents }
  usageFamilies(window: $window) { eventName featureArea label eventCount }
  healthKpis(window: $window) { windowStart windowEnd totalWorkspaces okCount warnCount criticalCount unknownCount }
  attentionWorkspaces(window: $window) {
    workspaceId workspaceName overallLevel nonOkCount topDimension topReasonCode topReason drivers nextLink
  }
}`;

const directSql = [
  `select * from system_api.usage_summary($1::system_api.console_window)`,
  `select * from system_api.usage_families($1::system_api.console_window)`,
  `select * from system_api.health_kpis($1::system_api.console_window)`,
  `select * from system_api.attention_workspaces($1::system_api.console_window)`,
];

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function timed(iterations: number, warmup: number, fn: () => Promise<void>): Promise<number> {
  for (let i = 0; i < warmup; i += 1) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

export async function benchGraphql(ctx: BenchContext) {
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  const iterations = Math.max(20, Math.round(60 * Math.min(scale, 1)));
  const seconds = Math.max(2, Math.round(10 * Math.min(scale, 1)));
  const window = 'last_24_hours';
  const jwtSecret = 'bench-secret-of-at-least-32-characters!!';
  const statementTimeoutMs = 5000;

  const url = await prepareAuthenticatorLogin(ctx.url);
  const pool = createPool(url, 10, ctx.log);
  const api = await createGraphqlApi({ pool, jwtSecret, production: true, statementTimeoutMs });
  const server = createHttpServer({ pool, graphql: api });
  await listen(server, { host: '127.0.0.1', port: 0 });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const token = await mintOperatorToken(jwtSecret, { sub: 'bench-operator', ttlSeconds: 3600 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const body = JSON.stringify({ query: dashboardQuery, variables: { window } });

  try {
    // Sanity: the API answers the dashboard without errors before anything is timed.
    const probe = (await (await fetch(endpoint, { method: 'POST', headers, body })).json()) as { errors?: unknown[] };
    if (probe.errors) throw new Error(`the dashboard query failed: ${JSON.stringify(probe.errors)}`);

    const httpP50 = await timed(iterations, 30, async () => {
      const response = await fetch(endpoint, { method: 'POST', headers, body });
      await response.arrayBuffer();
    });

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let sqlP50: number;
    try {
      const settings = JSON.stringify(Object.entries(operatorPgSettings('bench-operator', statementTimeoutMs)));
      sqlP50 = await timed(iterations, 30, async () => {
        await client.query('begin');
        await client.query('select set_config(el->>0, el->>1, true) from json_array_elements($1::json) el', [settings]);
        for (const text of directSql) await client.query(text, [window]);
        await client.query('commit');
      });
    } finally {
      await client.end();
    }

    const ratio = httpP50 / sqlP50;
    ctx.log(`\ngraphql: dashboard (4 root fields, window ${window}), warm p50 over ${iterations} requests`);
    ctx.log(`  over HTTP  ${httpP50.toFixed(2)} ms`);
    ctx.log(`  direct SQL ${sqlP50.toFixed(2)} ms (one transaction, same set_configs)`);
    ctx.log(`  ratio      ${ratio.toFixed(2)}× (target ≤ 2×) ${ratio <= 2 ? 'OK' : 'OVER TARGET'}`);

    const load = await autocannon({ url: endpoint, method: 'POST', headers, body, connections: 10, duration: seconds });
    ctx.log(`graphql: autocannon, 10 connections, ${seconds} s: ${load.requests.average.toFixed(0)} req/s ` +
      `(p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms, non-2xx ${load.non2xx}, errors ${load.errors})`);

    return {
      dashboardHttpP50Ms: Number(httpP50.toFixed(2)),
      dashboardSqlP50Ms: Number(sqlP50.toFixed(2)),
      ratio: Number(ratio.toFixed(2)),
      withinTarget: ratio <= 2,
      requestsPerSecond10Connections: Math.round(load.requests.average),
      latencyP50Ms: load.latency.p50,
      latencyP99Ms: load.latency.p99,
      non2xx: load.non2xx,
    };
  } finally {
    // Let the requests still in flight when autocannon stopped finish before the pool ends.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), 5000);
    await closed;
    clearTimeout(force);
    await api.release();
    await pool.end();
  }
}
