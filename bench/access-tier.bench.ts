/**
 * Access-tier resolution throughput (issue 5): `accessTier(tenantId, userPrincipalName)` through the running
 * gateway (HTTP, API key, resolvers, PostgreSQL for tiers and mappings, live Graph reads on the simulator), under
 * load from a separate process (bench/access-tier-load.worker.ts, forked) so the load generator does not share
 * the measured process's event loop. 2,000 requests at concurrency 1 and 16 over a rotation of every Verafield
 * user, each answer checked against the tier the simulator's own membership closure implies.
 *
 * Baseline in the same run, from the same load process: the simulator Graph calls the resolver needs, sent
 * directly with a token: GET /users/{upn}/transitiveMemberOf, and the $batch of [user, transitiveMemberOf] the
 * gateway actually sends. The difference is the gateway's overhead. The simulator's counters give the upstream
 * requests per resolution. Throttling is switched off while loading (its resource-unit ceiling is printed
 * instead), so the figures are the gateway's, not Graph's limit.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { MAX_PAGE_SIZE } from '../src/directory/connection';
import { graphPath, queryString } from '../src/graph';
import { DEFAULT_PRODUCT_APP_ID, VERAFIELD } from '../src/simulator/generator';
import { resourceUnitLimit, READ_WINDOW_MS } from '../src/simulator/graph/throttle';
import { mintAccessToken } from '../src/simulator/tokens';
import { ms, table, type Benchmark } from './report';
import { gatewayRequest, startGatewayRig, type GatewayRig } from './support/gateway-rig';
import type { LoadJob, LoadRequest, LoadResult, ParentMessage, WorkerMessage } from './support/load-protocol';

const TOTAL = 2_000;
const CONCURRENCIES = [1, 16];
/** Per run; a run that reaches it stops early and says so. */
const TIME_LIMIT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** The parent's own bound on one load process: warm-up and run limits plus a margin, then it is killed. */
const WORKER_DEADLINE_MS = 2 * TIME_LIMIT_MS + 15_000;

const TIERS = [
  { key: 'engineering', name: 'Engineering', rank: 20, group: VERAFIELD.groups.engineering },
  { key: 'finance', name: 'Finance', rank: 10, group: VERAFIELD.groups.finance },
] as const;

const ACCESS_TIER = `query Tier($t: ID!, $upn: String!) { accessTier(tenantId: $t, userPrincipalName: $upn) { user { id } tier { name } decidingGroups { id } reason } }`;
/** What the resolver selects (src/access/access-graph.ts). */
const USER_SELECT = 'id,displayName,userPrincipalName,accountEnabled';

interface RotatedUser {
  upn: string;
  expectTier: string | null;
}

/** Every Verafield user, by UPN, with the tier the simulator's membership closure says they should get. */
function rotation(rig: GatewayRig): RotatedUser[] {
  const store = rig.sim.ctx.store;
  const tenant = store.requireTenant(VERAFIELD.tenantId);
  return [...tenant.users.values()]
    .sort((a, b) => a.userPrincipalName.localeCompare(b.userPrincipalName))
    .map((user) => {
      if (!user.accountEnabled) return { upn: user.userPrincipalName, expectTier: null };
      const reached = new Set(store.transitiveMemberOf(VERAFIELD.tenantId, user.id).map((id) => id.toLowerCase()));
      const best = TIERS.find((tier) => reached.has(tier.group.toLowerCase())); // TIERS is highest rank first
      return { upn: user.userPrincipalName, expectTier: best?.name ?? null };
    });
}

async function defineAndMapTiers(rig: GatewayRig): Promise<void> {
  for (const tier of TIERS) {
    const { defineAccessTier } = await gatewayRequest<{ defineAccessTier: { id: string } }>(
      rig,
      `mutation($input: DefineAccessTierInput!) { defineAccessTier(input: $input) { id } }`,
      { input: { name: tier.name, rank: tier.rank, description: `benchmark: members of the ${tier.name} group` } },
    );
    await gatewayRequest(rig, `mutation($t: ID!, $g: ID!, $tier: ID!) { setTierMapping(tenantId: $t, groupId: $g, tierId: $tier) { groupId } }`, {
      t: rig.tenantId,
      g: tier.group,
      tier: defineAccessTier.id,
    });
  }
}

