/**
 * Sync benchmark (issue 9): the initial sync of synthetic tenants of 10k, 100k and 500k users (groups =
 * users/20; SYNC_BENCH_SIZES=10000,100000 to choose) through the real gateway services, embedded PostgreSQL
 * and the simulator over HTTPS, then a delta round after 10 changes in each.
 *
 * Baselines measured in the same run: a bare reader (the same Graph client reading the same delta pages from
 * the same simulator, users and groups at once like the gateway, keeping nothing) for the initial sync's
 * requests, time and memory; Graph's page minimum (200 objects, 500 member entries a page) for its requests;
 * at the SYNC_BENCH_STAGED_BASELINE sizes (default 10000), the staged first load (staging tables diffed after
 * the last page, the path before direct loading) of a twin tenant; the 10k tenant's delta round for the larger
 * tenants' delta rounds.
 *
 * The simulator runs in a process of its own (bench/support/simulator-process.ts), as Graph never shares a CPU
 * thread with the gateway: the gateway's JavaScript does not slow the simulator's answers, and the bare reader and
 * the gateway read the same simulator process. Peak RSS growth is then the gateway's process alone, above its level
 * before the round (pages, SQL, event rows). Beside each read's wall time: the CPU time of the gateway's process,
 * of PostgreSQL (all its processes) and of the simulator, steadier than wall time on a shared machine; PostgreSQL's
 * CPU for the load against the simulator's for serving the same pages says which side a load waits for.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { answerConsentPage } from '../src/simulator/browser';
import { DELTA_PAGE_CAPS } from '../src/simulator/graph/delta/page-size';
import { createLogger } from '../src/logging';
import { GROUPS_DELTA_START, SyncEngine, USERS_DELTA_START, type RoundResult } from '../src/sync/sync-engine';
import { TenantStatus } from '../src/tenants/status';
import { figure, mib, ms, table, type Benchmark } from './report';
import { startGatewayRig, type GatewayRig, type RigSimulator } from './support/gateway-rig';
import type { SimulatorProcess } from './support/simulator-process';

const SIZES = (process.env.SYNC_BENCH_SIZES ?? '10000,100000,500000').split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 100);
const CHANGES = 10;
/**
 * SYNC_BENCH_LATENCY_MS: latency the simulator adds to every Graph request (its latency fault), for the bare reader
 * and the gateway alike. Default 0: the simulator answers a delta page in a few milliseconds, so the figures show
 * the gateway's own cost at its worst; a latency shows how much of it a slower Graph hides behind the fetching.
 */
const LATENCY_MS = Number(process.env.SYNC_BENCH_LATENCY_MS ?? 0);
/** The figures' bench name: figures taken with an added latency are tracked apart. */
const BENCH = LATENCY_MS > 0 ? `sync-latency-${LATENCY_MS}ms` : 'sync';
/** Delta rounds measured per size (the median is the figure). */
const DELTA_ROUNDS = 3;
/** Sizes at which the staged first load (the path before direct loading) also runs, on a twin tenant, as a same-run baseline. */
const STAGED_SIZES = new Set((process.env.SYNC_BENCH_STAGED_BASELINE ?? '10000').split(',').map(Number));

/** Connects a scale tenant through admin consent as its global administrator (user 0); returns our tenant id. */
export async function connectScaleTenant(rig: GatewayRig<RigSimulator>, simTenantId: string, users: number): Promise<string> {
  const admin = await rig.inspect.firstUser(simTenantId);
  // The preset disables 2% of accounts at random; its administrator must be able to sign in.
  if (!admin.accountEnabled) await rig.sim.control.updateUser(simTenantId, admin.id, { accountEnabled: true });
  const { tenant, consentUrl } = await rig.services.tenants.connect(
    { displayName: `Scale bench ${users}`, cloud: 'custom', authMode: 'APPLICATION', features: ['READ_DIRECTORY'] as never, returnUrl: `${rig.services.config.server.publicUrl}/graphql` },
    'bench',
  );
  const decision = await answerConsentPage(rig.sim, consentUrl, { login: admin.userPrincipalName });
  const callback = decision.headers.location;
  if (decision.status !== 302 || typeof callback !== 'string') throw new Error(`scale tenant consent: expected a redirect to the gateway, got ${decision.status}`);
  const answer = await fetch(callback, { redirect: 'manual' });
  const outcome = new URL(answer.headers.get('location') ?? 'about:blank').searchParams;
  if (outcome.get('status') !== TenantStatus.ACTIVE) throw new Error(`scale tenant consent: the gateway answered ${answer.status} ${outcome.toString()}`);
  return tenant.id;
}

