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
 * tenants' delta rounds. Peak RSS
 * growth is this process above its level before the round (the simulator runs in this process and its
 * directory is already built, so the growth is the round's: pages, SQL, event rows).
 */
import { answerConsentPage } from '../src/simulator/browser';
import { DELTA_PAGE_CAPS } from '../src/simulator/graph/delta/page-size';
import { createLogger } from '../src/logging';
import { GROUPS_DELTA_START, SyncEngine, USERS_DELTA_START, type RoundResult } from '../src/sync/sync-engine';
import { TenantStatus } from '../src/tenants/status';
import { figure, mib, ms, table, type Benchmark } from './report';
import { startGatewayRig, type GatewayRig } from './support/gateway-rig';

const SIZES = (process.env.SYNC_BENCH_SIZES ?? '10000,100000,500000').split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 100);
const CHANGES = 10;
/** Delta rounds measured per size (the median is the figure). */
const DELTA_ROUNDS = 3;
/** Sizes at which the staged first load (the path before direct loading) also runs, on a twin tenant, as a same-run baseline. */
const STAGED_SIZES = new Set((process.env.SYNC_BENCH_STAGED_BASELINE ?? '10000').split(',').map(Number));

/** Connects a scale tenant through admin consent as its global administrator (user 0); returns our tenant id. */
export async function connectScaleTenant(rig: GatewayRig, simTenantId: string, users: number): Promise<string> {
  const admin = rig.sim.ctx.store.requireTenant(simTenantId).users.values().next().value!;
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

/** Runs `work` while sampling RSS; returns its result, the time taken and the RSS peak above the start. */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; millis: number; rssGrowth: number }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  try {
    const value = await work();
    return { value, millis: performance.now() - started, rssGrowth: Math.max(peak, process.memoryUsage().rss) - base };
  } finally {
    clearInterval(timer);
  }
}

