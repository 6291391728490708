/**
 * The hot read path (issues 5 and 10): `accessTier(tenantId, userPrincipalName)` answered from the snapshot through
 * the running gateway, under load from a separate process (bench/access-tier-load.worker.ts, forked) so the load
 * generator does not share the measured process's event loop, at concurrency 1, 16 and 64 over a rotation of
 * every Verafield user, each answer checked against the tier the simulator's own membership closure implies and
 * against source SNAPSHOT.
 *
 * accessTier is measured twice: as served (a user's facts held per process after their first answer, which the
 * rotation repeats, so the steady state is 0 SQL round trips) and with that facts cache off (every answer pays its
 * one prepared statement: a user's first login since the tenant's last sync round).
 *
 * Before anything is measured, every target runs once over the whole rotation (a warm-up). Then every target runs
 * in ROUNDS interleaved rounds at each concurrency (A B C D, A B C D, A B C D): requests/s over the rounds' summed
 * wall time, each percentile the median of the rounds' (load on the shared machine drifts; this spreads it over
 * every target alike), and the gateway process's CPU time per request.
 *
 * Baselines in the same run, from the same load process against the same server: the trivial query
 * `{ __typename }` with the same API key (the server's own ceiling for an authenticated request) and without a
 * key (its ceiling for any request). Goals: accessTier >= 0.8x the authenticated throughput with p99 <= 1.5x;
 * authenticated >= 0.9x unauthenticated. SQL round trips are COUNTED: every query call of a pg client in this
 * process (the gateway's pool, TypeORM's query runners, prepared statements; the load runs elsewhere) during
 * each measured run, divided by the requests; Graph requests from the simulator's counters likewise.
 */
import path from 'node:path';
import { Client } from 'pg';
import { VERAFIELD } from '../src/simulator/generator';
import { figure, ms, table, type Benchmark } from './report';
import { gatewayRequest, startGatewayRig, type GatewayRig } from './support/gateway-rig';
import { runLoadProcess } from './support/load-parent';
import type { LoadJob, LoadRequest, LoadResult } from './support/load-protocol';

const TOTAL = 3_000;
/** Each target's TOTAL is sent in this many interleaved rounds (see run()). */
const ROUNDS = 3;
const CONCURRENCIES = [1, 16, 64];
/** Per run; a run that reaches it stops early and says so. */
const TIME_LIMIT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** The parent's own bound on one load process: warm-up and run limits plus a margin, then it is killed. */
const WORKER_DEADLINE_MS = 2 * TIME_LIMIT_MS + 15_000;
/** Unmeasured requests per target before the measured rounds (at least the whole rotation). */
const WARM_UP_REQUESTS = 2_000;
const GOALS = { tierThroughput: 0.8, tierP99: 1.5, authenticatedThroughput: 0.9 } as const;

const TIERS = [
  { key: 'engineering', name: 'Engineering', rank: 20, group: VERAFIELD.groups.engineering },
  { key: 'finance', name: 'Finance', rank: 10, group: VERAFIELD.groups.finance },
] as const;

const ACCESS_TIER = `query Tier($t: ID!, $upn: String!) { accessTier(tenantId: $t, userPrincipalName: $upn) { user { id } tier { name } decidingGroups { id } reason source } }`;
const TYPENAME = JSON.stringify({ query: '{ __typename }' });

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

/**
 * Counts SQL round trips in this process: every pg Client query call (a pool's query, TypeORM's query runner and
 * a named prepared statement each end in exactly one). The load process has no database client.
 */
function countSqlRoundTrips(): { readonly count: number; reset(): void; stop(): void } {
  const prototype = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  let count = 0;
  prototype.query = function counted(this: unknown, ...args: unknown[]) {
    count += 1;
    return original.apply(this, args);
  };
  return {
    get count() {
      return count;
    },
    reset: () => void (count = 0),
    stop: () => void (prototype.query = original),
  };
}

type TargetKey = 'accessTier' | 'accessTierUncached' | 'authenticated' | 'unauthenticated';
type Target = Omit<LoadJob, 'type' | 'total' | 'concurrency' | 'warmup' | 'timeLimitMs' | 'requestTimeoutMs'> & { key: TargetKey };

