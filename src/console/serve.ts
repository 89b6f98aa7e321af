// The system console's front end, served under /system by the same HTTP server as the API.
// The browser code is plain TypeScript ES modules in src/console/app/, sent with their types
// stripped (node:module stripTypeScriptTypes, whitespace-preserving, so browser line numbers
// match the sources); no bundler, no build step, no network at run time. The page itself talks
// only to the public GraphQL API (POST /graphql) with the operator's Bearer token.
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Mounted by the HTTP server (its `console` option) before the 404: true when it answered. */
export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export const consoleBasePath = '/system';

const appDir = fileURLToPath(new URL('./app/', import.meta.url));

interface Asset {
  body: Buffer;
  contentType: string;
}

/** Reads and prepares every asset once: a type error in the sources fails at start-up, not in a browser. */
function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const file of readdirSync(appDir)) {
    const source = readFileSync(path.join(appDir, file), 'utf8');
    if (file.endsWith('.ts')) {
      const code = stripTypeScriptTypes(source, { mode: 'strip', sourceUrl: `${consoleBasePath}/assets/${file}` });
      assets.set(file, { body: Buffer.from(code), contentType: 'text/javascript; charset=utf-8' });
    } else if (file.endsWith('.css')) {
      assets.set(file, { body: Buffer.from(source), contentType: 'text/css; charset=utf-8' });
    } else if (file.endsWith('.svg')) {
      assets.set(file, { body: Buffer.from(source), contentType: 'image/svg+xml' });
    }
  }
  return assets;
}

/** The one HTML page: every console URL loads it, and main.ts routes on location.pathname. */
function shell(): Buffer {
  return Buffer.from(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>tenantpulse · system console</title>
<link rel="icon" href="${consoleBasePath}/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${consoleBasePath}/assets/console.css">
<script type="module" src="${consoleBasePath}/assets/main.ts"></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="topbar">
  <a class="brand" href="${consoleBasePath}">tenantpulse <span>system console</span></a>
  <div id="session"></div>
</header>
<main id="main" tabindex="-1" aria-busy="true">
  <p class="loading">Loading the console…</p>
  <noscript><p class="notice notice-error">The console needs JavaScript to talk to the GraphQL API.</p></noscript>
</main>
<p id="status" class="visually-hidden" role="status"></p>
</body>
</html>
`);
}

// Scripts only from this origin; the page only calls this origin's API; no inline script.
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function send(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: Buffer, cache: string): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': body.length,
    'cache-control': cache,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': contentSecurityPolicy,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

const pagePattern = /^\/system(?:\/(?:workspaces|tenants)\/[^/]+)?\/?$/;

/**
 * The console's request handler. Returns false for anything outside /system so the server can
 * answer it (404). Assets are loaded when the handler is created.
 */
export function createConsoleHandler(): ConsoleHandler {
  const assets = loadAssets();
  const page = shell();
  return (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname !== consoleBasePath && !pathname.startsWith(`${consoleBasePath}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return true;
    }
    if (pathname.startsWith(`${consoleBasePath}/assets/`)) {
      const asset = assets.get(pathname.slice(`${consoleBasePath}/assets/`.length));
      if (asset) send(req, res, 200, asset.contentType, asset.body, 'no-cache');
      else send(req, res, 404, 'text/plain; charset=utf-8', Buffer.from('not found\n'), 'no-store');
      return true;
    }
    // Unknown console paths get the page too (with 404), which says "page not found" in words.
    send(req, res, pagePattern.test(pathname) ? 200 : 404, 'text/html; charset=utf-8', page, 'no-store');
    return true;
  };
}
