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
 * The gateway, PostgreSQL and simulator come from the benchmark rig (bench/support/gateway-rig.ts).
 */
import { VERAFIELD } from '../src/simulator/generator';
import { ms, perSecond, table, type Benchmark } from './report';
import { gatewayRequest, startGatewayRig, type GatewayRig } from './support/gateway-rig';

const USERS = 1_000;
const CONCURRENCY = 8;
/** 429s injected at the start of the second round of runs. */
const BURST = 15;
const GROUPS = [VERAFIELD.groups.finance, VERAFIELD.groups.engineering];

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
type Way = { name: string; run(bench: GatewayRig, prefix: string): Promise<[number, number, number]> };

const WAYS: Way[] = [
  {
    name: 'provisionUsers ($batch)',
    async run(bench, prefix) {
      const users = Array.from({ length: USERS }, (_, i) => ({ ...user(`bulk${prefix}`, i), groupIds: [GROUPS[i % GROUPS.length]] }));
      const data = await gatewayRequest<{ provisionUsers: { created: number; items: Array<{ memberships: Array<{ __typename: string }> }> } }>(
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
          const c = await gatewayRequest<{ createUser: { __typename: string; user?: { id: string } } }>(
            bench,
            `mutation($t: ID!, $i: CreateUserInput!) { createUser(tenantId: $t, input: $i) { __typename ... on CreatedUser { user { id } } } }`,
            { t: bench.tenantId, i: user(`single${prefix}`, i) },
          );
          if (!c.createUser.user) continue;
          created += 1;
          const a = await gatewayRequest<{ addGroupMember: { __typename: string } }>(
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

async function measure(bench: GatewayRig, way: Way, burst: number, prefix: string): Promise<Record<string, string | number>> {
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
    const bench = await startGatewayRig();
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
