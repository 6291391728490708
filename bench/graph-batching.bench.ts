/**
 * Graph batching benchmark: load 200 Verafield users by id the naive way (one GET each, all issued in the same
 * tick, as resolvers without loaders would) and through the per-request DataLoader, which turns the tick into
 * $batch calls of 20. Figures: HTTP requests the gateway sent, the simulator's batch and resource-unit counters,
 * and wall time. Tokens come from the simulator's token endpoint (client credentials), as in production; the
 * admin consent is recorded in-process because the consent page is not what is measured here.
 */
import https from 'node:https';
import { createGraphLoaders, graphPath, GraphClient, type GraphTenantContext } from '../src/graph';
import { DEFAULT_PRODUCT_APP_ID, VERAFIELD } from '../src/simulator/generator';
import { recordApplicationConsent } from '../src/simulator/identity/consent';
import { startSimulator, type RunningSimulator } from '../src/simulator/server';
import { ms, table, type Benchmark } from './report';

const USERS = 200;

function clientCredentialsToken(sim: RunningSimulator): Promise<string> {
  const app = sim.apps[0];
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: app.clientId,
    client_secret: app.secrets[0].secretText,
    scope: 'https://graph.microsoft.com/.default',
  }).toString();
  const url = new URL(`/${VERAFIELD.tenantId}/oauth2/v2.0/token`, sim.baseUrl);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca: sim.caCertPem, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`token endpoint answered ${res.statusCode}: ${text.slice(0, 300)}`));
        else resolve(JSON.parse(text).access_token);
      });
    });
    req.on('error', reject);
    req.end(form);
  });
}

interface Run {
  path: string;
  load(client: GraphClient, paths: string[]): Promise<unknown[]>;
}

const RUNS: Run[] = [
  { path: 'one GET per user', load: (client, paths) => Promise.all(paths.map((p) => client.get(p))) },
  { path: 'DataLoader -> $batch', load: (client, paths) => createGraphLoaders(client).get.loadMany(paths) },
];

export const graphBatchingBenchmark: Benchmark = {
  name: 'graph-batching',
  description: `${USERS} users by id: one GET each versus the DataLoader/$batch path (requests, resource units, time)`,
  async run() {
    const sim = await startSimulator({ tenants: [{ preset: 'verafield' }], apps: [{ clientId: DEFAULT_PRODUCT_APP_ID, displayName: 'Gateway Product', redirectUris: [] }] });
    try {
      recordApplicationConsent(sim.ctx, sim.ctx.store.requireTenant(VERAFIELD.tenantId), sim.apps[0]);
      const token = await clientCredentialsToken(sim);
      const tenant: GraphTenantContext = { tenantKey: 'bench', graphBaseUrl: sim.baseUrl, caPem: sim.caCertPem, getAccessToken: async () => token };
      const setup = new GraphClient(tenant);
      const ids = (await setup.list<{ id: string }>('/users?$select=id&$top=999', { max: USERS })).items.map((u) => u.id);
      setup.close();
      const paths = ids.map((id) => `${graphPath`/users/${id}`}?$select=id,displayName,userPrincipalName`);

      const rows = [];
      for (const run of RUNS) {
        const client = new GraphClient(tenant);
        await client.get('/users?$top=1&$select=id'); // opens the connection: TLS set-up is not what is compared
        await sim.control.resetCounters();
        const before = client.counters().requests;
        const started = performance.now();
        const results = await run.load(client, paths);
        const millis = performance.now() - started;
        const failures = results.filter((r) => r instanceof Error).length;
        if (failures > 0) throw new Error(`${run.path}: ${failures} of ${paths.length} loads failed`);
        const upstream = await sim.control.counters();
        rows.push({
          path: run.path,
          users: paths.length,
          'HTTP requests': client.counters().requests - before,
          '$batch calls': upstream.batches,
          'resource units': upstream.resourceUnits,
          throttled: upstream.throttled,
          time: ms(millis),
        });
        client.close();
      }
      table(rows);
    } finally {
      sim.control.close();
      await sim.close();
    }
  },
};