/** CPU time (ms) each process spent while a read ran: the gateway's own, PostgreSQL's (all its processes), the simulator's. */
interface CpuSplit {
  gateway: number;
  postgres: number;
  simulator: number;
}

/** Runs `work` while sampling this process's RSS; returns its result, the time taken, the RSS peak above the start and the CPU split. */
async function measured<T>(rig: GatewayRig<SimulatorProcess>, work: () => Promise<T>): Promise<{ value: T; millis: number; rssGrowth: number; liveHeap: number | null; cpu: CpuSplit }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  // What the process really holds: the heap right after each full (mark-compact) collection during the work. The
  // peak RSS also counts garbage V8 has not collected yet, which depends on when it chooses to collect.
  const afterMajorGc: number[] = [];
  const gcs = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (((entry as { detail?: { kind?: number } }).detail)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) afterMajorGc.push(process.memoryUsage().heapUsed);
  });
  gcs.observe({ entryTypes: ['gc'] });
  let peak = base;
  const cpuBefore = { gateway: process.cpuUsage(), postgres: rig.postgresCpuMicros(), simulator: await rig.sim.cpuMicros() };
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  let value: T;
  let millis: number;
  try {
    value = await work();
    millis = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
  } finally {
    clearInterval(timer);
    gcs.disconnect();
  }
  const gateway = process.cpuUsage(cpuBefore.gateway);
  const cpu = {
    gateway: (gateway.user + gateway.system) / 1000,
    postgres: (rig.postgresCpuMicros() - cpuBefore.postgres) / 1000,
    simulator: ((await rig.sim.cpuMicros()) - cpuBefore.simulator) / 1000,
  };
  return { value, millis, rssGrowth: peak - base, liveHeap: afterMajorGc.length > 0 ? Math.max(...afterMajorGc) : null, cpu };
}

/** The bare reader: the same delta pages, users and groups at once, nothing kept. */
async function bareRead(rig: GatewayRig<RigSimulator>, tenantId: string): Promise<{ requests: number; pages: number }> {
  const client = rig.services.directory.client(tenantId);
  const before = client.counters().requests;
  let pages = 0;
  await Promise.all(
    [USERS_DELTA_START, GROUPS_DELTA_START].map((start) =>
      client.deltaRound(start, () => {
        pages++;
      }),
    ),
  );
  return { requests: client.counters().requests - before, pages };
}

/** Ten changes: 4 user updates, 3 member additions, 2 removals, 1 deletion; `k` (0, 1, ...) picks other objects each time. */
async function tenChanges(rig: GatewayRig<RigSimulator>, simTenantId: string, k: number): Promise<void> {
  const { inspect, sim } = rig;
  const users = (await inspect.idsAt(simTenantId, 'users', [100, 101, 102, 103, 200 + k])) as string[];
  for (const [i, user] of users.slice(0, 4).entries()) await sim.control.updateUser(simTenantId, user, { jobTitle: `Bench title ${k}.${i}` });
  for (const group of (await inspect.idsAt(simTenantId, 'groups', [0, 1, 2].map((i) => 50 + 3 * k + i))) as string[]) {
    // The directory's first user not in the group (among its first members + 1 users there is one).
    const members = new Set(await inspect.directMembers(simTenantId, group));
    const candidates = await inspect.idsAt(simTenantId, 'users', Array.from({ length: members.size + 1 }, (_, i) => i));
    await sim.control.addMember(simTenantId, group, candidates.find((u) => u !== undefined && !members.has(u))!);
  }
  // The first member of two groups from the 60 + 2k-th on (skipping any without a member).
  let removed = 0;
  for (let g = 60 + 2 * k; removed < 2; g++) {
    const [group] = (await inspect.idsAt(simTenantId, 'groups', [g])) as string[];
    const [member] = await inspect.directMembers(simTenantId, group);
    if (member === undefined) continue;
    await sim.control.removeMember(simTenantId, group, member);
    removed++;
  }
  await sim.control.deleteUser(simTenantId, users[4]);
}

/** SYNC_SQL_PROFILE=1: where the round's SQL time went, by statement shape (time includes waiting for the connection). */
function printProfile(title: string, profile: Record<string, { statements: number; ms: number; rows: number }> | undefined): void {
  if (!profile) return;
  const rows = Object.entries(profile).sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((sum, [, e]) => sum + e.ms, 0);
  console.log(`SQL profile, ${title}: ${ms(total)} in ${rows.reduce((sum, [, e]) => sum + e.statements, 0)} statements`);
  for (const [sql, e] of rows.slice(0, 15)) console.log(`  ${ms(e.ms).padStart(8)} ${String(e.statements).padStart(5)}x ${String(e.rows).padStart(7)} rows  ${sql}`);
}

