/**
 * Directory reads from the snapshot (issue 10): `users(first: 100)` over a 100,000-user tenant answered from the
 * snapshot (source: SNAPSHOT) versus live from the simulator (source: LIVE), through the running gateway under
 * load from a separate process (bench/directory-snapshot-load.worker.ts), at concurrency 1 and 16; the same
 * server's authenticated `{ __typename }` in the same run is the baseline of what any request costs.
 *
 * Figures: requests/s, p50/p99 latency; Graph requests per request (the simulator's counters, 0 expected from
 * the snapshot); what one page of a display-name prefix (about 5,000 matches) and of a search costs in PostgreSQL
 * against the statement before (prefix) or a plain page (search; bench/support/snapshot-page-figures.ts); SQL round trips per request, counted by wrapping pg's Client#query in this process (the
 * gateway's only way to PostgreSQL), so every statement the request caused is counted, the API key check included.
 *
 * The snapshot is loaded by writing the simulator tenant's generated users straight into snapshot_users (and
 * sync_state.last_success_at = now()) rather than by a sync round: the rows are exactly what a sync of that
 * tenant writes for the columns read here, it takes seconds instead of minutes, and it keeps this benchmark
 * independent of the sync engine's own speed (bench/sync.bench.ts measures that). Throttling is off while
 * loading, so the live figures are the gateway's and the simulator's, not Graph's resource-unit ceiling.
 */
import { buildUserWords } from '../src/sync/user-words';
import path from 'node:path';
import pg from 'pg';
import { answerConsentPage } from '../src/simulator/browser';
import { TenantStatus } from '../src/tenants/status';
import { figure, ms, table, type Benchmark } from './report';
import type { SnapshotLoadJob } from './directory-snapshot-load.worker';
import { gatewayRequest, startGatewayRig, type GatewayRig } from './support/gateway-rig';
import { runLoadProcess } from './support/load-parent';
import type { LoadResult } from './support/load-protocol';
import { pageCases, pageCost } from './support/snapshot-page-figures';

const USERS = Number(process.env.SNAPSHOT_BENCH_USERS ?? 100_000);
const PAGE = 100;
const TOTAL = Number(process.env.SNAPSHOT_BENCH_REQUESTS ?? 400);
const CONCURRENCIES = [1, 16];
const TIME_LIMIT_MS = 45_000;
/** Generous: on a loaded machine a live page of a 100k-user tenant at concurrency 16 can take many seconds. */
const REQUEST_TIMEOUT_MS = 60_000;
const WORKER_DEADLINE_MS = 2 * TIME_LIMIT_MS + 15_000;
const NAME = 'directory-snapshot';
/** SNAPSHOT_BENCH_PAGES_ONLY=1: only the page costs in PostgreSQL (prefix and search), not the load through the gateway. */
const PAGES_ONLY = process.env.SNAPSHOT_BENCH_PAGES_ONLY === '1';

const usersQuery = (source: 'LIVE' | 'SNAPSHOT') =>
  `query Users($t: ID!) { tenant(id: $t) { users(first: ${PAGE}, source: ${source}) { source ageSeconds edges { node { id displayName userPrincipalName mail department jobTitle accountEnabled userType } } pageInfo { hasNextPage endCursor } } } }`;

/** Every statement the gateway sends goes through pg's Client#query: counted here, passed on unchanged. */
function countSql(): { read(): number; restore(): void } {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let count = 0;
  proto.query = function (this: unknown, ...args: unknown[]) {
    count++;
    return original.apply(this, args);
  };
  return { read: () => count, restore: () => (proto.query = original) };
}