function targets(rig: GatewayRig, users: RotatedUser[]): Target[] {
  const url = new URL(rig.graphqlUrl);
  const common = { origin: url.origin, method: 'POST' as const };
  const json = { 'content-type': 'application/json' };
  const withKey = { ...json, authorization: `Bearer ${rig.apiKey}` };
  const tierRequests = users.map((u): LoadRequest => ({
    path: url.pathname,
    body: JSON.stringify({ query: ACCESS_TIER, variables: { t: rig.tenantId, upn: u.upn } }),
    expectTier: u.expectTier,
    expectSource: 'SNAPSHOT',
  }));
  return [
    { ...common, key: 'accessTier', label: 'accessTier (API key, snapshot)', headers: withKey, check: 'graphql-access-tier', requests: tierRequests },
    // The same requests with the per-process facts cache off: every answer pays its one round trip (a user's
    // first login on this instance since the tenant's last round).
    { ...common, key: 'accessTierUncached', label: 'accessTier, facts cache off', headers: withKey, check: 'graphql-access-tier', requests: tierRequests },
    { ...common, key: 'authenticated', label: '{ __typename } with the API key', headers: withKey, check: 'graphql-typename', requests: [{ path: url.pathname, body: TYPENAME }] },
    { ...common, key: 'unauthenticated', label: '{ __typename } without a key', headers: json, check: 'graphql-typename', requests: [{ path: url.pathname, body: TYPENAME }] },
  ];
}

/**
 * One load process: fork, send the job, let it warm up, run `beforeGo` (counters reset) and start the measured
 * part, and take its result. The process is killed if it outlives WORKER_DEADLINE_MS.
 */
function runLoad(job: LoadJob, beforeGo: () => Promise<void>): Promise<LoadResult> {
  return runLoadProcess(path.join(__dirname, 'access-tier-load.worker.js'), job, beforeGo, WORKER_DEADLINE_MS);
}

