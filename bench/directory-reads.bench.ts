/**
 * Directory reads benchmark: `groups(first: 50) { members(first: 10) }` through the real gateway (HTTP,
 * resolvers, per-request DataLoader -> $batch) versus the naive baseline a resolver without loaders would
 * be: one Graph request per group, sent on the gateway's own Graph client for the same tenant. Verafield
 * (with 30 extra groups, so the page holds 50), without and with 20 ms of added Graph latency. Figures per
 * query: upstream HTTP requests, $batch calls, resource units (the simulator's counters), p50/p95 time.
 * PostgreSQL: an embedded one in a temporary folder, removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { createDataSource, runMigrations } from '../src/db/data-source';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { graphPath } from '../src/graph';
import { createLogger } from '../src/logging';
import { bootstrapDevelopment } from '../src/server/dev-bootstrap';
import { createGateway } from '../src/server/gateway';
import { createServices, type GatewayServices } from '../src/server/services';
import { DEFAULT_PRODUCT_APP_ID, VERAFIELD } from '../src/simulator/generator';
import { startSimulator, type RunningSimulator } from '../src/simulator/server';
import { ms, table, type Benchmark } from './report';

const GROUPS = 50;
const MEMBERS = 10;
const ROUNDS = 9;
const QUERY = `query Nested($id: ID!) { tenant(id: $id) { groups(first: ${GROUPS}) { edges { node { id displayName members(first: ${MEMBERS}) { edges { node { ... on User { id } ... on Group { id } } } } } } } } }`;

interface Bench {
  sim: RunningSimulator;
  services: GatewayServices;
  graphqlUrl: string;
  apiKey: string;
  tenantId: string;
  stop(): Promise<void>;
}

type Way = { name: string; read(bench: Bench): Promise<number> };

/** Returns how many groups it read members of, so a broken run cannot pass for a fast one. */
const WAYS: Way[] = [
  {
    name: 'gateway: DataLoader -> $batch',
    async read({ graphqlUrl, apiKey, tenantId }) {
      const res = await fetch(graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ query: QUERY, variables: { id: tenantId } }),
      });
      const body = (await res.json()) as { data?: { tenant: { groups: { edges: Array<{ node: { members: unknown } }> } } }; errors?: unknown };
      if (body.errors || !body.data) throw new Error(`gateway answered errors: ${JSON.stringify(body.errors).slice(0, 300)}`);
      return body.data.tenant.groups.edges.filter((edge) => edge.node.members !== null).length;
    },
  },
  {
    name: 'naive: one request per group',
    async read({ services, tenantId }) {
      const client = services.directory.client(tenantId);
      const groups = await client.list<{ id: string }>(`/groups?$select=id,displayName&$top=${GROUPS}`, { max: GROUPS });
      const members = await Promise.all(groups.items.map((group) => client.get(`${graphPath`/groups/${group.id}`}/members?$select=id&$top=${MEMBERS}`)));
      return members.length;
    },
  },
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startBench(): Promise<Bench> {
  const dir = await mkdtemp(join(tmpdir(), 'entra-gateway-bench-'));
  // A folder of its own: as root, PostgreSQL runs as user "postgres", which cannot enter `dir` (mode 0700).
  const pgDir = await mkdtemp(join(tmpdir(), 'entra-gateway-bench-pg-'));
  const pg = await startEmbeddedPostgres({ dataDir: pgDir, port: await freePort(), database: 'bench' });
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const sim = await startSimulator({
    tenants: [{ preset: 'verafield' }],
    apps: [{ clientId: DEFAULT_PRODUCT_APP_ID, displayName: 'Gateway Product', redirectUris: [`${publicUrl}/oauth/callback`, `${publicUrl}/oauth/admin-callback`] }],
  });
  const caPath = join(dir, 'ca.pem');
  await writeFile(caPath, sim.caCertPem);
  const app = sim.apps[0];
  const config = loadConfig({
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: publicUrl,
    LOG_LEVEL: 'silent',
    SIMULATOR: 'off',
    DATA_DIR: dir,
    DATABASE_URL: pg.url,
    ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
    ENTRA_CLOUD: 'custom',
    ENTRA_LOGIN_URL: sim.baseUrl,
    ENTRA_GRAPH_URL: sim.baseUrl,
    ENTRA_CLIENT_ID: app.clientId,
    ENTRA_CLIENT_SECRET: app.secrets[0].secretText,
    ENTRA_CA_CERT_PATH: caPath,
  });
  const logger = createLogger({ level: 'silent' });
  const dataSource = createDataSource(config.database.url!);
  await dataSource.initialize();
  await runMigrations(dataSource);
  const services = await createServices({ config, dataSource, logger });
  const gateway = await createGateway(config, { dataSource, logger, services });
  await gateway.start();
  const { apiKey, tenantId } = await bootstrapDevelopment({ services, dataSource, simulator: sim, dataDir: dir, logger });
  return {
    sim,
    services,
    graphqlUrl: gateway.graphqlUrl,
    apiKey,
    tenantId,
    async stop() {
      await gateway.stop();
      services.tokens?.close();
      sim.control.close();
      await sim.close();
      await pg.stop();
      await Promise.all([dir, pgDir].map((folder) => rm(folder, { recursive: true, force: true })));
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(bench: Bench, way: Way, latencyMs: number): Promise<Record<string, string | number>> {
  await bench.sim.control.setFaults({ latencyMs });
  await way.read(bench); // warm: connections, token, first-use costs are not what is compared
  const times: number[] = [];
  let upstream = await bench.sim.control.counters();
  for (let round = 0; round < ROUNDS; round += 1) {
    await bench.sim.control.resetCounters();
    const started = performance.now();
    const read = await way.read(bench);
    times.push(performance.now() - started);
    if (read !== GROUPS) throw new Error(`${way.name}: expected members of ${GROUPS} groups, got ${read}`);
    upstream = await bench.sim.control.counters();
  }
  times.sort((a, b) => a - b);
  return {
    way: way.name,
    'added latency': ms(latencyMs),
    // The simulator counts each sub-request as a request too; HTTP requests are the rest plus the $batch calls.
    'HTTP requests': upstream.requests - upstream.subRequests,
    '$batch calls': upstream.batches,
    'resource units': upstream.resourceUnits,
    throttled: upstream.throttled,
    p50: ms(percentile(times, 50)),
    p95: ms(percentile(times, 95)),
  };
}

export const directoryReadsBenchmark: Benchmark = {
  name: 'directory-reads',
  description: `groups(first: ${GROUPS}) { members(first: ${MEMBERS}) } through the gateway versus one Graph request per group (requests, resource units, p50/p95)`,
  async run() {
    const bench = await startBench();
    try {
      for (let i = VERAFIELD.counts.groups; i < GROUPS; i += 1) {
        await bench.sim.control.createGroup(VERAFIELD.tenantId, { displayName: `Bench ${i}`, mailNickname: `bench${i}`, mailEnabled: false, securityEnabled: true });
      }
      const rows = [];
      for (const latencyMs of [0, 20]) for (const way of WAYS) rows.push(await measure(bench, way, latencyMs));
      table(rows);
    } finally {
      await bench.stop();
    }
  },
};
