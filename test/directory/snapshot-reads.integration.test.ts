/**
 * Directory reads from the snapshot (issue 10), through the real gateway and GraphQL client against the
 * simulated Verafield tenant after a real sync round: the same query answered LIVE and SNAPSHOT gives the same
 * users, groups and members in the same order; paging covers every user once; filters and search agree; AUTO
 * takes the snapshot when fresh and Graph when stale; a tenant that never synced says so; authorization and
 * cursors hold; deleted objects never appear; live-only fields are read live for just the page's objects.
 */
import { GraphQLClient } from 'graphql-request';
import { bearer } from '../support/gateway';
import { connectTenant, graphqlError } from '../tenants/tenant-queries';
import { startDirectoryBench, tenantReader, VERAFIELD, type DirectoryBench } from './directory-fixtures';
import { countStatements } from '../auth/support/sql-count';

interface Page<T> {
  source: 'LIVE' | 'SNAPSHOT';
  asOf: string | null;
  ageSeconds: number | null;
  totalCount?: number | null;
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
type Node = Record<string, unknown> & { id: string };

const U = VERAFIELD.users;
const G = VERAFIELD.groups;
/** Every field of User the snapshot holds. */
const USER_FIELDS = 'id displayName userPrincipalName mail department jobTitle accountEnabled userType';
const GROUP_FIELDS = 'id displayName kind dynamic membershipRule';
const MEMBER_FIELDS = `__typename ... on User { ${USER_FIELDS} } ... on Group { ${GROUP_FIELDS} } ... on ServicePrincipal { id }`;
const PAGE = 'source asOf ageSeconds edges { cursor node { NODE } } pageInfo { hasNextPage endCursor }';

let bench: DirectoryBench;
let tenantId: string;
const sql = <T = any>(text: string, values: unknown[] = []): Promise<T[]> => bench.gw.database.dataSource.query(text, values);

/**
 * Every item of a list, page after page (`size` a page), with the source of each page. `field` is a list of
 * Tenant ("users") or of an object under it ('group(id: "...")|members').
 */
async function all(field: string, args: string, node: string, source: string, size = 37): Promise<{ nodes: Node[]; sources: Set<string>; pages: number }> {
  const [outer, inner] = field.includes('|') ? field.split('|') : [null, field];
  const nodes: Node[] = [];
  const sources = new Set<string>();
  let after: string | null = null;
  for (let pages = 1; ; pages++) {
    const list = `${inner}(first: ${size}, after: $after, source: ${source}${args ? `, ${args}` : ''}) { ${PAGE.replace('NODE', node)} }`;
    const t: Record<string, any> = await bench.read(outer ? `${outer} { ${list} }` : list, { after }, '$after: String');
    const page: Page<Node> = outer ? t[outer.split('(')[0]][inner] : t[inner];
    expect(page).not.toBeNull();
    sources.add(page.source);
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return { nodes, sources, pages };
    after = page.pageInfo.endCursor;
  }
}

/** Lower-cased display name by character code, then id: the snapshot's order for a list filtered by a name prefix alone. */
const nameKey = (n: Node) => String(n.displayName).toLowerCase();
const codeOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const inNameOrder = (nodes: Node[]) => [...nodes].sort((a, b) => codeOrder(nameKey(a), nameKey(b)) || codeOrder(a.id, b.id));

async function sync(): Promise<void> {
  const result = await bench.gw.services.sync.syncNow(tenantId);
  if (!result.ran) throw new Error(`expected a sync round to run, got ${JSON.stringify(result)}`);
}

beforeAll(async () => {
  // Statements are counted per request here: no webhook delivery polling in the background.
  bench = await startDirectoryBench({ env: { WEBHOOK_DELIVERY: 'off' } });
  tenantId = bench.tenantId;
}, 60_000);

afterAll(async () => {
  await bench?.stop();
});

describe('before the first sync round', () => {
  it('SNAPSHOT is SNAPSHOT_UNAVAILABLE saying the tenant never synced; AUTO answers live; LIVE is the default', async () => {
    const error = await graphqlError(bench.read('users(first: 5, source: SNAPSHOT) { edges { node { id } } }'));
    expect(error.code).toBe('SNAPSHOT_UNAVAILABLE');
    expect(error.message).toMatch(/never completed a sync round/);
    const single = await graphqlError(bench.read(`user(id: "${U.salesRep.id}", source: SNAPSHOT) { id }`));
    expect(single.code).toBe('SNAPSHOT_UNAVAILABLE');
    const t = await bench.read<{ auto: Page<Node>; plain: Page<Node>; user: Node }>(
      `auto: users(first: 5, source: AUTO) { source asOf ageSeconds edges { node { id } } }
       plain: users(first: 5) { source asOf ageSeconds edges { node { id } } }
       user(id: "${U.salesRep.id}", source: AUTO) { id source asOf ageSeconds }`,
    );
    expect(t.auto).toMatchObject({ source: 'LIVE', asOf: null, ageSeconds: null });
    expect(t.auto.edges).toHaveLength(5);
    expect(t.plain.source).toBe('LIVE');
    expect(t.user).toMatchObject({ id: U.salesRep.id, source: 'LIVE', asOf: null, ageSeconds: null });
  });
});

describe('after a sync round', () => {
  beforeAll(async () => {
    await sync();
  }, 120_000);

  it('users: LIVE and SNAPSHOT give the same users in the same order; paging covers every user exactly once', async () => {
    const live = await all('users', '', USER_FIELDS, 'LIVE');
    const snapshot = await all('users', '', USER_FIELDS, 'SNAPSHOT');
    expect([...live.sources]).toEqual(['LIVE']);
    expect([...snapshot.sources]).toEqual(['SNAPSHOT']);
    expect(snapshot.nodes).toEqual(live.nodes);
    expect(snapshot.nodes).toHaveLength(VERAFIELD.counts.users);
    expect(new Set(snapshot.nodes.map((n) => n.id)).size).toBe(VERAFIELD.counts.users);
    expect(snapshot.pages).toBe(Math.ceil(VERAFIELD.counts.users / 37));
  });

  it('says when the snapshot was taken and how old it is, on lists and on single objects', async () => {
    const [{ last_success_at }] = await sql(`SELECT last_success_at FROM sync_state WHERE tenant_id = $1`, [tenantId]);
    const t = await bench.read<{ users: Page<Node> & { totalCount: number }; user: Node; group: Node }>(
      `users(first: 2, source: SNAPSHOT) { source asOf ageSeconds totalCount edges { node { id source asOf } } }
       user(userPrincipalName: "${U.salesRep.userPrincipalName.toUpperCase()}", source: SNAPSHOT) { id source asOf ageSeconds }
       group(id: "${G.finance}", source: SNAPSHOT) { id displayName source asOf ageSeconds }`,
    );
    expect(t.users).toMatchObject({ source: 'SNAPSHOT', asOf: new Date(last_success_at).toISOString(), totalCount: VERAFIELD.counts.users });
    expect(t.users.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(t.users.ageSeconds).toBeLessThan(600);
    expect(t.users.edges[0].node).toMatchObject({ source: 'SNAPSHOT', asOf: new Date(last_success_at).toISOString() });
    expect(t.user).toMatchObject({ id: U.salesRep.id, source: 'SNAPSHOT', asOf: new Date(last_success_at).toISOString() });
    expect(t.group).toMatchObject({ id: G.finance, displayName: 'Finance', source: 'SNAPSHOT' });
  });

  it.each([
    ['department', `filter: { department: "engineering" }`],
    ['job title with a quote-free exact match', `filter: { jobTitle: "Account Executive" }`],
    ['disabled accounts', `filter: { accountEnabled: false }`],
    ['guests', `filter: { userType: GUEST }`],
    ['two conditions', `filter: { department: "Sales", accountEnabled: true }`],
    ['a display-name prefix and a department (id order, as any filter but a prefix alone)', `filter: { displayNameStartsWith: "an", department: "Engineering" }`],
    ['a display-name prefix and a search', `filter: { displayNameStartsWith: "an" }, search: "verafield"`],
    ['search: a word of a name', `search: "quinn"`],
    ['search: a word of a mail domain', `search: "contoso"`],
    ['search: a prefix of a sign-in name', `search: "breakglass"`],
    ['search: nothing matches', `search: "zzqx"`],
    ['a quote in a filter', `filter: { department: "O'Brien" }`],
  ])('users filtered by %s: the same users from both', async (_name, args) => {
    const live = await all('users', args, USER_FIELDS, 'LIVE', 50);
    const snapshot = await all('users', args, USER_FIELDS, 'SNAPSHOT', 50);
    expect(snapshot.nodes).toEqual(live.nodes);
  });

  it.each([
    ['display-name prefix, any case', `filter: { displayNameStartsWith: "mA" }`],
    ['display-name prefix with many matches', `filter: { displayNameStartsWith: "AN" }`],
  ])('users filtered by a %s alone: the same users from both, from the snapshot in display-name order', async (_name, args) => {
    const live = await all('users', args, USER_FIELDS, 'LIVE', 3);
    const snapshot = await all('users', args, USER_FIELDS, 'SNAPSHOT', 3);
    expect(snapshot.nodes).toEqual(inNameOrder(live.nodes));
    expect(snapshot.nodes).not.toEqual(live.nodes); // live is in id order: the comparison above is not id order by chance
  });

  it('the filters above select something (so the comparisons mean something)', async () => {
    for (const args of [`filter: { department: "engineering" }`, `filter: { accountEnabled: false }`, `filter: { userType: GUEST }`, `filter: { displayNameStartsWith: "mA" }`, `filter: { displayNameStartsWith: "an", department: "Engineering" }`, `filter: { displayNameStartsWith: "an" }, search: "verafield"`, `search: "quinn"`, `search: "contoso"`]) {
      const snapshot = await all('users', args, 'id', 'SNAPSHOT', 50);
      expect({ args, found: snapshot.nodes.length > 0 }).toEqual({ args, found: true });
    }
  });

  it('groups: the same groups in the same order, unfiltered and by every filter', async () => {
    for (const args of ['', 'filter: { kind: SECURITY }', 'filter: { kind: MICROSOFT_365 }', 'filter: { kind: MAIL_ENABLED_SECURITY }', 'filter: { kind: DISTRIBUTION }', 'filter: { dynamic: true }', 'filter: { dynamic: false }', 'filter: { nameStartsWith: "s" }', 'filter: { nameStartsWith: "s", kind: SECURITY }']) {
      const live = await all('groups', args, GROUP_FIELDS, 'LIVE', 7);
      const snapshot = await all('groups', args, GROUP_FIELDS, 'SNAPSHOT', 7);
      // A name prefix alone is in display-name order from the snapshot; every other list in id order, as live.
      expect({ args, nodes: snapshot.nodes }).toEqual({ args, nodes: args === 'filter: { nameStartsWith: "s" }' ? inNameOrder(live.nodes) : live.nodes });
      if (args === '') expect(snapshot.nodes).toHaveLength(VERAFIELD.counts.groups);
    }
  });

  it('Group.members (direct and transitive) and User.groups (direct and transitive): the same from both, for every group and key user', async () => {
    const groups = (await all('groups', '', 'id', 'SNAPSHOT', 100)).nodes.map((g) => g.id);
    let compared = 0;
    for (const id of groups) {
      for (const transitive of [false, true]) {
        const field = `group(id: "${id}")|members`;
        const live = await all(field, `transitive: ${transitive}`, MEMBER_FIELDS, 'LIVE', 40);
        const snapshot = await all(field, `transitive: ${transitive}`, MEMBER_FIELDS, 'SNAPSHOT', 40);
        expect({ id, transitive, nodes: snapshot.nodes }).toEqual({ id, transitive, nodes: live.nodes });
        compared += live.nodes.length;
      }
    }
    expect(compared).toBeGreaterThan(VERAFIELD.counts.users);
    for (const user of [U.onCallEngineer, U.dataEngineer, U.salesRep, U.globalAdmin, U.disabledEmployee]) {
      for (const transitive of [false, true]) {
        const field = `user(id: "${user.id}")|groups`;
        const live = await all(field, `transitive: ${transitive}`, GROUP_FIELDS, 'LIVE', 2);
        const snapshot = await all(field, `transitive: ${transitive}`, GROUP_FIELDS, 'SNAPSHOT', 2);
        expect({ user: user.id, transitive, nodes: snapshot.nodes }).toEqual({ user: user.id, transitive, nodes: live.nodes });
        expect(live.nodes.length).toBeGreaterThan(0);
      }
    }
    const onCall = await all(`user(id: "${U.onCallEngineer.id}")|groups`, 'transitive: true', 'id', 'SNAPSHOT');
    expect(onCall.nodes.map((g) => g.id)).toContain(G.engineering);
  }, 180_000);

  it('nested lists of a page of parents cost one statement per list, whatever the page size; each parent keeps its own Relay page', async () => {
    const counter = countStatements('entra-gateway-test');
    try {
      const nested = (first: number) =>
        `groups(first: ${first}, source: SNAPSHOT) { edges { node { id
           direct: members(first: 3, source: SNAPSHOT) { edges { cursor node { ${MEMBER_FIELDS} } } pageInfo { hasNextPage endCursor } }
           nested: members(first: 3, transitive: true, source: SNAPSHOT) { edges { node { ... on User { id } ... on Group { id } } } pageInfo { hasNextPage } } } } }
         users(first: ${first}, source: SNAPSHOT) { edges { node { id groups(first: 2, transitive: true, source: SNAPSHOT) { edges { node { id } } pageInfo { hasNextPage } } } } }`;
      type Nested = { groups: { edges: Array<{ node: { id: string; direct: Page<Node>; nested: Page<Node> } }> }; users: { edges: Array<{ node: { id: string; groups: Page<Node> } }> } };
      const statementsFor = async (first: number) => {
        await bench.read(nested(first)); // the API key and the tenant are cached; what is counted is the lists
        await bench.gw.services.apiKeys.flushUsage();
        counter.reset();
        const data = await bench.read<Nested>(nested(first));
        return { data, statements: [...counter.texts] };
      };
      const small = await statementsFor(2);
      const large = await statementsFor(50);
      expect(large.data.groups.edges.length).toBe(Math.min(50, VERAFIELD.counts.groups));
      expect(large.data.users.edges).toHaveLength(50);
      // The tenant, the snapshot state, the two top-level pages, and ONE statement per nested list (3) for the
      // whole page: the same for 2 parents as for 50 (one per parent would be 2 x 50 + 50 more).
      const batched = (statements: string[]) => statements.filter((text) => text.includes('CROSS JOIN LATERAL')).length;
      expect([batched(small.statements), batched(large.statements)]).toEqual([3, 3]);
      expect(large.statements.length).toBe(small.statements.length);
      expect(large.statements.length).toBeLessThanOrEqual(7);
      // Each parent's page is the one it gets asked alone, with a cursor that goes on from there.
      for (const { node: group } of large.data.groups.edges) {
        const direct = await all(`group(id: "${group.id}")|members`, 'transitive: false', MEMBER_FIELDS, 'SNAPSHOT', 100);
        expect({ id: group.id, nodes: group.direct.edges.map((e) => e.node) }).toEqual({ id: group.id, nodes: direct.nodes.slice(0, 3) });
        expect(group.direct.pageInfo.hasNextPage).toBe(direct.nodes.length > 3);
        const transitive = await all(`group(id: "${group.id}")|members`, 'transitive: true', '... on User { id } ... on Group { id }', 'SNAPSHOT', 100);
        expect(group.nested.edges.map((e) => e.node.id)).toEqual(transitive.nodes.slice(0, 3).map((n) => n.id));
        expect(group.nested.pageInfo.hasNextPage).toBe(transitive.nodes.length > 3);
        if (group.direct.pageInfo.hasNextPage) {
          const next = await bench.read<{ group: { members: Page<Node> } }>(
            `group(id: "${group.id}") { members(first: 100, after: $after, source: SNAPSHOT) { edges { node { ${MEMBER_FIELDS} } } } }`,
            { after: group.direct.pageInfo.endCursor },
            '$after: String',
          );
          expect(next.group.members.edges.map((e) => e.node)).toEqual(direct.nodes.slice(3, 103));
        }
      }
      for (const { node: user } of large.data.users.edges.slice(0, 10)) {
        const groups = await all(`user(id: "${user.id}")|groups`, 'transitive: true', 'id', 'SNAPSHOT', 100);
        expect({ id: user.id, groups: user.groups.edges.map((e) => e.node.id) }).toEqual({ id: user.id, groups: groups.nodes.slice(0, 2).map((n) => n.id) });
        expect(user.groups.pageInfo.hasNextPage).toBe(groups.nodes.length > 2);
      }
      // Some parents have more than a page (the paging above means something).
      expect(large.data.groups.edges.filter((e) => e.node.direct.pageInfo.hasNextPage).length).toBeGreaterThan(0);
    } finally {
      counter.stop();
    }
  }, 180_000);

  it('fields the snapshot does not hold are read live for the objects of the page, in $batch calls, and agree with Graph', async () => {
    const fields = `${USER_FIELDS} createdAt assignedLicenses { skuId disabledPlans }`;
    const live = await bench.read<{ users: Page<Node> }>(`users(first: 30) { edges { node { ${fields} } } }`);
    await bench.sim.control.resetCounters();
    const snapshot = await bench.read<{ users: Page<Node> }>(`users(first: 30, source: SNAPSHOT) { source edges { node { ${fields} } } }`);
    const upstream = await bench.sim.control.counters();
    expect(snapshot.users.source).toBe('SNAPSHOT');
    expect(snapshot.users.edges).toEqual(live.users.edges);
    expect(snapshot.users.edges[0].node.createdAt).toEqual(expect.any(String));
    // 30 GETs of one object each, as two $batch calls (20 + 10); no list request.
    expect(upstream.batches).toBe(2);
    expect(upstream.subRequests).toBe(30);
    const group = await bench.read<{ live: Node; snap: Node }>(
      `live: group(id: "${G.platformTeam}") { ${GROUP_FIELDS} description } snap: group(id: "${G.platformTeam}", source: SNAPSHOT) { ${GROUP_FIELDS} description source }`,
    );
    expect(group.snap).toEqual({ ...group.live, source: 'SNAPSHOT' });
    expect(group.snap.description).toBe('Core platform engineering');
  });

  it('answers from the snapshot without any Graph request when no live-only field is selected', async () => {
    await bench.sim.control.resetCounters();
    const t = await bench.read<{ users: Page<Node>; groups: Page<Node> }>(
      `users(first: 100, source: SNAPSHOT) { source edges { node { ${USER_FIELDS} groups(source: SNAPSHOT, transitive: true) { source edges { node { id } } } } } }
       groups(first: 10, source: SNAPSHOT) { edges { node { id members(source: SNAPSHOT) { source edges { node { __typename } } } } } }`,
    );
    expect(t.users.edges).toHaveLength(100);
    expect((await bench.sim.control.counters()).requests).toBe(0);
  });

  it('AUTO: the snapshot while fresh; Graph when stale or when the selection needs live fields; a cursor keeps its source', async () => {
    const read = () =>
      bench.read<{ fresh: Page<Node>; wide: Page<Node>; lenient: Page<Node>; user: Node }>(
        `fresh: users(first: 3, source: AUTO) { source ageSeconds pageInfo { endCursor } edges { node { id } } }
         wide: users(first: 3, source: AUTO) { source edges { node { id createdAt } } }
         lenient: users(first: 3, source: AUTO, maxAgeSeconds: 86400) { source edges { node { id } } }
         user(id: "${U.salesRep.id}", source: AUTO) { source }`,
      );
    const fresh = await read();
    expect([fresh.fresh.source, fresh.wide.source, fresh.lenient.source, fresh.user.source]).toEqual(['SNAPSHOT', 'LIVE', 'SNAPSHOT', 'SNAPSHOT']);
    const cursor = fresh.fresh.pageInfo.endCursor;

    const [{ last_success_at }] = await sql(`SELECT last_success_at FROM sync_state WHERE tenant_id = $1`, [tenantId]);
    await sql(`UPDATE sync_state SET last_success_at = now() - interval '2 hours' WHERE tenant_id = $1`, [tenantId]);
    try {
      const stale = await read();
      expect([stale.fresh.source, stale.wide.source, stale.lenient.source, stale.user.source]).toEqual(['LIVE', 'LIVE', 'SNAPSHOT', 'LIVE']);
      expect(stale.fresh.ageSeconds).toBeNull();
      // The next page of a list AUTO began in the snapshot stays in the snapshot (its age says how old).
      const next = await bench.read<{ users: Page<Node> }>(`users(first: 3, after: $after, source: AUTO) { source ageSeconds edges { node { id } } }`, { after: cursor }, '$after: String');
      expect(next.users.source).toBe('SNAPSHOT');
      expect(next.users.ageSeconds).toBeGreaterThanOrEqual(7_200);
      const whole = await all('users', '', 'id', 'SNAPSHOT', 6);
      expect(next.users.edges.map((e) => e.node.id)).toEqual(whole.nodes.slice(3, 6).map((n) => n.id));
    } finally {
      await sql(`UPDATE sync_state SET last_success_at = $2 WHERE tenant_id = $1`, [tenantId, last_success_at]);
    }
  });

  it('cursors do not cross sources: a snapshot cursor is refused by LIVE, a live one by SNAPSHOT', async () => {
    const t = await bench.read<{ s: Page<Node>; l: Page<Node> }>(`s: users(first: 2, source: SNAPSHOT) { pageInfo { endCursor } } l: users(first: 2) { pageInfo { endCursor } }`);
    const asLive = await graphqlError(bench.read(`users(first: 2, after: $after) { edges { node { id } } }`, { after: t.s.pageInfo.endCursor }, '$after: String'));
    expect(asLive.code).toBe('BAD_USER_INPUT');
    const asSnapshot = await graphqlError(bench.read(`users(first: 2, after: $after, source: SNAPSHOT) { edges { node { id } } }`, { after: t.l.pageInfo.endCursor }, '$after: String'));
    expect(asSnapshot.code).toBe('BAD_USER_INPUT');
    const otherFilter = await bench.read<{ users: Page<Node> }>(`users(first: 2, source: SNAPSHOT, filter: { accountEnabled: true }) { pageInfo { endCursor } }`);
    const replayed = await graphqlError(bench.read(`users(first: 2, after: $after, source: SNAPSHOT) { edges { node { id } } }`, { after: otherFilter.users.pageInfo.endCursor }, '$after: String'));
    expect(replayed.code).toBe('BAD_USER_INPUT');
  });

  it('bad input is refused with what was expected: a negative bound, an empty prefix, a malformed id is simply none', async () => {
    const bound = await graphqlError(bench.read('users(first: 2, source: AUTO, maxAgeSeconds: -1) { edges { node { id } } }'));
    expect(bound).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/maxAgeSeconds: expected .* got -1/) });
    const prefix = await graphqlError(bench.read('users(first: 2, source: SNAPSHOT, filter: { displayNameStartsWith: " " }) { edges { node { id } } }'));
    expect(prefix.code).toBe('BAD_USER_INPUT');
    const t = await bench.read<{ user: Node | null; group: Node | null }>(`user(id: "not-a-guid", source: SNAPSHOT) { id } group(id: "x'; DROP TABLE snapshot_users; --", source: SNAPSHOT) { id }`);
    expect(t).toEqual({ user: null, group: null });
    const backslash = await graphqlError(bench.read('users(first: 2, source: SNAPSHOT, search: $s) { edges { node { id } } }', { s: 'a\\b' }, '$s: String'));
    expect(backslash.code).toBe('BAD_USER_INPUT');
    // LIKE and regex metacharacters are text: they match only themselves (nobody here), live and from the snapshot.
    for (const args of ['search: "a_b%"', 'search: "(.*)"', 'filter: { displayNameStartsWith: "_" }']) {
      const snapshot = await all('users', args, 'id', 'SNAPSHOT');
      expect({ args, nodes: snapshot.nodes }).toEqual({ args, nodes: (await all('users', args, 'id', 'LIVE')).nodes });
    }
    const pct = await all('users', `filter: { displayNameStartsWith: "%" }`, 'id', 'SNAPSHOT');
    expect(pct.nodes).toEqual([]);
  });