/** Connects a scale tenant through admin consent as its global administrator (user 0); returns our tenant id. */
async function connectScaleTenant(rig: GatewayRig, simTenantId: string): Promise<string> {
  const admin = rig.sim.ctx.store.requireTenant(simTenantId).users.values().next().value!;
  const { tenant, consentUrl } = await rig.services.tenants.connect(
    { displayName: 'Snapshot bench', cloud: 'custom', authMode: 'APPLICATION', features: ['READ_DIRECTORY'] as never, returnUrl: `${rig.services.config.server.publicUrl}/graphql` },
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

/** The simulator tenant's users as snapshot rows (the columns a sync writes), in chunks; then the round's time. */
async function seedSnapshot(rig: GatewayRig, simTenantId: string, tenantId: string): Promise<number> {
  // A connection of its own to the rig's database (the rig keeps its DataSource inside the gateway's services).
  const db = new pg.Client({ connectionString: rig.services.config.database.url! });
  await db.connect();
  try {
  const users = [...rig.sim.ctx.store.requireTenant(simTenantId).users.values()];
  const started = performance.now();
  for (let i = 0; i < users.length; i += 5_000) {
    const chunk = users.slice(i, i + 5_000);
    await db.query(
      `INSERT INTO snapshot_users (tenant_id, id, display_name, user_principal_name, mail, department, job_title, account_enabled, user_type)
       SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::text[])`,
      [
        tenantId,
        chunk.map((u) => u.id),
        chunk.map((u) => u.displayName),
        chunk.map((u) => u.userPrincipalName),
        chunk.map((u) => u.mail),
        chunk.map((u) => u.department),
        chunk.map((u) => u.jobTitle),
        chunk.map((u) => u.accountEnabled),
        chunk.map((u) => u.userType),
      ],
    );
  }
  await db.query(
    `INSERT INTO sync_state (tenant_id, last_success_at, counts) VALUES ($1, now(), $2)
     ON CONFLICT (tenant_id) DO UPDATE SET last_success_at = now(), counts = EXCLUDED.counts`,
    [tenantId, JSON.stringify({ users: users.length })],
  );
  await db.query(`ANALYZE snapshot_users`);
  return performance.now() - started;
  } finally {
    await db.end();
  }
}

/**
 * A page of a display-name prefix matching about 5,000 users and of two searches: buffers, rows read and median
 * time in PostgreSQL, in the same run over the same rows as their baselines (snapshot-page-figures.ts).
 */
async function measurePages(rig: GatewayRig, tenantId: string): Promise<void> {
  const db = new pg.Client({ connectionString: rig.services.config.database.url! });
  await db.connect();
  try {
    await db.query(`VACUUM ANALYZE snapshot_users`);
    const cases = await pageCases(db, tenantId);
    const rows: Record<string, string | number>[] = [];
    for (const c of cases) {
      const [a, b] = [await pageCost(db, c.now), await pageCost(db, c.before)];
      if (a.rows !== b.rows) throw new Error(`${c.label}: the page has ${a.rows} rows, its baseline ${b.rows}; refusing to compare their cost`);
      rows.push({ page: c.label, rows: a.rows, 'buffers (baseline)': `${a.buffers} (${b.buffers})`, 'rows read (baseline)': `${a.rowsRead} (${b.rowsRead})`, 'p50 (baseline)': `${a.p50Ms.toFixed(2)} ms (${b.p50Ms.toFixed(2)} ms)`, baseline: c.baselineName });
      const common = { bench: NAME, size: USERS, baselineName: c.baselineName };
      figure({ ...common, figure: `${c.key}-page-buffers`, value: a.buffers, unit: 'buffers', baseline: b.buffers });
      figure({ ...common, figure: `${c.key}-page-rows-read`, value: a.rowsRead, unit: 'rows', baseline: b.rowsRead });
      figure({ ...common, figure: `${c.key}-page-p50`, value: a.p50Ms, unit: 'ms', baseline: b.p50Ms });
    }
    table(rows);
    await measureSearchWays(rig, db, tenantId, cases.filter((c) => c.key.startsWith('search-')));
  } finally {
    await db.end();
  }
}

/**
 * The same search pages once the tenant's words are built (user-words.ts): the word path, against the trigram
 * path measured just before over the same rows (the same statement; it picks its way by sync_state). Also the
 * build's own time (what the background adds after a full round's commit).
 */
async function measureSearchWays(rig: GatewayRig, db: pg.Client, tenantId: string, cases: Awaited<ReturnType<typeof pageCases>>): Promise<void> {
  const trigram = [];
  for (const c of cases) trigram.push(await pageCost(db, c.now));
  const runner = rig.dataSource.createQueryRunner();
  const started = performance.now();
  try {
    if (!(await buildUserWords(runner, tenantId))) throw new Error('the words were current before the build; refusing to compare');
  } finally {
    await runner.release();
  }
  const buildMs = performance.now() - started;
  await db.query(`VACUUM ANALYZE snapshot_user_words`);
  console.log(`search words built for ${USERS.toLocaleString('en-US')} users in ${ms(buildMs)} (one background transaction)`);
  figure({ bench: NAME, size: USERS, figure: 'search-words-build', value: buildMs, unit: 'ms' });
  const rows: Record<string, string | number>[] = [];
  for (const [i, c] of cases.entries()) {
    const [a, b] = [await pageCost(db, c.now), trigram[i]];
    if (a.rows !== b.rows) throw new Error(`${c.label}: the word path has ${a.rows} rows, the trigram path ${b.rows}; refusing to compare their cost`);
    rows.push({ page: c.label, rows: a.rows, 'buffers words (trigram)': `${a.buffers} (${b.buffers})`, 'rows read words (trigram)': `${a.rowsRead} (${b.rowsRead})`, 'p50 words (trigram)': `${a.p50Ms.toFixed(2)} ms (${b.p50Ms.toFixed(2)} ms)` });
    const common = { bench: NAME, size: USERS, baselineName: 'the trigram path (words not built)' };
    figure({ ...common, figure: `${c.key}-words-page-buffers`, value: a.buffers, unit: 'buffers', baseline: b.buffers });
    figure({ ...common, figure: `${c.key}-words-page-rows-read`, value: a.rowsRead, unit: 'rows', baseline: b.rowsRead });
    figure({ ...common, figure: `${c.key}-words-page-p50`, value: a.p50Ms, unit: 'ms', baseline: b.p50Ms });
  }
  table(rows);
}

function runLoad(job: SnapshotLoadJob, beforeGo: () => Promise<void>): Promise<LoadResult> {
  return runLoadProcess(path.join(__dirname, 'directory-snapshot-load.worker.js'), job, beforeGo, WORKER_DEADLINE_MS);
}

interface Target {
  key: string;
  label: string;
  body: string;
  expect: SnapshotLoadJob['expect'];
}

export const directorySnapshotBenchmark: Benchmark = {
  name: NAME,
  description: `users(first: ${PAGE}) over a ${USERS.toLocaleString('en-US')}-user tenant from the snapshot versus live from the simulator, load from a separate process at concurrency ${CONCURRENCIES.join(' and ')} (requests/s, p50/p99, Graph requests and SQL round trips per request), against the authenticated { __typename } baseline`,
  async run() {
    const rig = await startGatewayRig();
    const sql = countSql();
    try {
      const generated = performance.now();
      const summary = await rig.sim.control.createTenant({ preset: 'scale', users: USERS, groups: 100, seed: 11 });
      console.log(`simulator tenant: ${summary.counts.users.toLocaleString('en-US')} users generated in ${ms(performance.now() - generated)}`);
      const tenantId = await connectScaleTenant(rig, summary.tenantId);
      const seeded = await seedSnapshot(rig, summary.tenantId, tenantId);
      console.log(`snapshot: ${USERS.toLocaleString('en-US')} users written to snapshot_users in ${ms(seeded)} (seeded from the simulator's tenant, not a sync round)`);
      await rig.sim.control.updateSettings({ throttlingEnabled: false });

      // The two sources must agree before their speed means anything.
      type Users = { tenant: { users: { source: string; edges: Array<{ node: Record<string, unknown> }> } } };
      const live = await gatewayRequest<Users>(rig, usersQuery('LIVE'), { t: tenantId });
      const snap = await gatewayRequest<Users>(rig, usersQuery('SNAPSHOT'), { t: tenantId });
      if (snap.tenant.users.source !== 'SNAPSHOT' || JSON.stringify(snap.tenant.users.edges) !== JSON.stringify(live.tenant.users.edges)) {
        throw new Error('users(first: 100): the snapshot page differs from the live page; refusing to compare their speed');
      }
      console.log(`check: the first ${PAGE} users from the snapshot equal the live page, field for field`);

      await measurePages(rig, tenantId);
      if (PAGES_ONLY) return;

      const url = rig.graphqlUrl;
      const targets: Target[] = [
        { key: 'trivial', label: 'gateway: { __typename } (authenticated)', body: JSON.stringify({ query: '{ __typename }' }), expect: null },
        { key: 'snapshot', label: `gateway: users(first: ${PAGE}, source: SNAPSHOT)`, body: JSON.stringify({ query: usersQuery('SNAPSHOT'), variables: { t: tenantId } }), expect: { source: 'SNAPSHOT', edges: PAGE } },
        { key: 'live', label: `gateway: users(first: ${PAGE}, source: LIVE)`, body: JSON.stringify({ query: usersQuery('LIVE'), variables: { t: tenantId } }), expect: { source: 'LIVE', edges: PAGE } },
      ];
      const rows: Record<string, string | number>[] = [];
      for (const concurrency of CONCURRENCIES) {
        const results = new Map<string, { r: LoadResult; graph: number; sql: number }>();
        for (const target of targets) {
          let sqlAtGo = 0;
          const job: SnapshotLoadJob = {
            type: 'job',
            label: target.label,
            url,
            apiKey: rig.apiKey,
            body: target.body,
            expect: target.expect,
            total: TOTAL,
            concurrency,
            warmup: Math.max(5, concurrency),
            timeLimitMs: TIME_LIMIT_MS,
            requestTimeoutMs: REQUEST_TIMEOUT_MS,
          };
          let r: LoadResult;
          try {
            r = await runLoad(job, async () => {
              await rig.sim.control.resetCounters();
              sqlAtGo = sql.read();
            });
          } catch (err) {
            // One target failing (a loaded machine timing out live reads) still leaves the others' figures.
            console.log(`${target.label} at concurrency ${concurrency}: not measured: ${(err as Error).message}`);
            rows.push({ target: target.label, concurrency, requests: 'failed' });
            continue;
          }
          const sqlStatements = sql.read() - sqlAtGo;
          const upstream = await rig.sim.control.counters();
          if (r.errors > 0) console.log(`${r.label} at concurrency ${concurrency}: ${r.errors} errors, e.g. ${r.errorSamples.join(' | ')}`);
          const entry = { r, graph: upstream.requests / r.completed, sql: sqlStatements / r.completed };
          results.set(target.key, entry);
          rows.push({
            target: r.label,
            concurrency,
            requests: r.completed + (r.timedOut ? ' (time limit)' : ''),
            errors: r.errors,
            'requests/s': Math.round((r.completed / r.wallMs) * 1000).toLocaleString('en-US'),
            p50: `${r.p50.toFixed(1)} ms`,
            p99: `${r.p99.toFixed(1)} ms`,
            'Graph requests / request': entry.graph.toFixed(2),
            'SQL round trips / request': entry.sql.toFixed(2),
          });
        }
        const trivial = results.get('trivial');
        const snapshot = results.get('snapshot');
        const liveResult = results.get('live');
        if (!trivial || !snapshot || !liveResult) continue;
        const rps = (x: { r: LoadResult }) => (x.r.completed / x.r.wallMs) * 1000;
        const common = { bench: NAME, size: USERS };
        const at = `c${concurrency}`;
        figure({ ...common, figure: `users-100-snapshot-p50-${at}`, value: snapshot.r.p50, unit: 'ms', baseline: liveResult.r.p50, baselineName: 'live from the simulator' });
        figure({ ...common, figure: `users-100-snapshot-p99-${at}`, value: snapshot.r.p99, unit: 'ms', baseline: liveResult.r.p99, baselineName: 'live from the simulator' });
        figure({ ...common, figure: `users-100-snapshot-throughput-${at}`, value: rps(snapshot), unit: 'req/s', baseline: rps(liveResult), baselineName: 'live from the simulator' });
        figure({ ...common, figure: `users-100-snapshot-vs-trivial-throughput-${at}`, value: rps(snapshot), unit: 'req/s', baseline: rps(trivial), baselineName: 'authenticated { __typename }' });
        figure({ ...common, figure: `users-100-snapshot-graph-requests-${at}`, value: snapshot.graph, unit: 'requests/request', baseline: liveResult.graph, baselineName: 'live from the simulator' });
        figure({ ...common, figure: `users-100-snapshot-sql-round-trips-${at}`, value: snapshot.sql, unit: 'statements/request', baseline: trivial.sql, baselineName: 'authenticated { __typename }' });
        figure({ ...common, figure: `users-100-live-sql-round-trips-${at}`, value: liveResult.sql, unit: 'statements/request', baseline: trivial.sql, baselineName: 'authenticated { __typename }' });
      }
      table(rows);
    } finally {
      sql.restore();
      await rig.stop();
    }
  },
};
