/**
 * The development explorer: GraphiQL bundled from npm at build time (scripts/build-explorer.js), served at
 * GET /graphql to browsers and under /explorer/assets, so it works offline. Apollo Sandbox stays one link away for
 * those online. `GET /` answers with a small page pointing at both (and, after a consent flow whose returnUrl is
 * the gateway itself, says how it ended).
 *
 * The local development key (the data folder's dev-api-key, written by `npm start` in simulator mode) is pre-filled
 * in the explorer's headers only outside production and only for requests from this machine (loopback): the key
 * has every right, and HOST may have been opened to the network.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import express, { Router } from 'express';

export interface ExplorerOptions {
  graphqlPath: string;
  /** The data folder, where `npm start` keeps the development key. */
  dataDir: string;
  /** Pre-fill the development key (never in production). */
  prefillDevelopmentKey: boolean;
  /** Serve the explorer at all (GRAPHQL_SANDBOX). */
  enabled: boolean;
}

export const EXPLORER_ASSETS = '/explorer/assets';
const KEY_FILE = 'dev-api-key';

/** dist/explorer, from the compiled gateway (dist/src/server) or from the sources (src/server, under jest). */
export function explorerAssetsDir(): string | undefined {
  const candidates = [join(__dirname, '..', '..', 'explorer'), join(__dirname, '..', '..', 'dist', 'explorer')];
  return candidates.find((dir) => existsSync(join(dir, 'explorer.js')));
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** Apollo Sandbox, online, pointed at this gateway. */
export function sandboxUrl(graphqlUrl: string): string {
  return `https://studio.apollographql.com/sandbox/explorer?endpoint=${encodeURIComponent(graphqlUrl)}`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside <script type="application/json">: no "</script>" can close it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const DEFAULT_QUERY = `# Entra Gateway. Run with the play button; your API key is in the request headers (below).
query Tenants {
  tenants(first: 10) { edges { node { id displayName status } } }
}

# Subscriptions stream over graphql-ws (put a tenant id from above in the variables: { "t": "..." }).
subscription Events($t: ID!) {
  directoryEvents(tenantId: $t) { sequence type subjectId occurredAt }
}
`;

export function explorerPage(settings: { graphqlPath: string; sandboxUrl: string; headers?: Record<string, string> }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Entra Gateway explorer</title>
<link rel="stylesheet" href="${EXPLORER_ASSETS}/explorer.css">
<style>html, body, #explorer { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="explorer"></div>
<script id="explorer-settings" type="application/json">${scriptJson({ ...settings, defaultQuery: DEFAULT_QUERY })}</script>
<script type="module" src="${EXPLORER_ASSETS}/explorer.js"></script>
</body>
</html>
`;
}

export function homePage(opts: { graphqlPath: string; sandboxUrl: string | null; outcome: Record<string, string> }): string {
  const outcome = Object.keys(opts.outcome).length
    ? `<p id="outcome">Consent flow ended: ${Object.entries(opts.outcome).map(([k, v]) => `${escapeHtml(k)} = <code>${escapeHtml(v)}</code>`).join(', ')}</p>`
    : '';
  const explorer = opts.sandboxUrl
    ? `<li><a href="${opts.graphqlPath}">GraphQL explorer</a> (GraphiQL, works offline; the local API key is pre-filled)</li>
<li><a href="${escapeHtml(opts.sandboxUrl)}">Apollo Sandbox</a> (online)</li>`
    : `<li>GraphQL endpoint: <code>${opts.graphqlPath}</code> (POST; WebSocket graphql-ws on the same path)</li>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Entra Gateway</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>Entra Gateway</h1>
${outcome}
<ul>
${explorer}
<li><a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a></li>
</ul>
</body></html>
`;
}

async function developmentHeaders(dataDir: string): Promise<Record<string, string> | undefined> {
  const key = await readFile(join(dataDir, KEY_FILE), 'utf8').then((text) => text.trim(), () => '');
  return key ? { Authorization: `Bearer ${key}` } : undefined;
}

/** GET / always; the explorer page and its assets when enabled. Mount before the GraphQL middleware. */
export function explorerRouter(opts: ExplorerOptions): Router {
  const router = Router();
  const assets = opts.enabled ? explorerAssetsDir() : undefined;
  const absoluteGraphqlUrl = (req: express.Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}${opts.graphqlPath}`;

  router.get('/', (req, res) => {
    const outcome = Object.fromEntries(
      ['tenantId', 'status', 'error', 'error_description'].flatMap((name) => (typeof req.query[name] === 'string' ? [[name, req.query[name] as string]] : [])),
    );
    res.type('html').send(homePage({ graphqlPath: opts.graphqlPath, sandboxUrl: opts.enabled ? sandboxUrl(absoluteGraphqlUrl(req)) : null, outcome }));
  });
  if (!opts.enabled) return router;

  if (assets) router.use(EXPLORER_ASSETS, express.static(assets, { immutable: false, maxAge: 0, index: false }));
  // Browsers asking for a page get the explorer; everything else (POST, JSON GETs, WebSocket upgrades) goes on.
  router.get(opts.graphqlPath, async (req, res, next) => {
    if (req.accepts(['application/json', 'text/html']) !== 'text/html' || req.query.query !== undefined) return next();
    if (!assets) {
      res.status(503).type('text').send('The explorer is not built: run `npm run build` (it bundles GraphiQL with esbuild).');
      return;
    }
    const headers = opts.prefillDevelopmentKey && isLoopback(req.socket.remoteAddress) ? await developmentHeaders(opts.dataDir) : undefined;
    res.setHeader('cache-control', 'no-store');
    res.type('html').send(explorerPage({ graphqlPath: opts.graphqlPath, sandboxUrl: sandboxUrl(absoluteGraphqlUrl(req)), headers }));
  });
  return router;
}

/** For tests: whether the bundle exists where the gateway looks. */
export function explorerBuilt(): boolean {
  const dir = explorerAssetsDir();
  return dir !== undefined && readFileSync(join(dir, 'explorer.js')).length > 0;
}