  it('needs directory:read on the tenant for snapshot reads too', async () => {
    const other = new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(await bench.gw.mintKey({ scopes: ['tenants:admin'] as never })) });
    const error = await graphqlError(tenantReader(other, tenantId)('users(first: 2, source: SNAPSHOT) { edges { node { id } } }'));
    expect(error.code).toBe('FORBIDDEN');
    // directory:read on another tenant (a second connection, pending consent) does not reach this one's snapshot.
    const second = await connectTenant(bench.admin, { authMode: 'APPLICATION', features: ['READ_DIRECTORY'], returnUrl: bench.product.url() });
    const otherTenant = new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(await bench.gw.mintKey({ scopes: ['directory:read'] as never, tenantIds: [second.tenant.id] })) });
    const denied = await graphqlError(tenantReader(otherTenant, tenantId)(`user(id: "${U.salesRep.id}", source: SNAPSHOT) { id }`));
    expect(denied.code).toBe('FORBIDDEN');
    const list = await graphqlError(tenantReader(otherTenant, tenantId)('groups(first: 2, source: AUTO) { edges { node { id } } }'));
    expect(list.code).toBe('FORBIDDEN');
  });

  it('a deleted user and a deleted group never appear from the snapshot, as they do not live', async () => {
    const sim = VERAFIELD.tenantId;
    await bench.sim.control.deleteUser(sim, U.salesRep.id);
    await bench.sim.control.deleteGroup(sim, G.dataTeam);
    await sync();
    const [{ deleted }] = await sql(`SELECT count(*)::int AS deleted FROM snapshot_users WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NOT NULL`, [tenantId, U.salesRep.id]);
    expect(deleted).toBe(1); // the row is kept, marked deleted: the reads must leave it out
    const snapshot = await all('users', '', 'id', 'SNAPSHOT', 100);
    const live = await all('users', '', 'id', 'LIVE', 100);
    expect(snapshot.nodes).toEqual(live.nodes);
    expect(snapshot.nodes.map((n) => n.id)).not.toContain(U.salesRep.id);
    const t = await bench.read<{ user: Node | null; group: Node | null }>(`user(id: "${U.salesRep.id}", source: SNAPSHOT) { id } group(id: "${G.dataTeam}", source: SNAPSHOT) { id }`);
    expect(t).toEqual({ user: null, group: null });
    const groups = await all('groups', '', 'id', 'SNAPSHOT', 100);
    expect(groups.nodes.map((g) => g.id)).not.toContain(G.dataTeam);
    const members = await all(`group(id: "${G.engineering}")|members`, 'transitive: true', MEMBER_FIELDS, 'SNAPSHOT', 100);
    const liveMembers = await all(`group(id: "${G.engineering}")|members`, 'transitive: true', MEMBER_FIELDS, 'LIVE', 100);
    expect(members.nodes.map((n) => n.id)).not.toContain(U.salesRep.id);
    expect(members.nodes.map((n) => n.id)).not.toContain(G.dataTeam);
    expect(members.nodes).toEqual(liveMembers.nodes);
  }, 120_000);
});

