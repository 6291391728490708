/**
 * Many tenants (issue 9, item 6): SYNC_TENANTS_BENCH_TENANTS (default 200) simulated tenants of mixed sizes
 * (three in four of 20 users, one in five of 200, one in twenty of 2,000; groups = users/10) synced by two
 * gateway instances on one PostgreSQL, each with its own DataSource (pool), services, sync engine and
 * scheduler, as two processes of one deployment would. After every tenant's initial load, both schedulers run
 * for SYNC_TENANTS_BENCH_WARMUP_SECONDS (default three intervals: each instance meets most tenants and runs their
 * drift rules once, as after a deploy) and are then measured for SYNC_TENANTS_BENCH_SECONDS (default 60), with a
 * per-tenant interval of SYNC_TENANTS_BENCH_INTERVAL seconds (default 15) and nothing changing in the directories.
 *
 * Figures: rounds per minute (baseline: what the intervals ask for), the share of rounds each instance ran,
 * every tenant's round count against the expected range and the longest wait between two rounds of one
 * tenant against the interval (none starved), and the database work of an
 * unchanged round (time after the streams reached their deltaLinks, and SQL statements), with the time of the
 * round's two Graph requests as the baseline.
 */
import { createDataSource } from '../src/db/data-source';
import { createLogger } from '../src/logging';
import { createServices, driftAfterRound } from '../src/server/services';
import { answerConsentPage } from '../src/simulator/browser';
import { SyncEngine, type RoundResult } from '../src/sync/sync-engine';
import { SyncScheduler } from '../src/sync/sync-scheduler';
import { TenantStatus } from '../src/tenants/status';
import { figure, ms, table, type Benchmark } from './report';
import { startGatewayRig, type GatewayRig } from './support/gateway-rig';
import { countStatements, type StatementCounter } from './support/sql-count';

const TENANTS = Number(process.env.SYNC_TENANTS_BENCH_TENANTS ?? 200);
const SECONDS = Number(process.env.SYNC_TENANTS_BENCH_SECONDS ?? 60);
const INTERVAL = Number(process.env.SYNC_TENANTS_BENCH_INTERVAL ?? 15);
const WARMUP_SECONDS = Number(process.env.SYNC_TENANTS_BENCH_WARMUP_SECONDS ?? INTERVAL * 3);

const sizeOf = (i: number) => (i % 20 === 19 ? 2_000 : i % 5 === 4 ? 200 : 20);

async function connect(rig: GatewayRig, i: number): Promise<string> {
  const users = sizeOf(i);
  const summary = await rig.sim.control.createTenant({ preset: 'scale', users, groups: Math.max(1, users / 10), seed: 1000 + i });
  const admin = rig.sim.ctx.store.requireTenant(summary.tenantId).users.values().next().value!;
  if (!admin.accountEnabled) await rig.sim.control.updateUser(summary.tenantId, admin.id, { accountEnabled: true });
  const { tenant, consentUrl } = await rig.services.tenants.connect(
    { displayName: `Tenant ${i}`, cloud: 'custom', authMode: 'APPLICATION', features: ['READ_DIRECTORY'] as never, returnUrl: `${rig.services.config.server.publicUrl}/graphql` },
    'bench',
  );
  const decision = await answerConsentPage(rig.sim, consentUrl, { login: admin.userPrincipalName });
  const answer = await fetch(String(decision.headers.location), { redirect: 'manual' });
  const status = new URL(answer.headers.get('location') ?? 'about:blank').searchParams.get('status');
  if (status !== TenantStatus.ACTIVE) throw new Error(`tenant ${i}: consent ended with ${status}`);
  return tenant.id;
}

interface Recorded {
  instance: string;
  tenantId: string;
  result: Extract<RoundResult, { ran: true }>;
  /** When the round ended (performance.now()). */
  at: number;
}

class RecordingEngine extends SyncEngine {
  constructor(
    opts: ConstructorParameters<typeof SyncEngine>[0],
    private readonly sink: (r: Extract<RoundResult, { ran: true }>, tenantId: string) => void,
  ) {
    super(opts);
  }

  override async runRound(tenantId: string): Promise<RoundResult> {
    const result = await super.runRound(tenantId);
    if (result.ran) this.sink(result, tenantId);
    return result;
  }
}

