/**
 * Bulk provisioning benchmark: onboarding 1,000 users, each into one group, through the real gateway two
 * ways in the same run against the simulated Verafield tenant (resource-unit and write throttling on):
 *   - provisionUsers: one GraphQL request; creates go out as $batch calls of 20, then the group adds too;
 *   - one request per write: a client calling createUser then addGroupMember per user (8 in flight), so the
 *     gateway sends one Graph request per write.
 * Figures per way: GraphQL requests, upstream HTTP requests, $batch calls, Graph requests (sub-requests
 * included), resource units, 429s answered, wall time. Between the two, the simulator's clock moves on 5
 * minutes so each run starts with Graph's write windows (150 s, 5 min) as fresh as the first did. A second
 * round injects a burst of 429s at the start of each way, to show how each absorbs throttling.
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
import { createLogger } from '../src/logging';
import { bootstrapDevelopment } from '../src/server/dev-bootstrap';
import { createGateway } from '../src/server/gateway';
import { createServices } from '../src/server/services';
import { DEFAULT_PRODUCT_APP_ID, VERAFIELD } from '../src/simulator/generator';
import { startSimulator, type RunningSimulator } from '../src/simulator/server';
import { ms, perSecond, table, type Benchmark } from './report';

const USERS = 1_000;
const CONCURRENCY = 8;
/** 429s injected at the start of the second round of runs. */
const BURST = 15;
const GROUPS = [VERAFIELD.groups.finance, VERAFIELD.groups.engineering];

interface Bench {
  sim: RunningSimulator;
  graphqlUrl: string;
  apiKey: string;
  tenantId: string;
  stop(): Promise<void>;
}

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
    throttlingEnabled: true,
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
  // Connects Verafield with every feature, PROVISIONING included, through the consent flow.
  const { apiKey, tenantId } = await bootstrapDevelopment({ services, dataSource, simulator: sim, dataDir: dir, logger });
  return {
    sim,
    graphqlUrl: gateway.graphqlUrl,
    apiKey,
    tenantId,
    async stop() {
      await gateway.stop();
      services.tokens?.close();
      sim.control.close();
      await sim.close();
      await dataSource.destroy().catch(() => undefined);
      await pg.stop();
      await Promise.all([dir, pgDir].map((folder) => rm(folder, { recursive: true, force: true })));
    },
  };
}

async function gql<T>(bench: Bench, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(bench.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bench.apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`gateway answered errors: ${JSON.stringify(body.errors).slice(0, 300)}`);
  return body.data;
}

const user = (prefix: string, i: number) => ({
  displayName: `${prefix} ${i}`,
  userPrincipalName: `${prefix}.${i}@${VERAFIELD.domain}`,
  department: 'Onboarding',
  jobTitle: 'New Starter',
  usageLocation: 'GB',
  accountEnabled: true,
  forceChangePasswordNextSignIn: true,
});

/** Returns [GraphQL requests, users created, memberships added]; `prefix` keeps each run's UPNs its own. */
type Way = { name: string; run(bench: Bench, prefix: string): Promise<[number, number, number]> };

const WAYS: Way[] = [
  {
    name: 'provisionUsers ($batch)',
    async run(bench, prefix) {
      const users = Array.from({ length: USERS }, (_, i) => ({ ...user(`bulk${prefix}`, i), groupIds: [GROUPS[i % GROUPS.length]] }));
      const data = await gql<{ provisionUsers: { created: number; items: Array<{ memberships: Array<{ __typename: string }> }> } }>(
        bench,
        `mutation($t: ID!, $u: [ProvisionUserInput!]!, $k: String) { provisionUsers(tenantId: $t, users: $u, idempotencyKey: $k) {
           ... on ProvisionedUsers { created items { memberships { __typename } } } ... on ProvisioningError { errorCode message } } }`,
        { t: bench.tenantId, u: users, k: `bench-${Date.now()}` },
      );
      const added = data.provisionUsers.items.flatMap((item) => item.memberships).filter((m) => m.__typename === 'MembershipChange').length;
      return [1, data.provisionUsers.created, added];
    },
  },
  {
    name: `one request per write (${CONCURRENCY} in flight)`,
    async run(bench, prefix) {
      let next = 0;
      let created = 0;
      let added = 0;
      const worker = async () => {
        for (let i = next++; i < USERS; i = next++) {
          const c = await gql<{ createUser: { __typename: string; user?: { id: string } } }>(
            bench,
            `mutation($t: ID!, $i: CreateUserInput!) { createUser(tenantId: $t, input: $i) { __typename ... on CreatedUser { user { id } } } }`,
            { t: bench.tenantId, i: user(`single${prefix}`, i) },
          );
          if (!c.createUser.user) continue;
          created += 1;
          const a = await gql<{ addGroupMember: { __typename: string } }>(
            bench,
            `mutation($t: ID!, $g: ID!, $m: ID!) { addGroupMember(tenantId: $t, groupId: $g, memberId: $m) { __typename } }`,
            { t: bench.tenantId, g: GROUPS[i % GROUPS.length], m: c.createUser.user.id },
          );
          if (a.addGroupMember.__typename === 'MembershipChange') added += 1;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      return [USERS * 2, created, added];
    },
  },
];

async function measure(bench: Bench, way: Way, burst: number, prefix: string): Promise<Record<string, string | number>> {
  await bench.sim.control.resetCounters();
  await bench.sim.control.setFaults({ throttleNextRequests: burst, retryAfterSeconds: 1 });
  const started = performance.now();
  const [graphqlRequests, created, added] = await way.run(bench, prefix);
  const elapsed = performance.now() - started;
  const upstream = await bench.sim.control.counters();
  if (created !== USERS || added !== USERS) throw new Error(`${way.name}: expected ${USERS} users created and added, got ${created} and ${added}`);
  return {
    way: way.name,
    'injected 429s': burst,
    'GraphQL requests': graphqlRequests,
    // The simulator counts each sub-request as a request too; HTTP requests are the rest plus the $batch calls.
    'HTTP requests': upstream.requests - upstream.subRequests,
    '$batch calls': upstream.batches,
    'Graph requests': upstream.requests - upstream.batches,
    'resource units': upstream.resourceUnits,
    throttled: upstream.throttled,
    time: ms(elapsed),
    'users/s': perSecond(USERS, elapsed),
  };
}

export const provisioningBenchmark: Benchmark = {
  name: 'provisioning',
  description: `onboarding ${USERS} users into one group each: provisionUsers ($batch) versus one gateway request per write, without and with a 429 burst (requests, resource units, throttled, time)`,
  async run() {
    const bench = await startBench();
    try {
      const rows = [];
      // Each way as it is, then with a burst of 429s (Retry-After 1 s) at its start: few enough that no
      // single request meets more than the client's 5 attempts, so every user must still be provisioned.
      for (const burst of [0, BURST]) {
        for (const way of WAYS) {
          // Graph's write windows are 150 s per app and tenant and 5 min per tenant: start each run fresh.
          if (rows.length > 0) await bench.sim.control.advanceClock(5 * 60_000 + 1_000);
          rows.push(await measure(bench, way, burst, `r${rows.length}`));
        }
      }
      table(rows);
    } finally {
      await bench.stop();
    }
  },
};