describe('paging through a display-name prefix (display-name order, keyset on name and id)', () => {
  const PREFIX = 'filter: { displayNameStartsWith: "an" }';
  beforeAll(async () => {
    await sync(); // a delta round after the rounds above; the first when these tests run alone
  }, 120_000);
  type Named = { users: Page<Node> };
  const page = (args: string, after: string | null, first = 4) =>
    bench.read<Named>(`users(first: ${first}, after: $after, source: SNAPSHOT, ${args}) { ${PAGE.replace('NODE', 'id displayName')} }`, { after }, '$after: String');

  it('every match once, in name order, across pages of every size; each edge cursor goes on from its own row', async () => {
    const whole = await all('users', PREFIX, 'id displayName', 'SNAPSHOT', 100);
    expect(whole.nodes.length).toBeGreaterThan(12);
    expect(whole.nodes).toEqual(inNameOrder(whole.nodes));
    expect(whole.nodes.every((n) => nameKey(n).startsWith('an'))).toBe(true);
    const live = await all('users', PREFIX, 'id displayName', 'LIVE', 100);
    expect(whole.nodes).toEqual(inNameOrder(live.nodes));
    for (const size of [1, 4, 7]) {
      const paged = await all('users', PREFIX, 'id displayName', 'SNAPSHOT', size);
      expect({ size, ids: paged.nodes.map((n) => n.id) }).toEqual({ size, ids: whole.nodes.map((n) => n.id) });
      expect(paged.pages).toBe(Math.ceil(whole.nodes.length / size));
    }
    const first = await page(PREFIX, null);
    const fromEdge = await page(PREFIX, first.users.edges[1].cursor);
    expect(fromEdge.users.edges.map((e) => e.node.id)).toEqual(whole.nodes.slice(2, 6).map((n) => n.id));
  });

  it('stable under inserts: a user added before the cursor is not seen by the next pages, one added after it is, none repeats', async () => {
    const before = await all('users', PREFIX, 'id displayName', 'SNAPSHOT', 100);
    const first = await page(PREFIX, null);
    const seen = first.users.edges.map((e) => e.node);
    const cursorName = nameKey(seen.at(-1)!);
    // Created in Graph and synced: " " sorts before any letter, "~" after: one lands before the cursor, one after.
    const sim = VERAFIELD.tenantId;
    const create = (displayName: string, nickname: string) =>
      bench.sim.control.createUser(sim, {
        accountEnabled: true,
        displayName,
        mailNickname: nickname,
        userPrincipalName: `${nickname}@${VERAFIELD.domain}`,
        passwordProfile: { password: 'Str0ng!Passphrase-42', forceChangePasswordNextSignIn: false },
      });
    const early = await create('An Early Arrival', 'an.early');
    const late = await create('An~ Late Arrival', 'an.late');
    await sync();
    expect('an early arrival' < cursorName).toBe(true);
    expect('an~ late arrival' > nameKey(before.nodes.at(-1)!)).toBe(true);
    let after = first.users.pageInfo.endCursor;
    while (after) {
      const next = await page(PREFIX, after);
      seen.push(...next.users.edges.map((e) => e.node));
      after = next.users.pageInfo.hasNextPage ? next.users.pageInfo.endCursor : null;
    }
    const ids = seen.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...before.nodes.map((n) => n.id), late.id]);
    expect(ids).not.toContain(early.id);
    // A list begun now has both, in their places.
    const now = await all('users', PREFIX, 'id displayName', 'SNAPSHOT', 5);
    expect(now.nodes.map((n) => n.id)).toEqual(inNameOrder([...before.nodes, { id: early.id, displayName: 'An Early Arrival' }, { id: late.id, displayName: 'An~ Late Arrival' }]).map((n) => n.id));
  }, 120_000);

  it('totalCount of a prefix list counts its matches, on every page', async () => {
    const whole = await all('users', PREFIX, 'id', 'SNAPSHOT', 100);
    const first = await bench.read<Named>(`users(first: 3, source: SNAPSHOT, ${PREFIX}) { totalCount pageInfo { endCursor } }`);
    expect(first.users.totalCount).toBe(whole.nodes.length);
    const second = await bench.read<Named>(`users(first: 3, after: $after, source: SNAPSHOT, ${PREFIX}) { totalCount }`, { after: first.users.pageInfo.endCursor }, '$after: String');
    expect(second.users.totalCount).toBe(whole.nodes.length);
  });

  it('groups: a name prefix alone pages in name order, every match once', async () => {
    const whole = await all('groups', 'filter: { nameStartsWith: "s" }', 'id displayName', 'SNAPSHOT', 100);
    expect(whole.nodes.length).toBeGreaterThan(3);
    const paged = await all('groups', 'filter: { nameStartsWith: "s" }', 'id displayName', 'SNAPSHOT', 2);
    expect(paged.nodes).toEqual(whole.nodes);
    expect(whole.nodes).toEqual(inNameOrder(whole.nodes));
  });

  it('a cursor used with another filter is refused, saying which orders or arguments differ (SNAPSHOT and AUTO alike)', async () => {
    const named = (await page(PREFIX, null)).users.pageInfo.endCursor;
    const plain = (await page('filter: { accountEnabled: true }', null)).users.pageInfo.endCursor;
    const cases: Array<[string, string | null, RegExp]> = [
      ['filter: { displayNameStartsWith: "an", department: "Engineering" }', named, /continues a list in display-name order .*, and this list is in object id order/],
      [`${PREFIX}, search: "verafield"`, named, /continues a list in display-name order .*, and this list is in object id order/],
      [PREFIX, plain, /continues a list in object id order, and this list is in display-name order/],
      ['filter: { displayNameStartsWith: "da" }', named, /continues this list with other arguments/],
      ['filter: { accountEnabled: false }', plain, /continues this list with other arguments/],
    ];
    for (const [args, cursor, reason] of cases) {
      for (const source of ['SNAPSHOT', 'AUTO']) {
        const error = await graphqlError(bench.read(`users(first: 4, after: $after, source: ${source}, ${args}) { edges { node { id } } }`, { after: cursor }, '$after: String'));
        expect({ args, source, code: error.code, message: error.message }).toEqual({ args, source, code: 'BAD_USER_INPUT', message: expect.stringMatching(reason) });
      }
    }
    // A cursor of one tenant's list, or a damaged one, opens nowhere else: refused without detail, as before.
    const damaged = `${named!.slice(0, -2)}${named!.endsWith('A') ? 'B' : 'A'}A`;
    const refused = await graphqlError(bench.read(`users(first: 4, after: $after, source: SNAPSHOT, ${PREFIX}) { edges { node { id } } }`, { after: damaged }, '$after: String'));
    expect(refused).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/expected a cursor this list returned/) });
    // A group list's cursor is not a user list's.
    const groupCursor = (await bench.read<{ groups: Page<Node> }>(`groups(first: 1, source: SNAPSHOT, filter: { nameStartsWith: "s" }) { pageInfo { endCursor } }`)).groups.pageInfo.endCursor;
    const crossField = await graphqlError(bench.read(`users(first: 4, after: $after, source: SNAPSHOT, ${PREFIX}) { edges { node { id } } }`, { after: groupCursor }, '$after: String'));
    expect(crossField.code).toBe('BAD_USER_INPUT');
  });
});


