/**
 * Directory reads benchmark: `groups(first: 50) { members(first: 10) }` through the real gateway (HTTP,
 * resolvers, per-request DataLoader -> $batch) versus the naive baseline a resolver without loaders would
 * be: one Graph request per group, sent on the gateway's own Graph client for the same tenant. Verafield
 * (with 30 extra groups, so the page holds 50), without and with 20 ms of added Graph latency. Figures per
 * query: upstream HTTP requests, $batch calls, resource units (the simulator's counters), p50/p95 time.
 * The gateway, its embedded PostgreSQL and the simulator: bench/support/gateway-rig.ts.
 */
import { graphPath } from '../src/graph';
import { VERAFIELD } from '../src/simulator/generator';
import { ms, table, type Benchmark } from './report';
import { gatewayRequest, startGatewayRig, type GatewayRig } from './support/gateway-rig';
import { percentile } from './support/stats';

const GROUPS = 50;
const MEMBERS = 10;
const ROUNDS = 9;
const QUERY = `query Nested($id: ID!) { tenant(id: $id) { groups(first: ${GROUPS}) { edges { node { id displayName members(first: ${MEMBERS}) { edges { node { ... on User { id } ... on Group { id } } } } } } } } }`;

type Way = { name: string; read(bench: GatewayRig): Promise<number> };

/** Returns how many groups it read members of, so a broken run cannot pass for a fast one. */
const WAYS: Way[] = [
  {
    name: 'gateway: DataLoader -> $batch',
    async read(bench) {
      const data = await gatewayRequest<{ tenant: { groups: { edges: Array<{ node: { members: unknown } }> } } }>(bench, QUERY, { id: bench.tenantId });
      return data.tenant.groups.edges.filter((edge) => edge.node.members !== null).length;
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

async function measure(bench: GatewayRig, way: Way, latencyMs: number): Promise<Record<string, string | number>> {
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
    const bench = await startGatewayRig();
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