type Target = Omit<LoadJob, 'type' | 'total' | 'concurrency' | 'warmup' | 'timeLimitMs' | 'requestTimeoutMs'>;

function gatewayTarget(rig: GatewayRig, users: RotatedUser[]): Target {
  const url = new URL(rig.graphqlUrl);
  return {
    label: 'gateway: accessTier query',
    origin: url.origin,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${rig.apiKey}` },
    check: 'graphql-access-tier',
    requests: users.map((u): LoadRequest => ({
      path: url.pathname,
      body: JSON.stringify({ query: ACCESS_TIER, variables: { t: rig.tenantId, upn: u.upn } }),
      expectTier: u.expectTier,
    })),
  };
}

/** The resolver's two Graph reads, as Graph paths (relative to /v1.0). */
function graphReads(upn: string): { user: string; memberOf: string } {
  const userPath = graphPath`/users/${upn}`;
  return {
    user: `${userPath}${queryString({ $select: USER_SELECT })}`,
    memberOf: `${userPath}/transitiveMemberOf${queryString({ $select: 'id,displayName', $top: MAX_PAGE_SIZE })}`,
  };
}

function simulatorTargets(rig: GatewayRig, users: RotatedUser[], token: string): Target[] {
  const common = { origin: rig.sim.baseUrl, ca: rig.sim.caCertPem };
  return [
    {
      ...common,
      label: 'simulator: GET transitiveMemberOf',
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
      check: 'graph-collection',
      requests: users.map((u) => ({ path: `/v1.0${graphReads(u.upn).memberOf}` })),
    },
    {
      ...common,
      label: 'simulator: $batch [user, transitiveMemberOf]',
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      check: 'graph-batch',
      requests: users.map((u) => {
        const reads = graphReads(u.upn);
        return {
          path: '/v1.0/$batch',
          body: JSON.stringify({
            requests: [
              { id: '1', method: 'GET', url: reads.user },
              { id: '2', method: 'GET', url: reads.memberOf },
            ],
          }),
        };
      }),
    },
  ];
}

/**
 * One load process: fork, send the job, let it warm up, run `beforeGo` (counters reset) and start the measured
 * part, and take its result. The process is killed if it outlives WORKER_DEADLINE_MS.
 */
function runLoad(job: LoadJob, beforeGo: () => Promise<void>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'access-tier-load.worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    const finish = (err: Error | null, result?: LoadResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (err) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(err);
      } else resolve(result!);
    };
    const deadline = setTimeout(() => finish(new Error(`${job.label} (concurrency ${job.concurrency}): load process still running after ${WORKER_DEADLINE_MS} ms; killed`)), WORKER_DEADLINE_MS);
    const post = (message: ParentMessage) => child.send(message, (err) => err && finish(err));
    child.on('message', (raw) => {
      const message = raw as WorkerMessage;
      if (message.type === 'ready') beforeGo().then(() => post({ type: 'go' }), (err: Error) => finish(err));
      else if (message.type === 'result') finish(null, message.result);
      else finish(new Error(`${job.label} (concurrency ${job.concurrency}): load process failed: ${message.message}`));
    });
    child.once('error', (err) => finish(err));
    child.once('exit', (code, signal) => finish(new Error(`${job.label}: load process exited (${signal ?? code}) before reporting`)));
    post(job);
  });
}

function perResolution(count: number, completed: number): string {
  return (count / completed).toFixed(2);
}

export const accessTierBenchmark: Benchmark = {
  name: 'access-tier',
  description: `accessTier(tenantId, userPrincipalName) through the running gateway from a separate load process (${TOTAL.toLocaleString('en-US')} requests at concurrency ${CONCURRENCIES.join(' and ')}) versus the raw simulator Graph calls (requests/s, p50/p95/p99, upstream requests per resolution)`,
  async run() {
    const rig = await startGatewayRig();
    try {
      await defineAndMapTiers(rig);
      const users = rotation(rig);
      const expected = new Map<string, number>();
      for (const u of users) expected.set(u.expectTier ?? 'none', (expected.get(u.expectTier ?? 'none') ?? 0) + 1);
      console.log(`rotation: ${users.length} Verafield users (${[...expected].map(([tier, n]) => `${tier} ${n}`).join(', ')}); every answer is checked against that tier`);

      const { token } = await mintAccessToken(rig.sim.ctx, {
        tid: VERAFIELD.tenantId,
        oid: randomUUID(),
        appid: DEFAULT_PRODUCT_APP_ID,
        roles: ['User.Read.All', 'GroupMember.Read.All'],
        lifetimeSeconds: 3600,
      });
      await rig.sim.control.updateSettings({ throttlingEnabled: false });

      const targets = [gatewayTarget(rig, users), ...simulatorTargets(rig, users, token)];
      const loadRows: Record<string, string | number>[] = [];
      const counterRows: Record<string, string | number>[] = [];
      let gatewayUnits = 0;
      for (const concurrency of CONCURRENCIES) {
        for (const target of targets) {
          const job: LoadJob = {
            ...target,
            type: 'job',
            total: TOTAL,
            concurrency,
            warmup: Math.max(32, concurrency * 4),
            timeLimitMs: TIME_LIMIT_MS,
            requestTimeoutMs: REQUEST_TIMEOUT_MS,
          };
          const r = await runLoad(job, () => rig.sim.control.resetCounters());
          const upstream = await rig.sim.control.counters();
          if (r.errors > 0) console.log(`${r.label} at concurrency ${concurrency}: ${r.errors} errors, e.g. ${r.errorSamples.join(' | ')}`);
          loadRows.push({
            target: r.label,
            concurrency,
            requests: r.completed + (r.timedOut ? ' (time limit)' : ''),
            errors: r.errors,
            'requests/s': Math.round((r.completed / r.wallMs) * 1000).toLocaleString('en-US'),
            p50: ms1(r.p50),
            p95: ms1(r.p95),
            p99: ms1(r.p99),
            max: ms(r.max),
          });
          const tokens = Object.values(upstream.tokenRequests).reduce((a, b) => a + b, 0);
          const units = upstream.resourceUnits / r.completed;
          if (target.check === 'graphql-access-tier') gatewayUnits = Math.max(gatewayUnits, units);
          counterRows.push({
            target: r.label,
            concurrency,
            // The simulator counts each $batch sub-request as a request too.
            'HTTP requests / resolution': perResolution(upstream.requests - upstream.subRequests, r.completed),
            '$batch calls / resolution': perResolution(upstream.batches, r.completed),
            'Graph reads / resolution': perResolution(upstream.requests - upstream.batches, r.completed),
            'resource units / resolution': units.toFixed(2),
            'token requests': tokens,
            throttled: upstream.throttled,
          });
        }
      }
      table(loadRows);
      console.log('\nSimulator counters over each measured run (warm-up excluded):');
      table(counterRows);
      const limit = resourceUnitLimit(users.length);
      console.log(
        `\nThrottling was off while loading. With it on, Graph's ${limit.toLocaleString('en-US')} resource units per ${READ_WINDOW_MS / 1000} s (app + tenant of ${users.length} users) ` +
          `cap live resolution at about ${Math.floor(limit / (READ_WINDOW_MS / 1000) / gatewayUnits)} per second for this tenant, whatever the gateway's own throughput.`,
      );
    } finally {
      await rig.stop();
    }
  },
};

function ms1(millis: number): string {
  return `${millis.toFixed(1)} ms`;
}