interface SizeResult {
  users: number;
  bare: { requests: number; millis: number; rssGrowth: number; cpu: CpuSplit };
  /** backgroundMs (backgroundPgMs: PostgreSQL's CPU in it): the load's work after its commit (engine.idle(): index merges, statistics), off the round's time. */
  /** liveHeap: the largest heap right after a full collection during the load (null: none ran). */
  initial: { requests: number; millis: number; rssGrowth: number; liveHeap: number | null; cpu: CpuSplit; fetchMs: number; backgroundMs: number; backgroundPgMs: number; minimum: number; statements: number };
  delta: { requests: number; millis: number; fetchMs: number; rssGrowth: number; statements: number; rowsReturned: number; events: number };
  /** The staged first load of a twin tenant (SYNC_BENCH_STAGED_BASELINE sizes). */
  staged?: { millis: number; fetchMs: number; rssGrowth: number };
}

async function runSize(rig: GatewayRig<SimulatorProcess>, users: number): Promise<SizeResult> {
  const groups = Math.max(1, Math.round(users / 20));
  const summary = await rig.sim.control.createTenant({ preset: 'scale', users, groups, seed: 7 + users });
  const simTenantId = summary.tenantId;
  const tenantId = await connectScaleTenant(rig, simTenantId, users);
  const engine = rig.services.sync.engine;

  const bare = await measured(rig, () => bareRead(rig, tenantId));
  let staged: SizeResult['staged'];
  if (STAGED_SIZES.has(users)) {
    // A twin directory (same size and shape, its own seed: a seed names a tenant), first-loaded through the
    // staging tables and a diff.
    const twin = await rig.sim.control.createTenant({ preset: 'scale', users, groups, seed: 8 + users });
    const twinId = await connectScaleTenant(rig, twin.tenantId, users);
    const stagedEngine = new SyncEngine({ dataSource: rig.dataSource, clientFor: (t) => rig.services.directory.client(t), access: rig.services.access, logger: createLogger({ level: 'silent' }), directFirstLoad: false });
    const round = await measured(rig, () => stagedEngine.runRound(twinId));
    await stagedEngine.idle();
    if (!round.value.ran) throw new Error(`staged initial round did not run: ${round.value.reason}`);
    staged = { millis: round.millis, fetchMs: round.value.fetchMs, rssGrowth: round.rssGrowth };
  }
  await rig.sim.control.resetCounters();
  const initial = await measured(rig, () => engine.runRound(tenantId));
  const upstream = await rig.sim.control.counters();
  if (!initial.value.ran) throw new Error(`initial round did not run: ${initial.value.reason}`);
  printProfile(`${users} users, initial round`, initial.value.sql.profile);
  if (initial.value.counts.users !== users || initial.value.counts.groups !== groups) {
    throw new Error(`snapshot holds ${initial.value.counts.users} users and ${initial.value.counts.groups} groups, expected ${users} and ${groups}`);
  }
  // The fewest pages Graph's caps allow when a client asks for the largest pages (Prefer: odata.maxpagesize, as
  // the gateway does): 200 objects a page, and 500 directory-link (members@delta) entries a page.
  const minimum = Math.ceil(users / DELTA_PAGE_CAPS.objects) + Math.max(Math.ceil(groups / DELTA_PAGE_CAPS.objects), Math.ceil(summary.counts.memberships / DELTA_PAGE_CAPS.members));

  // A delta round comes an interval later: the load's background work (staged rows deleted, the search index's
  // pending entries merged, statistics refreshed) is done by then. Timed: it is the database's work too.
  const backgroundStarted = performance.now();
  const backgroundPgBefore = rig.postgresCpuMicros();
  await engine.idle();
  const backgroundMs = performance.now() - backgroundStarted;
  const backgroundPgMs = (rig.postgresCpuMicros() - backgroundPgBefore) / 1000;
  // By the next interval the database has also vacuumed the freshly loaded tables (autovacuum's insert threshold)
  // and written the load's dirty pages out (a checkpoint). Done here, timed and reported, so the delta rounds
  // below measure a round, not a round competing with the aftermath of a bulk load (seen: 1.1 s instead of 50 ms).
  const settleStarted = performance.now();
  await rig.dataSource.query(`VACUUM (ANALYZE) snapshot_users, snapshot_groups, snapshot_memberships, snapshot_effective`);
  await rig.dataSource.query(`CHECKPOINT`);
  const settleMs = performance.now() - settleStarted;
  // Three rounds of ten changes each (other objects each time); the median one is the figure (one round is
  // tens of milliseconds, within the noise of a shared machine).
  const deltas: Array<{ result: { value: RoundResult; millis: number; rssGrowth: number }; requests: number }> = [];
  for (let k = 0; k < DELTA_ROUNDS; k++) {
    await tenChanges(rig, simTenantId, k);
    await rig.sim.control.resetCounters();
    const result = await measured(rig, () => engine.runRound(tenantId));
    deltas.push({ result, requests: (await rig.sim.control.counters()).requests });
    if (result.value.ran) printProfile(`${users} users, delta round ${k + 1}`, result.value.sql.profile);
  }
  deltas.sort((a, b) => a.result.millis - b.result.millis);
  console.log(`${users} users: delta rounds ${deltas.map((d) => ms(d.result.millis)).join(', ')} (after ${ms(settleMs)} of VACUUM ANALYZE and CHECKPOINT)`);
  const { result: delta, requests: deltaRequests } = deltas[Math.floor(deltas.length / 2)];
  if (!delta.value.ran) throw new Error(`delta round did not run: ${delta.value.reason}`);
  return {
    users,
    staged,
    bare: { requests: bare.value.requests, millis: bare.millis, rssGrowth: bare.rssGrowth, cpu: bare.cpu },
    initial: { requests: upstream.requests, millis: initial.millis, rssGrowth: initial.rssGrowth, liveHeap: initial.liveHeap, cpu: initial.cpu, fetchMs: initial.value.fetchMs, backgroundMs, backgroundPgMs, minimum, statements: initial.value.sql.statements },
    delta: { requests: deltaRequests, millis: delta.millis, fetchMs: delta.value.fetchMs, rssGrowth: delta.rssGrowth, statements: delta.value.sql.statements, rowsReturned: delta.value.sql.rowsReturned, events: delta.value.events },
  };
}

