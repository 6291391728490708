/**
 * The hosted admin portal: what a portal session costs a request compared with an API key (the session is looked
 * up by its cookie's hash on every request, one indexed SELECT; verified API keys are held in memory), and how
 * small the wizard's bundle is compared with the development explorer's, both built by esbuild in this run.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { csrfTokenFor, ALL_PORTAL_STEPS } from '../src/portal/portal-decisions';
import { figure, ms, table, type Benchmark } from './report';
import { startGatewayRig } from './support/gateway-rig';
import { percentile } from './support/stats';

const REQUESTS = 400;
const QUERY = `query($t: ID!) { tenant(id: $t) { id status } }`;

async function timed(url: string, headers: Record<string, string>, tenantId: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: QUERY, variables: { t: tenantId } }) });
    const body = (await res.json()) as { errors?: unknown };
    if (body.errors) throw new Error(`portal bench: expected data, got ${JSON.stringify(body.errors)}`);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

async function bundleTime(script: string): Promise<number> {
  const { bundle } = require(script) as { bundle(): Promise<void> };
  const started = performance.now();
  await bundle();
  return performance.now() - started;
}

export const portalBenchmark: Benchmark = {
  name: 'portal',
  description: 'a portal session vs an API key per request; the portal bundle vs the explorer bundle',
  async run() {
    // The repository root, whether this runs from bench/ or from dist/bench/.
    const root = existsSync(join(__dirname, '..', 'scripts')) ? join(__dirname, '..') : join(__dirname, '..', '..');
    const portalMs = await bundleTime(join(root, 'scripts', 'build-portal.js'));
    const explorerMs = await bundleTime(join(root, 'scripts', 'build-explorer.js'));
    const size = (file: string) => ({ bytes: statSync(file).size, gzip: gzipSync(readFileSync(file)).length });
    const portal = size(join(root, 'dist', 'portal', 'portal.js'));
    const explorer = size(join(root, 'dist', 'explorer', 'explorer.js'));
    table([
      { bundle: 'portal (Preact)', minified: `${(portal.bytes / 1024).toFixed(1)} KiB`, gzip: `${(portal.gzip / 1024).toFixed(1)} KiB`, build: ms(portalMs) },
      { bundle: 'explorer (GraphiQL, React)', minified: `${(explorer.bytes / 1024).toFixed(1)} KiB`, gzip: `${(explorer.gzip / 1024).toFixed(1)} KiB`, build: ms(explorerMs) },
    ]);
    figure({ bench: 'portal', figure: 'bundle-gzip', value: portal.gzip, unit: 'bytes', baseline: explorer.gzip, baselineName: 'explorer bundle' });
    figure({ bench: 'portal', figure: 'bundle-build', value: portalMs, unit: 'ms', baseline: explorerMs, baselineName: 'explorer bundle' });

    const rig = await startGatewayRig();
    try {
      const returnUrl = `${rig.services.config.server.allowedReturnOrigins[0]}/`;
      const link = await rig.services.portal.createLink(rig.tenantId, { steps: ALL_PORTAL_STEPS, returnUrl, createdBy: 'bench' });
      const opened = await rig.services.portal.open(rig.tenantId, new URL(link.url).searchParams.get('token')!, null);
      if (!opened.ok) throw new Error(`portal bench: the link did not open: ${opened.refusal.title}`);
      const session = { cookie: `portal_session=${opened.secret}`, 'x-portal-csrf': csrfTokenFor(opened.secret) };
      const key = { authorization: `Bearer ${rig.apiKey}` };
      await timed(rig.graphqlUrl, key, rig.tenantId); // warm-up: caches, JIT, pool
      const withKey = await timed(rig.graphqlUrl, key, rig.tenantId);
      const withSession = await timed(rig.graphqlUrl, session, rig.tenantId);
      table(
        [
          ['API key', withKey],
          ['portal session', withSession],
        ].map(([name, t]) => ({ caller: name as string, requests: REQUESTS, p50: ms(percentile(t as number[], 50)), p95: ms(percentile(t as number[], 95)) })),
      );
      figure({ bench: 'portal', figure: 'session-request-p50', value: percentile(withSession, 50), unit: 'ms', baseline: percentile(withKey, 50), baselineName: 'API key' });
      figure({ bench: 'portal', figure: 'session-request-p95', value: percentile(withSession, 95), unit: 'ms', baseline: percentile(withKey, 95), baselineName: 'API key' });
    } finally {
      await rig.stop();
    }
  },
};