/** The bare reader: the same delta pages, users and groups at once, nothing kept. */
async function bareRead(rig: GatewayRig, tenantId: string): Promise<{ requests: number; pages: number }> {
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
async function tenChanges(rig: GatewayRig, simTenantId: string, k: number): Promise<void> {
  const store = rig.sim.ctx.store;
  const t = store.requireTenant(simTenantId);
  const users = [...t.users.keys()];
  const groups = [...t.groups.keys()];
  for (let i = 0; i < 4; i++) await rig.sim.control.updateUser(simTenantId, users[100 + i], { jobTitle: `Bench title ${k}.${i}` });
  for (let i = 0; i < 3; i++) {
    const group = groups[50 + 3 * k + i];
    const outsider = users.find((u) => !store.directMembers(simTenantId, group).includes(u))!;
    await rig.sim.control.addMember(simTenantId, group, outsider);
  }
  let removed = 0;
  for (let g = 60 + 2 * k; removed < 2; g++) {
    const member = store.directMembers(simTenantId, groups[g])[0];
    if (member === undefined) continue;
    await rig.sim.control.removeMember(simTenantId, groups[g], member);
    removed++;
  }
  await rig.sim.control.deleteUser(simTenantId, users[200 + k]);
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
  bare: { requests: number; millis: number; rssGrowth: number };
  initial: { requests: number; millis: number; rssGrowth: number; fetchMs: number; minimum: number; statements: number };
  delta: { requests: number; millis: number; fetchMs: number; rssGrowth: number; statements: number; rowsReturned: number; events: number };
  /** The staged first load of a twin tenant (SYNC_BENCH_STAGED_BASELINE sizes). */
  staged?: { millis: number; fetchMs: number; rssGrowth: number };
}

async function runSize(rig: GatewayRig, users: number): Promise<SizeResult> {
  const groups = Math.max(1, Math.round(users / 20));
  const summary = await rig.sim.control.createTenant({ preset: 'scale', users, groups, seed: 7 + users });
  const simTenantId = summary.tenantId;
  const tenantId = await connectScaleTenant(rig, simTenantId, users);
  const engine = rig.services.sync.engine;

  const bare = await measured(() => bareRead(rig, tenantId));
  let staged: SizeResult['staged'];
  if (STAGED_SIZES.has(users)) {
    // A twin directory (same size and shape, its own seed: a seed names a tenant), first-loaded through the
    // staging tables and a diff.
    const twin = await rig.sim.control.createTenant({ preset: 'scale', users, groups, seed: 8 + users });
    const twinId = await connectScaleTenant(rig, twin.tenantId, users);
    const stagedEngine = new SyncEngine({ dataSource: rig.dataSource, clientFor: (t) => rig.services.directory.client(t), access: rig.services.access, logger: createLogger({ level: 'silent' }), directFirstLoad: false });
    const round = await measured(() => stagedEngine.runRound(twinId));
    await stagedEngine.idle();
    if (!round.value.ran) throw new Error(`staged initial round did not run: ${round.value.reason}`);
    staged = { millis: round.millis, fetchMs: round.value.fetchMs, rssGrowth: round.rssGrowth };
  }
  await rig.sim.control.resetCounters();
  const initial = await measured(() => engine.runRound(tenantId));
  const upstream = await rig.sim.control.counters();
  if (!initial.value.ran) throw new Error(`initial round did not run: ${initial.value.reason}`);
  printProfile(`${users} users, initial round`, initial.value.sql.profile);
  if (initial.value.counts.users !== users || initial.value.counts.groups !== groups) {
    throw new Error(`snapshot holds ${initial.value.counts.users} users and ${initial.value.counts.groups} groups, expected ${users} and ${groups}`);
  }
  // The fewest pages Graph's caps allow when a client asks for the largest pages (Prefer: odata.maxpagesize, as
  // the gateway does): 200 objects a page, and 500 directory-link (members@delta) entries a page.
  const minimum = Math.ceil(users / DELTA_PAGE_CAPS.objects) + Math.max(Math.ceil(groups / DELTA_PAGE_CAPS.objects), Math.ceil(summary.counts.memberships / DELTA_PAGE_CAPS.members));

  // A delta round comes an interval later: the load's background work (staged rows deleted, statistics
  // refreshed) is done by then.
  await engine.idle();
  // Three rounds of ten changes each (other objects each time); the median one is the figure (one round is
  // tens of milliseconds, within the noise of a shared machine).
  const deltas: Array<{ result: { value: RoundResult; millis: number; rssGrowth: number }; requests: number }> = [];
  for (let k = 0; k < DELTA_ROUNDS; k++) {
    await tenChanges(rig, simTenantId, k);
    await rig.sim.control.resetCounters();
    const result = await measured(() => engine.runRound(tenantId));
    deltas.push({ result, requests: (await rig.sim.control.counters()).requests });
    if (result.value.ran) printProfile(`${users} users, delta round ${k + 1}`, result.value.sql.profile);
  }
  deltas.sort((a, b) => a.result.millis - b.result.millis);
  const { result: delta, requests: deltaRequests } = deltas[Math.floor(deltas.length / 2)];
  if (!delta.value.ran) throw new Error(`delta round did not run: ${delta.value.reason}`);
  return {
    users,
    staged,
    bare: { requests: bare.value.requests, millis: bare.millis, rssGrowth: bare.rssGrowth },
    initial: { requests: upstream.requests, millis: initial.millis, rssGrowth: initial.rssGrowth, fetchMs: initial.value.fetchMs, minimum, statements: initial.value.sql.statements },
    delta: { requests: deltaRequests, millis: delta.millis, fetchMs: delta.value.fetchMs, rssGrowth: delta.rssGrowth, statements: delta.value.sql.statements, rowsReturned: delta.value.sql.rowsReturned, events: delta.value.events },
  };
}

export const syncBenchmark: Benchmark = {
  name: 'sync',
  description: `initial sync of ${SIZES.map((n) => n.toLocaleString('en-US')).join(' / ')}-user tenants (groups = users/20) against a bare reader of the same pages, and a delta round after ${CHANGES} changes in each`,
  async run() {
    const rig = await startGatewayRig();
    const results: SizeResult[] = [];
    try {
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
        'bare reader time': ms(r.bare.millis),
        'x bare': (r.initial.millis / r.bare.millis).toFixed(2),
        'staged first load (twin)': r.staged ? `${ms(r.staged.millis)} (${(r.staged.millis / r.bare.millis).toFixed(2)}x bare)` : '-',
        'initial peak RSS growth': mib(r.initial.rssGrowth),
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
      figure({ bench: 'sync', figure: 'initial-graph-requests', size: r.users, value: r.initial.requests, unit: 'requests', baseline: r.bare.requests, baselineName: 'bare reader' });
      figure({ bench: 'sync', figure: 'initial-graph-requests-vs-page-minimum', size: r.users, value: r.initial.requests, unit: 'requests', baseline: r.initial.minimum, baselineName: 'page minimum at Graph caps (200 objects, 500 member entries)' });
      figure({ bench: 'sync', figure: 'initial-time', size: r.users, value: r.initial.millis / 1000, unit: 's', baseline: r.bare.millis / 1000, baselineName: 'bare reader' });
      if (r.staged) figure({ bench: 'sync', figure: 'initial-time-vs-staged-first-load', size: r.users, value: r.initial.millis / 1000, unit: 's', baseline: r.staged.millis / 1000, baselineName: 'staged first load of a twin tenant (previous path)' });
      figure({ bench: 'sync', figure: 'initial-apply-after-streams', size: r.users, value: (r.initial.millis - r.initial.fetchMs) / 1000, unit: 's', baseline: r.initial.fetchMs / 1000, baselineName: 'its streams (pages fetched and written)' });
      figure({
        bench: 'sync',
        figure: 'initial-peak-rss-growth',
        size: r.users,
        value: r.initial.rssGrowth / 1024 / 1024,
        unit: 'MiB',
        ...(at100k && r !== at100k ? { baseline: at100k.initial.rssGrowth / 1024 / 1024, baselineName: '100k tenant' } : { baseline: r.bare.rssGrowth / 1024 / 1024, baselineName: 'bare reader' }),
      });
      figure({ bench: 'sync', figure: 'delta-round-10-changes-graph-requests', size: r.users, value: r.delta.requests, unit: 'requests', baseline: 3, baselineName: 'goal' });
      figure({ bench: 'sync', figure: 'delta-round-10-changes', size: r.users, value: r.delta.millis / 1000, unit: 's', baseline: first.delta.millis / 1000, baselineName: `${first.users / 1000}k tenant` });
      figure({ bench: 'sync', figure: 'delta-round-10-changes-sql-statements', size: r.users, value: r.delta.statements, unit: 'statements', baseline: first.delta.statements, baselineName: `${first.users / 1000}k tenant` });
    }
  },
};