export const syncBenchmark: Benchmark = {
  name: 'sync',
  description: `initial sync of ${SIZES.map((n) => n.toLocaleString('en-US')).join(' / ')}-user tenants (groups = users/20) against a bare reader of the same pages, and a delta round after ${CHANGES} changes in each${LATENCY_MS > 0 ? `; the simulator adds ${LATENCY_MS} ms to every Graph request` : ''}`,
  async run() {
    const rig = await startGatewayRig({ simulator: 'process' });
    const results: SizeResult[] = [];
    try {
      if (LATENCY_MS > 0) await rig.sim.control.setFaults({ latencyMs: LATENCY_MS });
      for (const users of SIZES) {
        try {
          const r = await runSize(rig, users);
          results.push(r);
          // A row as soon as a size is done, so a long run shows its figures before the end.
          console.log(JSON.stringify({ users, bare: r.bare, staged: r.staged, initial: r.initial, delta: r.delta }));
        } catch (error) {
          console.log(`${users.toLocaleString('en-US')} users: could not complete (${error instanceof Error ? error.message : String(error)})`);
          break;
        }
      }
    } finally {
      await rig.stop();
    }
    table(
      results.map((r) => ({
        users: r.users.toLocaleString('en-US'),
        'initial: Graph requests': r.initial.requests,
        'bare reader requests': r.bare.requests,
        'page minimum (Graph caps)': r.initial.minimum,
        'initial time': ms(r.initial.millis),
        'streams done at': ms(r.initial.fetchMs),
        'apply after streams': ms(r.initial.millis - r.initial.fetchMs),
        'background after commit (PostgreSQL CPU)': `${ms(r.initial.backgroundMs)} (${ms(r.initial.backgroundPgMs)})`,
        'bare reader time': ms(r.bare.millis),
        'x bare': (r.initial.millis / r.bare.millis).toFixed(2),
        'staged first load (twin)': r.staged ? `${ms(r.staged.millis)} (${(r.staged.millis / r.bare.millis).toFixed(2)}x bare)` : '-',
        'initial CPU: gateway / PostgreSQL / simulator': `${ms(r.initial.cpu.gateway)} / ${ms(r.initial.cpu.postgres)} / ${ms(r.initial.cpu.simulator)}`,
        'bare CPU: reader / simulator': `${ms(r.bare.cpu.gateway)} / ${ms(r.bare.cpu.simulator)}`,
        'initial peak RSS growth': mib(r.initial.rssGrowth),
        'live heap after full GCs (max)': r.initial.liveHeap === null ? 'no full GC' : mib(r.initial.liveHeap),
        'bare peak RSS growth': mib(r.bare.rssGrowth),
        'delta: Graph requests': r.delta.requests,
        [`delta time (median of ${DELTA_ROUNDS})`]: ms(r.delta.millis),
        'delta: Graph part': ms(r.delta.fetchMs),
        'delta SQL statements': r.delta.statements,
        'delta SQL rows returned': r.delta.rowsReturned,
        'delta events': r.delta.events,
      })),
    );
    console.log('"x bare": the gateway\'s initial sync time over the bare reader\'s (goal <= 1.2). Goals: RSS growth < 256 MiB at 100k and 500k within 1.2x of 100k; a delta round <= 3 Graph requests, 500k within 1.5x of 10k.');
    const first = results[0];
    const at100k = results.find((r) => r.users === 100_000);
    for (const r of results) {
      figure({ bench: BENCH, figure: 'initial-graph-requests', size: r.users, value: r.initial.requests, unit: 'requests', baseline: r.bare.requests, baselineName: 'bare reader' });
      figure({ bench: BENCH, figure: 'initial-graph-requests-vs-page-minimum', size: r.users, value: r.initial.requests, unit: 'requests', baseline: r.initial.minimum, baselineName: 'page minimum at Graph caps (200 objects, 500 member entries)' });
      figure({ bench: BENCH, figure: 'initial-time', size: r.users, value: r.initial.millis / 1000, unit: 's', baseline: r.bare.millis / 1000, baselineName: 'bare reader' });
      if (r.staged) figure({ bench: BENCH, figure: 'initial-time-vs-staged-first-load', size: r.users, value: r.initial.millis / 1000, unit: 's', baseline: r.staged.millis / 1000, baselineName: 'staged first load of a twin tenant (previous path)' });
      // CPU time: steadier than wall time on a shared machine. PostgreSQL's work for the load against what serving
      // the same pages cost the simulator (its CPU in the bare read).
      figure({ bench: BENCH, figure: 'initial-postgres-cpu', size: r.users, value: r.initial.cpu.postgres / 1000, unit: 's', baseline: r.bare.cpu.simulator / 1000, baselineName: 'simulator CPU serving the bare reader' });
      figure({ bench: BENCH, figure: 'initial-gateway-cpu', size: r.users, value: r.initial.cpu.gateway / 1000, unit: 's', baseline: r.bare.cpu.gateway / 1000, baselineName: 'bare reader CPU (same process)' });
      figure({ bench: BENCH, figure: 'initial-background-after-commit', size: r.users, value: r.initial.backgroundMs / 1000, unit: 's', baseline: r.initial.millis / 1000, baselineName: 'the initial round (its commit is before this work)' });
      figure({ bench: BENCH, figure: 'initial-apply-after-streams', size: r.users, value: (r.initial.millis - r.initial.fetchMs) / 1000, unit: 's', baseline: r.initial.fetchMs / 1000, baselineName: 'its streams (pages fetched and written)' });
      figure({
        bench: BENCH,
        figure: 'initial-peak-rss-growth',
        size: r.users,
        value: r.initial.rssGrowth / 1024 / 1024,
        unit: 'MiB',
        ...(at100k && r !== at100k ? { baseline: at100k.initial.rssGrowth / 1024 / 1024, baselineName: '100k tenant' } : { baseline: r.bare.rssGrowth / 1024 / 1024, baselineName: 'bare reader' }),
      });
      if (r.initial.liveHeap !== null) {
        const base100k = at100k && r !== at100k ? at100k.initial.liveHeap : null;
        figure({
          bench: BENCH,
          figure: 'initial-live-heap-after-full-gc',
          size: r.users,
          value: r.initial.liveHeap / 1024 / 1024,
          unit: 'MiB',
          ...(base100k !== null && base100k !== undefined ? { baseline: base100k / 1024 / 1024, baselineName: '100k tenant' } : {}),
        });
      }
      figure({ bench: BENCH, figure: 'delta-round-10-changes-graph-requests', size: r.users, value: r.delta.requests, unit: 'requests', baseline: 3, baselineName: 'goal' });
      figure({ bench: BENCH, figure: 'delta-round-10-changes', size: r.users, value: r.delta.millis / 1000, unit: 's', baseline: first.delta.millis / 1000, baselineName: `${first.users / 1000}k tenant` });
      figure({ bench: BENCH, figure: 'delta-round-10-changes-sql-statements', size: r.users, value: r.delta.statements, unit: 'statements', baseline: first.delta.statements, baselineName: `${first.users / 1000}k tenant` });
    }
  },
};
