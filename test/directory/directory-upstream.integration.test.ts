/**
 * What directory reads cost upstream, read from the simulator's counters, and how they end when Graph
 * misbehaves (429 storms, 5xx, added latency): with the right data or a typed error, never hanging.
 */
import { VERAFIELD } from '../../src/simulator/generator';
import { graphqlError } from '../tenants/tenant-queries';
import { startDirectoryBench, type DirectoryBench } from './directory-fixtures';

let bench: DirectoryBench;
const tenantId = VERAFIELD.tenantId;

/** Verafield has 24 groups; the cost test needs 50 in the first page. */
const EXTRA_GROUPS = 30;

beforeAll(async () => {
  bench = await startDirectoryBench();
  for (let i = 0; i < EXTRA_GROUPS; i += 1) {
    const group = await bench.sim.control.createGroup(tenantId, {
      displayName: `Project ${String(i).padStart(2, '0')}`,
      mailNickname: `project${i}`,
      mailEnabled: false,
      securityEnabled: true,
    });
    await bench.sim.control.addMember(tenantId, group.id, VERAFIELD.users.platformEngineer.id);
  }
}, 60_000);

afterEach(async () => {
  await bench.sim.control.setFaults({ throttleNextRequests: 0, serverErrorRate: 0, latencyMs: 0 });
});

afterAll(async () => {
  await bench?.stop();
});

interface GroupsWithMembers {
  groups: { edges: Array<{ node: { displayName: string; members: { edges: Array<{ node: { id: string } }> } } }> };
}

const NESTED_ORDERS = {
  'members last': 'groups(first: 50) { edges { node { displayName members(first: 10) { edges { node { ... on User { id } ... on Group { id } } } } } } }',
  'members first': 'groups(first: 50) { edges { node { members(first: 10) { edges { node { ...M } } } displayName } } }',
};

async function readNested(order: keyof typeof NESTED_ORDERS): Promise<GroupsWithMembers> {
  const fragment = order === 'members first' ? 'fragment M on DirectoryMember { ... on User { id } ... on Group { id } }' : '';
  const data = await bench.reader.request<{ tenant: GroupsWithMembers }>(`query Nested($id: ID!) { tenant(id: $id) { ${NESTED_ORDERS[order]} } } ${fragment}`, { id: bench.tenantId });
  return data.tenant;
}

function membersByGroup(result: GroupsWithMembers): Record<string, string[]> {
  return Object.fromEntries(result.groups.edges.map((edge) => [edge.node.displayName, edge.node.members.edges.map((m) => m.node.id)]));
}

describe('upstream cost', () => {
  it.each(Object.keys(NESTED_ORDERS) as Array<keyof typeof NESTED_ORDERS>)(
    'groups(first: 50) { members(first: 10) } costs one list call plus ceil(50/20) $batch calls (%s)',
    async (order) => {
      await bench.sim.control.resetCounters();
      const result = await readNested(order);
      expect(result.groups.edges).toHaveLength(50);
      const counters = await bench.sim.control.counters();
      // The simulator counts each sub-request under its own endpoint as well as the $batch call carrying it.
      expect(counters.byEndpoint).toEqual({ 'GET /groups': 1, 'POST /$batch': Math.ceil(50 / 20), 'GET /groups/{id}/members': 50 });
      expect(counters.batches).toBe(Math.ceil(50 / 20));
      expect(counters.subRequests).toBe(50);
    },
  );
});

describe('faults', () => {
  let expected: Record<string, string[]>;

  beforeAll(async () => {
    expected = membersByGroup(await readNested('members last'));
  });

  it('a 429 storm on the list and inside batches ends in the same data', async () => {
    await bench.sim.control.setFaults({ throttleNextRequests: 3, retryAfterSeconds: 0.05 });
    expect(membersByGroup(await readNested('members last'))).toEqual(expected);
    expect((await bench.sim.control.counters()).throttled).toBeGreaterThanOrEqual(3);
  });

  it('intermittent 5xx ends in the same data', async () => {
    await bench.sim.control.setFaults({ serverErrorRate: 0.15 });
    expect(membersByGroup(await readNested('members last'))).toEqual(expected);
  });

  it('added latency ends in the same data', async () => {
    await bench.sim.control.setFaults({ latencyMs: 50 });
    expect(membersByGroup(await readNested('members last'))).toEqual(expected);
  });

  it('throttling that outlasts the retries ends in UPSTREAM_THROTTLED with a retry hint', async () => {
    await bench.sim.control.setFaults({ throttleNextRequests: 50, retryAfterSeconds: 0.02 });
    const error = await graphqlError(bench.read('users(first: 5) { edges { node { id } } }'));
    expect(error.code).toBe('UPSTREAM_THROTTLED');
    expect(error.message).toMatch(/retry after 1 s/);
    expect(error.extensions).toMatchObject({ tenantId: bench.tenantId, retryAfterSeconds: 1 });
  });

  it('a Graph that keeps failing ends in UPSTREAM_UNAVAILABLE, for that field only', async () => {
    await bench.sim.control.setFaults({ serverErrorRate: 1 });
    const res = await fetch(bench.gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await bench.gw.mintKey()}` },
      body: JSON.stringify({ query: `{ tenant(id: "${bench.tenantId}") { displayName users(first: 1) { totalCount } } }` }),
    });
    const body = (await res.json()) as { data: { tenant: { displayName: string; users: null } }; errors: Array<{ path: string[]; extensions: { code: string } }> };
    expect(body.data.tenant).toEqual({ displayName: 'Verafield Technologies', users: null });
    expect(body.errors.map((e) => [e.path.join('.'), e.extensions.code])).toEqual([['tenant.users', 'UPSTREAM_UNAVAILABLE']]);
  }, 60_000);
});
