/**
 * Sync benchmark (issue 6): the initial sync of a scale tenant (100,000 users, 5,000 groups by default; set
 * SYNC_BENCH_USERS / SYNC_BENCH_GROUPS for a quicker run) through the real gateway services, embedded PostgreSQL and the simulator over
 * HTTPS with its resource-unit throttling on, then a delta round after 10 changes.
 *
 * Figures: Graph requests and resource units (the simulator's counters) against two minimums: one request per
 * 999 objects (Graph's largest page for plain listings), and what the simulator's delta pages allow (at most
 * 200 objects and 100 member entries a page, so a group's members take one page per 100); time; peak RSS of
 * this process during the round above the level before it (the simulator runs in the same process and its
 * directory is already built, so the growth is the round's: buffered pages, SQL, event rows).
 */
import { answerConsentPage } from '../src/simulator/browser';
import { TenantStatus } from '../src/tenants/status';
import { mib, ms, table, type Benchmark } from './report';
import { startGatewayRig, type GatewayRig } from './support/gateway-rig';

const USERS = Number(process.env.SYNC_BENCH_USERS ?? 100_000);
const GROUPS = Number(process.env.SYNC_BENCH_GROUPS ?? 5_000);
const CHANGES = 10;

/** Connects a scale tenant through admin consent as its global administrator (user 0); returns our tenant id. */
async function connectScaleTenant(rig: GatewayRig, simTenantId: string): Promise<string> {
  const admin = rig.sim.ctx.store.requireTenant(simTenantId).users.values().next().value!;
  const { tenant, consentUrl } = await rig.services.tenants.connect(
    { displayName: 'Scale bench', cloud: 'custom', authMode: 'APPLICATION', features: ['READ_DIRECTORY'] as never, returnUrl: `${rig.services.config.server.publicUrl}/graphql` },
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

export const syncBenchmark: Benchmark = {
  name: 'sync',
  description: `initial sync of a ${USERS.toLocaleString('en-US')}-user, ${GROUPS.toLocaleString('en-US')}-group tenant (requests, resource units, time, peak RSS) and a delta round after ${CHANGES} changes`,
  async run() {
    const rig = await startGatewayRig();
    try {
      const summary = await rig.sim.control.createTenant({ preset: 'scale', users: USERS, groups: GROUPS, seed: 7 });
      const simTenantId = summary.tenantId;
      const memberships = summary.counts.memberships;
      const tenantId = await connectScaleTenant(rig, simTenantId);
      const engine = rig.services.sync.engine;

      await rig.sim.control.resetCounters();
      const initial = await measured(() => engine.runRound(tenantId));
      const upstream = await rig.sim.control.counters();
      if (!initial.value.ran) throw new Error(`initial round did not run: ${initial.value.reason}`);
      const counts = initial.value.counts;
      if (counts.users !== USERS || counts.groups !== GROUPS) throw new Error(`snapshot holds ${counts.users} users and ${counts.groups} groups, expected ${USERS} and ${GROUPS}`);

      // Ten changes: 4 user updates, 3 member additions, 2 removals, 1 deletion.
      const store = rig.sim.ctx.store;
      const t = store.requireTenant(simTenantId);
      const users = [...t.users.keys()];
      const groups = [...t.groups.keys()];
      for (let i = 0; i < 4; i++) await rig.sim.control.updateUser(simTenantId, users[100 + i], { jobTitle: `Bench title ${i}` });
      for (let i = 0; i < 3; i++) {
        const group = groups[500 + i];
        const outsider = users.find((u) => !store.directMembers(simTenantId, group).includes(u))!;
        await rig.sim.control.addMember(simTenantId, group, outsider);
      }
      for (let i = 0; i < 2; i++) {
        const group = groups[600 + i];
        await rig.sim.control.removeMember(simTenantId, group, store.directMembers(simTenantId, group)[0]);
      }
      await rig.sim.control.deleteUser(simTenantId, users[200]);

      await rig.sim.control.resetCounters();
      const delta = await measured(() => engine.runRound(tenantId));
      const deltaUpstream = await rig.sim.control.counters();
      if (!delta.value.ran) throw new Error(`delta round did not run: ${delta.value.reason}`);

      const per999 = Math.ceil(USERS / 999) + Math.ceil(GROUPS / 999);
      const simulatorMinimum = Math.ceil(USERS / 200) + Math.max(Math.ceil(GROUPS / 200), Math.ceil(memberships / 100));
      table([
        {
          round: 'initial (full load)',
          objects: (USERS + GROUPS).toLocaleString('en-US'),
          'member entries': memberships.toLocaleString('en-US'),
          'Graph requests': upstream.requests,
          'resource units': upstream.resourceUnits,
          throttled: upstream.throttled,
          'min @999/request': per999,
          'min @simulator pages': simulatorMinimum,
          time: ms(initial.millis),
          'of which Graph': ms(initial.value.fetchMs),
          'peak RSS growth': mib(initial.rssGrowth),
          'effective rows': (counts.effectiveMemberships ?? 0).toLocaleString('en-US'),
          events: initial.value.events,
        },
        {
          round: `delta (${CHANGES} changes)`,
          objects: delta.value.objects,
          'member entries': '',
          'Graph requests': deltaUpstream.requests,
          'resource units': deltaUpstream.resourceUnits,
          throttled: deltaUpstream.throttled,
          'min @999/request': 2,
          'min @simulator pages': 2,
          time: ms(delta.millis),
          'of which Graph': ms(delta.value.fetchMs),
          'peak RSS growth': mib(delta.rssGrowth),
          'effective rows': (delta.value.counts.effectiveMemberships ?? 0).toLocaleString('en-US'),
          events: delta.value.events,
        },
      ]);
      console.log(
        'Minimums: "@999" is one request per 999 objects (plain listings with $top=999; delta takes no $top); "@simulator pages" is what the\n' +
          'simulator\'s delta pages allow (200 objects, 100 member entries a page). Peak RSS growth is this process above its level before the round.',
      );
    } finally {
      await rig.stop();
    }
  },
};