describe('search through the word table (built after a full round off its critical path, kept by delta rounds)', () => {
  // Words of names, mail domains and sign-in names; terms with separators (they must start a value); none.
  const TERMS = ['quinn', 'avery', 'verafield', 'breakglass', 'break glass', 'avery.quinn', 'nora', 'marsh', 'marshwood', 'zephyrine', 'theo', 'a', 'zzqx'];
  const engine = () => bench.gw.services.sync.engine;
  const state = async () => (await sql(`SELECT words_generation::text AS words, snapshot_generation::text AS snapshot FROM sync_state WHERE tenant_id = $1`, [tenantId]))[0];
  const built = async () => {
    const s = await state();
    return s.words !== null && s.words === s.snapshot;
  };
  // The tenant's words as a build from its snapshot now makes them, against the words kept.
  const fresh = `SELECT s.tenant_id, x.word, s.id AS user_id FROM snapshot_users s, snapshot_words(s.display_name, s.mail, s.user_principal_name) AS x (word) WHERE s.tenant_id = $1 AND s.deleted_at IS NULL`;
  const kept = `SELECT tenant_id, word, user_id FROM snapshot_user_words WHERE tenant_id = $1`;
  const wordsDiffering = async () => (await sql(`SELECT count(*)::int AS n FROM ((${fresh} EXCEPT ${kept}) UNION ALL (${kept} EXCEPT ${fresh})) d`, [tenantId]))[0].n as number;
  const wordCount = async () => (await sql(`SELECT count(*)::int AS n FROM snapshot_user_words WHERE tenant_id = $1`, [tenantId]))[0].n as number;

  /** Every user a search finds, from the snapshot and live (pages of 3, so the word path's cursors are used too). */
  async function sameAsLive(term: string): Promise<number> {
    const snapshot = await all('users', `search: "${term}"`, USER_FIELDS, 'SNAPSHOT', 3);
    const live = await all('users', `search: "${term}"`, USER_FIELDS, 'LIVE', 50);
    expect({ term, users: snapshot.nodes }).toEqual({ term, users: live.nodes });
    return snapshot.nodes.length;
  }

  /** The search's first page as the statement reads it with the words as they are, and with the tenant marked not built (the trigram path). */
  async function bothWays(term: string): Promise<{ words: string[]; trigrams: string[] }> {
    const { userPageSql } = await import('../../src/directory/snapshot-sql');
    const page = userPageSql(tenantId, null, term, { afterId: null, limit: 500 });
    const runner = bench.gw.database.dataSource.createQueryRunner();
    try {
      const words = (await runner.query(page.text, page.values)).map((r: Node) => r.id);
      await runner.query('BEGIN');
      await runner.query(`UPDATE sync_state SET words_generation = NULL WHERE tenant_id = $1`, [tenantId]);
      const trigrams = (await runner.query(page.text, page.values)).map((r: Node) => r.id);
      await runner.query('ROLLBACK');
      return { words, trigrams };
    } finally {
      await runner.release();
    }
  }

  beforeAll(async () => {
    await engine().idle();
    await sync();
    await engine().idle();
  }, 120_000);

  it('built in the background after the rounds: the words of every live user, and searches answer as live and as the trigram path', async () => {
    expect(await built()).toBe(true);
    expect(await wordCount()).toBeGreaterThan(VERAFIELD.counts.users);
    expect(await wordsDiffering()).toBe(0);
    let found = 0;
    for (const term of TERMS) {
      found += await sameAsLive(term);
      const ways = await bothWays(term);
      expect({ term, ids: ways.words }).toEqual({ term, ids: ways.trigrams });
    }
    expect(found).toBeGreaterThan(VERAFIELD.counts.users); // 'a', 'verafield' alone find most users
  }, 120_000);

  it('not built (as after a crash): searches read the trigram index and answer as live; the next round builds the words', async () => {
    await sql(`UPDATE sync_state SET words_generation = NULL WHERE tenant_id = $1`, [tenantId]);
    expect(await built()).toBe(false);
    for (const term of ['quinn', 'avery.quinn', 'a']) await sameAsLive(term);
    await sync(); // a quiet delta round: it keeps no words, and starts their build
    await engine().idle();
    expect(await built()).toBe(true);
    expect(await wordsDiffering()).toBe(0);
  }, 120_000);

  it('delta rounds that create, rename and delete users keep the words in their own transaction', async () => {
    const sim = VERAFIELD.tenantId;
    const created = await bench.sim.control.createUser(sim, {
      accountEnabled: true,
      displayName: 'Zephyrine Quartz',
      mailNickname: 'zephyrine.quartz',
      userPrincipalName: `zephyrine.quartz@${VERAFIELD.domain}`,
      passwordProfile: { password: 'Str0ng!Passphrase-42', forceChangePasswordNextSignIn: false },
    });
    await bench.sim.control.updateUser(sim, U.financeEmployee.id, { displayName: 'Nora Marshwood' });
    await bench.sim.control.deleteUser(sim, U.dataEngineer.id);
    const generation = (await state()).snapshot;
    await sync();
    // Current as the round returned (no build in the background: the round kept them).
    expect(Number((await state()).snapshot)).toBeGreaterThan(Number(generation));
    expect(await built()).toBe(true);
    expect(await wordsDiffering()).toBe(0);
    for (const term of TERMS) {
      await sameAsLive(term);
      const ways = await bothWays(term);
      expect({ term, ids: ways.words }).toEqual({ term, ids: ways.trigrams });
    }
    const ids = async (term: string) => (await all('users', `search: "${term}"`, 'id', 'SNAPSHOT', 50)).nodes.map((n) => n.id);
    expect(await ids('zephyrine')).toEqual([created.id]);
    expect(await ids('marshwood')).toEqual([U.financeEmployee.id]);
    // Her old display name starts no value now ('finch' still finds her: her sign-in name is nora.finch@).
    expect(await ids('nora finch')).not.toContain(U.financeEmployee.id);
    expect(await ids('finch')).toContain(U.financeEmployee.id);
    const [gone] = await sql(`SELECT deleted_at IS NOT NULL AS deleted FROM snapshot_users WHERE tenant_id = $1 AND id = $2`, [tenantId, U.dataEngineer.id]);
    expect(gone).toEqual({ deleted: true });
    expect(await sql(`SELECT word FROM snapshot_user_words WHERE tenant_id = $1 AND user_id = $2`, [tenantId, U.dataEngineer.id])).toEqual([]);
    expect(await ids('theo')).not.toContain(U.dataEngineer.id);
  }, 120_000);

  it("a no-break space separates words on every path, as Graph's tokenizer (the simulator's \\s) does", async () => {
    const created = await bench.sim.control.createUser(VERAFIELD.tenantId, {
      accountEnabled: true,
      displayName: 'Léa\u00a0Brightwater',
      mailNickname: 'lbw',
      userPrincipalName: `lbw@${VERAFIELD.domain}`,
      passwordProfile: { password: 'Str0ng!Passphrase-42', forceChangePasswordNextSignIn: false },
    });
    await sync();
    await engine().idle();
    expect(await built()).toBe(true);
    // Both words of her display name only (her sign-in name is lbw@): 'brightwater' starts the word after the
    // no-break space. A term with a plain space never matches her: it must start a value as typed.
    for (const term of ['brightwater', 'léa']) {
      expect(await sameAsLive(term)).toBeGreaterThanOrEqual(1);
      const ways = await bothWays(term);
      expect({ term, ids: ways.words }).toEqual({ term, ids: ways.trigrams });
      expect(ways.trigrams).toContain(created.id);
    }
    // Beside a filter, and counted: the same words through the trigram index.
    for (const args of [`search: "brightwater", filter: { accountEnabled: true }`, `search: "brightwater", filter: { displayNameStartsWith: "lé" }`]) {
      const snapshot = await all('users', args, 'id', 'SNAPSHOT', 3);
      const live = await all('users', args, 'id', 'LIVE', 50);
      expect({ args, users: snapshot.nodes }).toEqual({ args, users: live.nodes });
      expect(snapshot.nodes.map((n) => n.id)).toContain(created.id);
      const counted = await bench.read<{ users: { totalCount: number } }>(`users(first: 1, source: SNAPSHOT, ${args}) { totalCount }`);
      expect({ args, count: counted.users.totalCount }).toEqual({ args, count: live.nodes.length });
    }
  }, 120_000);

  it('a build that fails before its commit leaves the tenant not built and its words as they were', async () => {
    const { buildUserWords } = await import('../../src/sync/user-words');
    await sql(`UPDATE sync_state SET words_generation = NULL WHERE tenant_id = $1`, [tenantId]);
    await sql(`DELETE FROM snapshot_user_words WHERE tenant_id = $1 AND word = 'zephyrine'`, [tenantId]);
    const before = await wordCount();
    const runner = bench.gw.database.dataSource.createQueryRunner();
    try {
      const failing = buildUserWords(runner, tenantId, {
        beforeCommit: async () => {
          throw new Error('the process died');
        },
      });
      await expect(failing).rejects.toThrow('the process died');
      expect(await built()).toBe(false);
      expect(await wordCount()).toBe(before);
      expect(await buildUserWords(runner, tenantId)).toBe(true);
    } finally {
      await runner.release();
    }
    expect(await built()).toBe(true);
    expect(await wordsDiffering()).toBe(0);
  });
});