/** Where the instances' statements went: the commonest shapes (first 100 characters), per round. */
function printShapes(texts: string[], rounds: number): void {
  const shapes = new Map<string, number>();
  for (const text of texts) {
    const shape = text.replace(/\s+/g, ' ').slice(0, 100);
    shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
  }
  console.log(`statements per round by shape (${texts.length} statements, ${rounds} rounds):`);
  for (const [shape, n] of [...shapes].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${(n / Math.max(1, rounds)).toFixed(2).padStart(6)}  ${shape}`);
}

export const syncTenantsBenchmark: Benchmark = {
  name: 'sync-tenants',
  description: `${TENANTS} tenants of mixed sizes synced by two gateway instances on one PostgreSQL for ${SECONDS} s at a ${INTERVAL} s interval`,
  async run() {
    const rig = await startGatewayRig();
    const logger = createLogger({ level: 'silent' });
    const stops: Array<() => Promise<unknown>> = [];
    try {
      // Two instances of the deployment: each its own pool and services, the same database and keys.
      const nodes = [];
      for (const name of ['A', 'B']) {
        // Named, so that every statement this instance sends is counted apart from the other's.
        const dataSource = createDataSource(rig.services.config.database.url!, { applicationName: `bench-instance-${name}` });
        await dataSource.initialize();
        stops.push(() => dataSource.destroy());
        const services = await createServices({ config: rig.services.config, dataSource, logger });
        stops.push(async () => services.tokens?.close());
        nodes.push({ name, services, dataSource });
      }
      const dsA = nodes[0].dataSource;
      const ids: string[] = [];
      for (let i = 0; i < TENANTS; i++) {
        ids.push(await connect(rig, i));
        if ((i + 1) % 50 === 0) console.log(`connected ${i + 1} tenants`);
      }
      // Only the bench's tenants (not the rig's Verafield) take part.
      await dsA.query(`UPDATE tenants SET status = 'DISCONNECTED' WHERE id <> ALL($1::uuid[])`, [ids]);
      await dsA.query(`UPDATE tenants SET sync_interval_seconds = $1`, [INTERVAL]);

      const recorded: Recorded[] = [];
      let measuring = false;
      const instances = nodes.map(({ name, services, dataSource }) => {
        const engine = new RecordingEngine(
          // As services.ts builds the gateway's engine: the drift rules run after every round.
          { dataSource, clientFor: (t) => services.directory.client(t), access: services.access, logger, owner: `instance-${name}`, afterRound: driftAfterRound(services.drift) },
          (result, tenantId) => {
            if (measuring) recorded.push({ instance: name, tenantId, result, at: performance.now() });
          },
        );
        return { name, engine, scheduler: new SyncScheduler({ engine, dataSource, logger, tickMs: 250, concurrency: 4 }) };
      });

      // Initial loads, spread by the schedulers themselves.
      const loadStarted = performance.now();
      for (const i of instances) i.scheduler.start();
      stops.push(async () => {
        for (const i of instances) i.engine.close();
        await Promise.all(instances.map((i) => i.scheduler.stop()));
      });
      const loadDeadline = Date.now() + Number(process.env.SYNC_TENANTS_BENCH_LOAD_SECONDS ?? 900) * 1000;
      for (let polls = 0; ; polls++) {
        const waiting: Array<{ id: string; last_error: string | null }> = await dsA.query(
          `SELECT t.id, s.last_error FROM tenants t LEFT JOIN sync_state s ON s.tenant_id = t.id WHERE t.status = 'ACTIVE' AND s.last_success_at IS NULL`,
        );
        if (waiting.length === 0) break;
        if (polls % 20 === 0) console.log(`initial loads: ${TENANTS - waiting.length} of ${TENANTS} done`);
        if (Date.now() > loadDeadline) {
          throw new Error(`initial loads: expected all ${TENANTS} tenants loaded, ${waiting.length} still waiting; e.g. ${JSON.stringify(waiting.slice(0, 3))}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const loadMs = performance.now() - loadStarted;
      // The first intervals after the loads: each instance runs each tenant's drift rules once before it trusts its
      // memo (src/sync/drift/after-round.ts), a cost of the start, not of the steady state measured next.
      console.log(`warming up for ${WARMUP_SECONDS} s`);
      await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000));

      // Every statement each instance sends while measuring: its rounds (lease, tenant, apply, release, drift),
      // its scheduler's claims and its background work (event LISTEN, webhook delivery polls).
      const counters: StatementCounter[] = instances.map((i) => countStatements(`bench-instance-${i.name}`));
      let sent = 0;
      const started = performance.now();
      try {
        measuring = true;
        await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
        measuring = false;
        sent = counters.reduce((sum, c) => sum + c.count, 0);
        printShapes(counters.flatMap((c) => c.texts), recorded.length);
      } finally {
        for (const c of [...counters].reverse()) c.stop();
      }
      const elapsed = (performance.now() - started) / 1000;

      const perTenant = new Map<string, number>(ids.map((id) => [id, 0]));
      for (const r of recorded) perTenant.set(r.tenantId, (perTenant.get(r.tenantId) ?? 0) + 1);
      const counts = [...perTenant.values()];
      // Due every interval with +-10% jitter: between these many rounds in the window (one either side for the edges).
      const expectedMin = Math.max(0, Math.floor(elapsed / (INTERVAL * 1.1)) - 1);
      const expectedMax = Math.ceil(elapsed / (INTERVAL * 0.9)) + 1;
      const outside = counts.filter((n) => n < expectedMin || n > expectedMax).length;
      const unchanged = recorded.filter((r) => r.result.objects === 0);
      const avg = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
      const dbMs = avg(unchanged.map((r) => r.result.durationMs - r.result.fetchMs));
      const graphMs = avg(unchanged.map((r) => r.result.fetchMs));
      const statements = avg(unchanged.map((r) => r.result.sql.statements));
      // Everything the two instances sent, per round they ran (rounds here are nearly all unchanged ones).
      const sentPerRound = sent / Math.max(1, recorded.length);
      const byInstance = instances.map((i) => recorded.filter((r) => r.instance === i.name).length);
      const roundsPerMinute = (recorded.length / elapsed) * 60;
      // Starvation: the longest wait between two rounds of one tenant in the window (due every interval +-10%).
      const endsOf = new Map<string, number[]>();
      for (const r of recorded) (endsOf.get(r.tenantId) ?? endsOf.set(r.tenantId, []).get(r.tenantId)!).push(r.at);
      let maxGapMs = 0;
      for (const ends of endsOf.values()) {
        ends.sort((a, b) => a - b);
        for (let i = 1; i < ends.length; i++) maxGapMs = Math.max(maxGapMs, ends[i] - ends[i - 1]);
      }
      const askedPerMinute = (TENANTS / INTERVAL) * 60;

      table([
        {
          tenants: TENANTS,
          'initial loads': ms(loadMs),
          'rounds/min': roundsPerMinute.toFixed(0),
          'asked/min': askedPerMinute.toFixed(0),
          'instance A': byInstance[0],
          'instance B': byInstance[1],
          'rounds per tenant (min..max)': `${Math.min(...counts)}..${Math.max(...counts)}`,
          'expected range': `${expectedMin}..${expectedMax}`,
          'tenants outside': outside,
          'max gap between a tenant\'s rounds': ms(maxGapMs),
          'interval +10%': ms(INTERVAL * 1100),
          'unchanged round: DB after streams': `${dbMs.toFixed(1)} ms`,
          'its Graph part': `${graphMs.toFixed(1)} ms`,
          'SQL statements': statements.toFixed(1),
          'all SQL per round (instances)': sentPerRound.toFixed(1),
        },
      ]);
      console.log(`"all SQL per round" is every statement both instances sent in the window after ${WARMUP_SECONDS} s of warm-up (rounds with their lease and drift rules, scheduler claims, background work) over the rounds they ran.`);
      console.log('"DB after streams" is the applying transaction of a round that found nothing (lease fence, bookkeeping; no SYNC_COMPLETED before the hourly heartbeat); its Graph part (two delta requests) is the baseline.');
      figure({ bench: 'sync-tenants', figure: 'rounds-per-minute', size: TENANTS, value: roundsPerMinute, unit: 'rounds/min', baseline: askedPerMinute, baselineName: 'asked by the intervals' });
      figure({ bench: 'sync-tenants', figure: 'instance-a-share', size: TENANTS, value: byInstance[0] / Math.max(1, recorded.length), unit: 'fraction', baseline: 0.5, baselineName: 'even split' });
      figure({ bench: 'sync-tenants', figure: 'instance-a-rounds', size: TENANTS, value: byInstance[0], unit: 'rounds', baseline: byInstance[1], baselineName: 'instance B rounds' });
      figure({ bench: 'sync-tenants', figure: 'tenants-outside-expected-rounds', size: TENANTS, value: outside, unit: 'tenants', baseline: 0, baselineName: 'none starved' });
      figure({ bench: 'sync-tenants', figure: 'min-rounds-per-tenant', size: TENANTS, value: Math.min(...counts), unit: 'rounds', baseline: expectedMin, baselineName: 'expected minimum' });
      figure({ bench: 'sync-tenants', figure: 'max-rounds-per-tenant', size: TENANTS, value: Math.max(...counts), unit: 'rounds', baseline: expectedMax, baselineName: 'expected maximum' });
      figure({ bench: 'sync-tenants', figure: 'max-gap-between-rounds-of-a-tenant', size: TENANTS, value: maxGapMs / 1000, unit: 's', baseline: INTERVAL * 1.1, baselineName: 'interval +10% jitter' });
      figure({ bench: 'sync-tenants', figure: 'unchanged-round-db-time', size: TENANTS, value: dbMs, unit: 'ms', baseline: graphMs, baselineName: 'its Graph requests' });
      figure({ bench: 'sync-tenants', figure: 'unchanged-round-sql-statements', size: TENANTS, value: statements, unit: 'statements' });
      figure({ bench: 'sync-tenants', figure: 'instance-sql-statements-per-round', size: TENANTS, value: sentPerRound, unit: 'statements', baseline: statements, baselineName: "the round's applying statements" });
    } finally {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      await rig.stop();
    }
  },
};