/** Rounds of one target as one result: counts and wall time summed, each percentile the median of the rounds'. */
function combine(runs: LoadResult[]): LoadResult {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return {
    label: runs[0].label,
    concurrency: runs[0].concurrency,
    completed: runs.reduce((n, r) => n + r.completed, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    errorSamples: [...new Set(runs.flatMap((r) => r.errorSamples))].slice(0, 3),
    wallMs: runs.reduce((n, r) => n + r.wallMs, 0),
    p50: median(runs.map((r) => r.p50)),
    p95: median(runs.map((r) => r.p95)),
    p99: median(runs.map((r) => r.p99)),
    max: Math.max(...runs.map((r) => r.max)),
    timedOut: runs.some((r) => r.timedOut),
  };
}

function ms1(millis: number): string {
  return `${millis.toFixed(1)} ms`;
}

interface Measured {
  result: LoadResult;
  rps: number;
  sqlPerRequest: number;
  graphPerRequest: number;
  /**
   * CPU time of this process (the gateway; the simulator in it is idle while the snapshot answers) per measured
   * request: less disturbed than throughput by other work on a shared machine, which takes turns on the cores.
   */
  cpuMsPerRequest: number;
}

function verdict(ok: boolean): string {
  return ok ? 'meets the goal' : 'MISSES the goal';
}

export const accessTierBenchmark: Benchmark = {
  name: 'access-tier',
  description: `accessTier from the snapshot through the running gateway vs the same server's { __typename } with and without an API key, from a separate load process (${TOTAL.toLocaleString('en-US')} requests at concurrency ${CONCURRENCIES.join(', ')}); requests/s, p50/p95/p99, SQL round trips and Graph requests per request (counted)`,
  async run() {
    const rig = await startGatewayRig();
    const sql = countSqlRoundTrips();
    try {
      await defineAndMapTiers(rig);
      const round = await rig.services.sync.syncNow(rig.tenantId);
      if (!round.ran) throw new Error(`access-tier: expected a sync round of Verafield to run before loading, got ${JSON.stringify(round)}`);
      const users = rotation(rig);
      const expected = new Map<string, number>();
      for (const u of users) expected.set(u.expectTier ?? 'none', (expected.get(u.expectTier ?? 'none') ?? 0) + 1);
      console.log(`rotation: ${users.length} Verafield users (${[...expected].map(([tier, n]) => `${tier} ${n}`).join(', ')}); every answer is checked against that tier and source SNAPSHOT`);
      await rig.sim.control.updateSettings({ throttlingEnabled: false });

      const all = targets(rig, users);
      // The server warms up before anything is measured: every target once over the whole rotation (unmeasured).
      // Without it the first measured run (accessTier at concurrency 1) paid alone for code the JIT had not yet
      // optimised and for the first answer of each user (the SQL round trips that fill the facts cache, which
      // the uncached target measures on its own); the same-run ratios at concurrency 1 were biased by it.
      for (const target of all) {
        const { key: _key, ...load } = target;
        const total = Math.max(WARM_UP_REQUESTS, target.requests.length);
        rig.services.sync.facts.enabled = target.key !== 'accessTierUncached';
        const warm: LoadJob = { ...load, type: 'job', total, concurrency: 16, warmup: 16, timeLimitMs: TIME_LIMIT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS };
        const r = await runLoad(warm, async () => undefined);
        if (r.errors > 0) throw new Error(`access-tier: ${r.errors} errors while warming up ${r.label}, e.g. ${r.errorSamples.join(' | ')}`);
      }
      const rows: Record<string, string | number>[] = [];
      const measured = new Map<string, Measured>();
      for (const concurrency of CONCURRENCIES) {
        // Interleaved: ROUNDS short runs of every target in turn (A B C D, A B C D, ...), so that a change in the
        // shared machine's load reaches every target alike and the same-run ratios hold.
        const rounds = new Map<TargetKey, Array<{ r: LoadResult; statements: number; graph: number; cpuMicros: number }>>();
        for (let round = 0; round < ROUNDS; round += 1) {
          for (const target of all) {
            const { key: _key, ...load } = target;
            const job: LoadJob = {
              ...load,
              type: 'job',
              total: Math.ceil(TOTAL / ROUNDS),
              concurrency,
              warmup: Math.max(64, concurrency * 4),
              timeLimitMs: TIME_LIMIT_MS / ROUNDS,
              requestTimeoutMs: REQUEST_TIMEOUT_MS,
            };
            rig.services.sync.facts.enabled = target.key !== 'accessTierUncached';
            let cpuAtGo = process.cpuUsage();
            const r = await runLoad(job, async () => {
              await rig.sim.control.resetCounters();
              sql.reset();
              cpuAtGo = process.cpuUsage();
            });
            const cpu = process.cpuUsage(cpuAtGo);
            const statements = sql.count;
            const upstream = await rig.sim.control.counters();
            if (r.errors > 0) console.log(`${r.label} at concurrency ${concurrency}: ${r.errors} errors, e.g. ${r.errorSamples.join(' | ')}`);
            rounds.set(target.key, [...(rounds.get(target.key) ?? []), { r, statements, graph: upstream.requests, cpuMicros: cpu.user + cpu.system }]);
          }
        }
        for (const target of all) {
          const runs = rounds.get(target.key)!;
          const r = combine(runs.map((run) => run.r));
          const sum = (pick: (run: (typeof runs)[number]) => number) => runs.reduce((total, run) => total + pick(run), 0);
          const m: Measured = {
            result: r,
            rps: (r.completed / r.wallMs) * 1000,
            sqlPerRequest: sum((run) => run.statements) / r.completed,
            graphPerRequest: sum((run) => run.graph) / r.completed,
            cpuMsPerRequest: sum((run) => run.cpuMicros) / 1000 / r.completed,
          };
          measured.set(`${target.key}@${concurrency}`, m);
          rows.push({
            target: r.label,
            concurrency,
            requests: r.completed + (r.timedOut ? ' (time limit)' : ''),
            errors: r.errors,
            'requests/s': Math.round(m.rps).toLocaleString('en-US'),
            p50: ms1(r.p50),
            p95: ms1(r.p95),
            p99: ms1(r.p99),
            max: ms(r.max),
            'SQL round trips / request': m.sqlPerRequest.toFixed(3),
            'Graph requests / request': m.graphPerRequest.toFixed(3),
            'gateway CPU / request': `${m.cpuMsPerRequest.toFixed(3)} ms`,
          });
        }
      }
      table(rows);
      console.log('');
      for (const concurrency of CONCURRENCIES) {
        const tier = measured.get(`accessTier@${concurrency}`)!;
        const uncached = measured.get(`accessTierUncached@${concurrency}`)!;
        const auth = measured.get(`authenticated@${concurrency}`)!;
        const anon = measured.get(`unauthenticated@${concurrency}`)!;
        const throughput = tier.rps / auth.rps;
        const cpuRatio = tier.cpuMsPerRequest / auth.cpuMsPerRequest;
        const p99 = tier.result.p99 / auth.result.p99;
        const authRatio = auth.rps / anon.rps;
        console.log(
          `concurrency ${concurrency}: accessTier ${throughput.toFixed(2)}x the authenticated throughput (goal >= ${GOALS.tierThroughput}: ${verdict(throughput >= GOALS.tierThroughput)}), ` +
            `p99 ${p99.toFixed(2)}x (goal <= ${GOALS.tierP99}: ${verdict(p99 <= GOALS.tierP99)}), gateway CPU per request ${cpuRatio.toFixed(2)}x; with the facts cache off ${(uncached.rps / auth.rps).toFixed(2)}x, p99 ${(uncached.result.p99 / auth.result.p99).toFixed(2)}x; authenticated ${authRatio.toFixed(2)}x the unauthenticated throughput (goal >= ${GOALS.authenticatedThroughput}: ${verdict(authRatio >= GOALS.authenticatedThroughput)})`,
        );
      }
      console.log('');
      for (const concurrency of CONCURRENCIES) {
        const tier = measured.get(`accessTier@${concurrency}`)!;
        const auth = measured.get(`authenticated@${concurrency}`)!;
        const anon = measured.get(`unauthenticated@${concurrency}`)!;
        const vsAuth = { baseline: auth.rps, baselineName: 'authenticated { __typename }' };
        figure({ bench: 'access-tier', figure: 'access-tier-throughput', size: concurrency, value: tier.rps, unit: 'req/s', ...vsAuth });
        figure({ bench: 'access-tier', figure: 'access-tier-p99', size: concurrency, value: tier.result.p99, unit: 'ms', baseline: auth.result.p99, baselineName: 'authenticated { __typename }' });
        figure({ bench: 'access-tier', figure: 'authenticated-throughput', size: concurrency, value: auth.rps, unit: 'req/s', baseline: anon.rps, baselineName: 'unauthenticated { __typename }' });
        figure({ bench: 'access-tier', figure: 'authenticated-p99', size: concurrency, value: auth.result.p99, unit: 'ms', baseline: anon.result.p99, baselineName: 'unauthenticated { __typename }' });
        figure({ bench: 'access-tier', figure: 'access-tier-sql-round-trips', size: concurrency, value: tier.sqlPerRequest, unit: 'statements/request', baseline: auth.sqlPerRequest, baselineName: 'authenticated { __typename }' });
        figure({ bench: 'access-tier', figure: 'authenticated-sql-round-trips', size: concurrency, value: auth.sqlPerRequest, unit: 'statements/request', baseline: anon.sqlPerRequest, baselineName: 'unauthenticated { __typename }' });
        figure({ bench: 'access-tier', figure: 'access-tier-graph-requests', size: concurrency, value: tier.graphPerRequest, unit: 'requests/request' });
        figure({ bench: 'access-tier', figure: 'access-tier-cpu-per-request', size: concurrency, value: tier.cpuMsPerRequest, unit: 'ms', baseline: auth.cpuMsPerRequest, baselineName: 'authenticated { __typename }' });
        const uncached = measured.get(`accessTierUncached@${concurrency}`)!;
        figure({ bench: 'access-tier', figure: 'access-tier-uncached-throughput', size: concurrency, value: uncached.rps, unit: 'req/s', ...vsAuth });
        figure({ bench: 'access-tier', figure: 'access-tier-uncached-p99', size: concurrency, value: uncached.result.p99, unit: 'ms', baseline: auth.result.p99, baselineName: 'authenticated { __typename }' });
        figure({ bench: 'access-tier', figure: 'access-tier-uncached-sql-round-trips', size: concurrency, value: uncached.sqlPerRequest, unit: 'statements/request', baseline: auth.sqlPerRequest, baselineName: 'authenticated { __typename }' });
      }
    } finally {
      rig.services.sync.facts.enabled = true;
      sql.stop();
      await rig.stop();
    }
  },
};
