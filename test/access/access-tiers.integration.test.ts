/**
 * Access tiers through the real gateway over HTTP (graphql-request), against the simulated Verafield tenant
 * connected through the real consent flow: defining tiers, mapping Finance and Engineering, a user's tier at
 * first login (direct, nested, both groups, disabled), the preview of a mapping change, and every error.
 */
import { GraphQLClient } from 'graphql-request';
import { bearer } from '../support/gateway';
import { graphqlError } from '../tenants/tenant-queries';
import { startDirectoryBench, VERAFIELD, type DirectoryBench } from '../directory/directory-fixtures';

const TIER = 'id name rank description';
const MAPPING = `tenantId groupId groupDisplayName createdBy createdAt tier { name rank }`;
const DECISION = 'user { id userPrincipalName accountEnabled } tier { name rank } decidingGroups { id displayName } reason source evaluatedAt';
const PREVIEW = `
  tiers { tier { name } currentCount proposedCount }
  changes { user { id userPrincipalName } from { name } to { name } }
  usersConsidered warnings { code message tier { name } } source evaluatedAt`;

const SIM_TENANT = VERAFIELD.tenantId;
const G = VERAFIELD.groups;
const U = VERAFIELD.users;
const NO_SUCH_ID = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';

interface Tier {
  id: string;
  name: string;
  rank: number;
  description: string | null;
}
interface Decision {
  user: { id: string; userPrincipalName: string; accountEnabled: boolean };
  tier: { name: string; rank: number } | null;
  decidingGroups: Array<{ id: string; displayName: string }>;
  reason: string;
  source: string;
  evaluatedAt: string;
}
interface Preview {
  tiers: Array<{ tier: { name: string }; currentCount: number; proposedCount: number }>;
  changes: Array<{ user: { id: string; userPrincipalName: string }; from: { name: string } | null; to: { name: string } | null }>;
  usersConsidered: number;
  warnings: Array<{ code: string; message: string; tier: { name: string } | null }>;
  source: string;
}

let bench: DirectoryBench;
/** tenants:admin on the Verafield tenant only, without directory:read. */
let tenantAdmin: GraphQLClient;
let adminKeyId: string;
let finance: Tier;
let engineering: Tier;

const define = (client: GraphQLClient, input: Record<string, unknown>) =>
  client.request<{ defineAccessTier: Tier }>(`mutation($input: DefineAccessTierInput!) { defineAccessTier(input: $input) { ${TIER} } }`, { input }).then((d) => d.defineAccessTier);
const setMapping = (client: GraphQLClient, groupId: string, tierId: string, tenantId = bench.tenantId) =>
  client
    .request<{ setTierMapping: Record<string, unknown> }>(`mutation($t: ID!, $g: ID!, $tier: ID!) { setTierMapping(tenantId: $t, groupId: $g, tierId: $tier) { ${MAPPING} } }`, { t: tenantId, g: groupId, tier: tierId })
    .then((d) => d.setTierMapping);
const removeMapping = (groupId: string) =>
  tenantAdmin
    .request<{ removeTierMapping: { groupId: string; tier: { name: string } } | null }>(`mutation($t: ID!, $g: ID!) { removeTierMapping(tenantId: $t, groupId: $g) { groupId tier { name } } }`, { t: bench.tenantId, g: groupId })
    .then((d) => d.removeTierMapping);
const mappings = (client: GraphQLClient = bench.reader, tenantId = bench.tenantId) =>
  client.request<{ tierMappings: Array<Record<string, unknown>> }>(`query($t: ID!) { tierMappings(tenantId: $t) { ${MAPPING} } }`, { t: tenantId }).then((d) => d.tierMappings);
const accessTier = (user: { userId?: string; userPrincipalName?: string }, client: GraphQLClient = bench.reader) =>
  client
    .request<{ accessTier: Decision }>(`query($t: ID!, $id: ID, $upn: String) { accessTier(tenantId: $t, userId: $id, userPrincipalName: $upn) { ${DECISION} } }`, {
      t: bench.tenantId,
      id: user.userId,
      upn: user.userPrincipalName,
    })
    .then((d) => d.accessTier);
const preview = (proposed: Array<{ groupId: string; tierId: string }>) =>
  bench.reader
    .request<{ previewTierMapping: Preview }>(`query($t: ID!, $m: [TierMappingInput!]!) { previewTierMapping(tenantId: $t, mappings: $m) { ${PREVIEW} } }`, { t: bench.tenantId, m: proposed })
    .then((d) => d.previewTierMapping);

/** The enabled and disabled users among a group's transitive members, read through the directory API (not ours). */
async function transitiveUsers(groupId: string): Promise<{ enabled: Set<string>; all: Set<string> }> {
  const t = await bench.read<{ group: { members: { edges: Array<{ node: { __typename: string; id: string; accountEnabled?: boolean } }> } } }>(
    `group(id: $g) { members(transitive: true, first: 999) { edges { node { __typename ... on User { id accountEnabled } } } } }`,
    { g: groupId },
    '$g: ID!',
  );
  const users = t.group.members.edges.map((e) => e.node).filter((n) => n.__typename === 'User');
  return { enabled: new Set(users.filter((u) => u.accountEnabled).map((u) => u.id)), all: new Set(users.map((u) => u.id)) };
}

async function graphRequests(): Promise<number> {
  return (await bench.sim.control.counters()).requests;
}

beforeAll(async () => {
  bench = await startDirectoryBench();
  const key = await bench.gw.mintKey({ scopes: ['tenants:admin'] as never, tenantIds: [bench.tenantId] });
  adminKeyId = key.split('_')[1]!; // egk_<id>_<secret>
  tenantAdmin = new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(key) });
}, 60_000);

afterEach(async () => {
  await bench.sim.control.setFaults({ throttleNextRequests: 0, serverErrorRate: 0, latencyMs: 0 });
});

afterAll(async () => {
  await bench?.stop();
});

describe('tiers', () => {
  it('the product defines its tiers (tenants:admin); readers list them highest rank first', async () => {
    finance = await define(bench.admin, { name: ' Finance ', rank: 20, description: 'Finance tools' });
    engineering = await define(bench.admin, { name: 'Engineering', rank: 30 });
    const basic = await define(bench.admin, { name: 'Basic', rank: 10 });
    expect(finance).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'Finance', rank: 20, description: 'Finance tools' });
    const { accessTiers } = await bench.reader.request<{ accessTiers: Tier[] }>(`{ accessTiers { ${TIER} } }`);
    expect(accessTiers.map((t) => [t.name, t.rank])).toEqual([
      ['Engineering', 30],
      ['Finance', 20],
      ['Basic', 10],
    ]);
    const updated = await bench.admin.request<{ updateAccessTier: Tier }>(
      `mutation($id: ID!) { updateAccessTier(id: $id, input: { name: "Everyone", description: "Baseline" }) { ${TIER} } }`,
      { id: basic.id },
    );
    expect(updated.updateAccessTier).toEqual({ id: basic.id, name: 'Everyone', rank: 10, description: 'Baseline' });
    const deleted = await bench.admin.request<{ deleteAccessTier: Tier }>(`mutation($id: ID!) { deleteAccessTier(id: $id) { name } }`, { id: basic.id });
    expect(deleted.deleteAccessTier).toEqual({ name: 'Everyone' });
  });

  it('refuses a taken rank or name, naming the holder, and unknown or malformed ids', async () => {
    expect(await graphqlError(define(bench.admin, { name: 'Sales', rank: 20 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'rank: 20 is already the rank of tier "Finance"; ranks are unique so that two tiers never tie',
    });
    expect(await graphqlError(define(bench.admin, { name: 'FINANCE', rank: 25 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'name: a tier named "FINANCE" already exists (names are compared without regard to case)',
    });
    expect(await graphqlError(define(bench.admin, { name: '', rank: 25 }))).toMatchObject({ code: 'BAD_USER_INPUT', message: 'input.name: expected 1 to 100 characters, got 0' });
    const update = (id: string, input: string) => bench.admin.request(`mutation($id: ID!) { updateAccessTier(id: $id, input: ${input}) { id } }`, { id });
    expect(await graphqlError(update(engineering.id, '{ rank: 20 }'))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^rank: 20 is already the rank of tier "Finance"/) });
    expect(await graphqlError(update(NO_SUCH_ID, '{ rank: 5 }'))).toMatchObject({ code: 'NOT_FOUND', message: `id: no access tier ${NO_SUCH_ID}` });
    expect(await graphqlError(update('finance', '{ rank: 5 }'))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^id: expected a GUID/) });
  });

  it('only tenants:admin writes tiers', async () => {
    expect(await graphqlError(define(bench.reader, { name: 'Sneaky', rank: 99 }))).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('mapping groups', () => {
  it('maps Finance and Engineering (tenants:admin without directory:read), recording the live group name and who mapped it', async () => {
    const before = await graphRequests();
    const mapped = await setMapping(tenantAdmin, G.finance, finance.id);
    expect(mapped).toMatchObject({
      tenantId: bench.tenantId,
      groupId: G.finance,
      groupDisplayName: 'Finance',
      createdBy: `api_key:${adminKeyId}`,
      tier: { name: 'Finance', rank: 20 },
    });
    expect(await graphRequests()).toBeGreaterThan(before); // the group was checked live
    await setMapping(tenantAdmin, G.engineering, engineering.id);
    expect((await mappings()).map((m) => [m.groupDisplayName, (m.tier as { name: string }).name])).toEqual([
      ['Engineering', 'Engineering'],
      ['Finance', 'Finance'],
    ]);
  });

  it('maps a dynamic group too, moves a mapping to another tier, and removes it (twice is no error)', async () => {
    expect(await setMapping(tenantAdmin, G.salesDynamic, finance.id)).toMatchObject({ groupDisplayName: 'Sales (dynamic)', tier: { name: 'Finance' } });
    expect(await setMapping(tenantAdmin, G.salesDynamic, engineering.id)).toMatchObject({ tier: { name: 'Engineering' } });
    expect(await removeMapping(G.salesDynamic)).toEqual({ groupId: G.salesDynamic, tier: { name: 'Engineering' } });
    expect(await removeMapping(G.salesDynamic)).toBeNull();
    expect(await mappings()).toHaveLength(2);
  });

  it('an unknown group is NOT_FOUND naming it; an unknown tier or tenant NOT_FOUND; malformed ids fail before any Graph call', async () => {
    expect(await graphqlError(setMapping(tenantAdmin, NO_SUCH_ID, finance.id))).toMatchObject({
      code: 'NOT_FOUND',
      message: `group ${NO_SUCH_ID} does not exist in tenant ${bench.tenantId} (Microsoft Graph answered 404)`,
      extensions: { groupId: NO_SUCH_ID, tenantId: bench.tenantId },
    });
    expect(await graphqlError(setMapping(tenantAdmin, G.finance, NO_SUCH_ID))).toMatchObject({ code: 'NOT_FOUND', message: `tierId: no access tier ${NO_SUCH_ID}` });
    expect(await graphqlError(setMapping(bench.admin, G.finance, finance.id, NO_SUCH_ID))).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^tenant 0b1c2d3e/) });
    expect(await graphqlError(mappings(bench.admin, NO_SUCH_ID))).toMatchObject({ code: 'NOT_FOUND' });

    await bench.sim.control.resetCounters();
    expect(await graphqlError(setMapping(tenantAdmin, 'Finance', finance.id))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^groupId: expected a GUID/) });
    expect(await graphqlError(setMapping(tenantAdmin, `${G.finance}/members`, finance.id))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await graphqlError(accessTier({ userPrincipalName: 'nora.finch' }))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^userPrincipalName: expected a sign-in name/) });
    expect(await graphqlError(accessTier({}))).toMatchObject({ code: 'BAD_USER_INPUT', message: 'userId: expected exactly one of userId and userPrincipalName' });
    expect(await graphqlError(preview([{ groupId: 'x', tierId: finance.id }]))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^mappings\[0\]\.groupId/) });
    expect(await graphRequests()).toBe(0);
  });

  it('a reader may read mappings but not change them; a tier still mapped cannot be deleted', async () => {
    expect(await graphqlError(setMapping(bench.reader, G.finance, engineering.id))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await graphqlError(bench.admin.request(`mutation($id: ID!) { deleteAccessTier(id: $id) { id } }`, { id: finance.id }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'tier "Finance" is still mapped from 1 group(s) in 1 tenant(s); remove those mappings (removeTierMapping) before deleting it',
    });
  });
});

describe("a user's tier at first login, live from Graph", () => {
  it('a Finance employee gets the Finance tier, decided by the Finance group', async () => {
    const decision = await accessTier({ userPrincipalName: U.financeEmployee.userPrincipalName });
    expect(decision).toMatchObject({
      user: { id: U.financeEmployee.id, userPrincipalName: U.financeEmployee.userPrincipalName, accountEnabled: true },
      tier: { name: 'Finance', rank: 20 },
      decidingGroups: [{ id: G.finance, displayName: 'Finance' }],
      reason: 'HIGHEST_RANKED_MAPPING',
      source: 'LIVE',
    });
    expect(Number.isNaN(Date.parse(decision.evaluatedAt))).toBe(false);
  });

  it.each([
    ['Data Team > Engineering', 'dataEngineer'],
    ['SRE On-Call > Site Reliability > Platform Team > Engineering', 'onCallEngineer'],
  ] as const)('a user reaching Engineering only through %s gets the Engineering tier', async (_path, who) => {
    const decision = await accessTier({ userId: U[who].id });
    expect(decision).toMatchObject({ tier: { name: 'Engineering' }, decidingGroups: [{ id: G.engineering, displayName: 'Engineering' }], reason: 'HIGHEST_RANKED_MAPPING' });
  });

  it('a user in both groups gets the higher rank', async () => {
    await bench.sim.control.addMember(SIM_TENANT, G.finance, U.platformEngineer.id);
    const decision = await accessTier({ userId: U.platformEngineer.id });
    expect(decision).toMatchObject({ tier: { name: 'Engineering', rank: 30 }, decidingGroups: [{ id: G.engineering }] });
  });

  it('a disabled account gets none, and a user in no mapped group none', async () => {
    await bench.sim.control.updateUser(SIM_TENANT, U.financeEmployee.id, { accountEnabled: false });
    try {
      expect(await accessTier({ userId: U.financeEmployee.id })).toMatchObject({ user: { accountEnabled: false }, tier: null, decidingGroups: [], reason: 'ACCOUNT_DISABLED' });
    } finally {
      await bench.sim.control.updateUser(SIM_TENANT, U.financeEmployee.id, { accountEnabled: true });
    }
    expect(await accessTier({ userPrincipalName: U.salesRep.userPrincipalName })).toMatchObject({ tier: null, decidingGroups: [], reason: 'NO_MAPPED_GROUP' });
  });

  it('an unknown user is NOT_FOUND; a failing Graph is the directory part\'s UPSTREAM_UNAVAILABLE', async () => {
    expect(await graphqlError(accessTier({ userId: NO_SUCH_ID }))).toMatchObject({ code: 'NOT_FOUND', message: `no user with id ${NO_SUCH_ID} in tenant ${bench.tenantId}` });
    expect(await graphqlError(accessTier({ userPrincipalName: `nobody@${'verafield.com'}` }))).toMatchObject({ code: 'NOT_FOUND' });
    await bench.sim.control.setFaults({ serverErrorRate: 1 });
    expect(await graphqlError(accessTier({ userId: U.financeEmployee.id }))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', extensions: { tenantId: bench.tenantId } });
  }, 60_000);
});

describe('previewing a mapping change', () => {
  it('dropping Engineering: counts per tier, every engineer changing tier, and the emptied tier flagged', async () => {
    const [fin, eng] = [await transitiveUsers(G.finance), await transitiveUsers(G.engineering)];
    const result = await preview([{ groupId: G.finance, tierId: finance.id }]);

    const financeOnly = [...fin.enabled].filter((id) => !eng.enabled.has(id));
    expect(result.tiers).toEqual([
      { tier: { name: 'Engineering' }, currentCount: eng.enabled.size, proposedCount: 0 },
      { tier: { name: 'Finance' }, currentCount: financeOnly.length, proposedCount: fin.enabled.size },
    ]);
    expect(eng.enabled.size).toBeGreaterThan(40);
    expect(eng.enabled.has(U.onCallEngineer.id) && fin.enabled.has(U.platformEngineer.id)).toBe(true);
    const moves = Object.fromEntries(result.changes.map((c) => [c.user.id, `${c.from?.name ?? '-'} -> ${c.to?.name ?? '-'}`]));
    expect(Object.keys(moves).sort()).toEqual([...eng.enabled].sort());
    expect(moves[U.dataEngineer.id]).toBe('Engineering -> -');
    expect(moves[U.platformEngineer.id]).toBe('Engineering -> Finance');
    expect(result.usersConsidered).toBe(new Set([...fin.all, ...eng.all]).size);
    expect(result.warnings[0]).toEqual({
      code: 'TIER_LEFT_EMPTY',
      message: `tier "Engineering" would hold no users (it holds ${eng.enabled.size} now)`,
      tier: { name: 'Engineering' },
    });
    expect(result.warnings.map((w) => w.code)).toEqual(eng.enabled.size * 2 > result.usersConsidered ? ['TIER_LEFT_EMPTY', 'MOST_USERS_CHANGE'] : ['TIER_LEFT_EMPTY']);
    expect(result.source).toBe('LIVE');
  });

  it('removing every mapping warns that most users change; a preview saves nothing', async () => {
    const result = await preview([]);
    expect(result.changes.every((c) => c.to === null)).toBe(true);
    expect(result.warnings.map((w) => w.code)).toEqual(['TIER_LEFT_EMPTY', 'TIER_LEFT_EMPTY', 'MOST_USERS_CHANGE']);
    expect(await mappings()).toHaveLength(2);
  });

  it('the current set changes nobody; adding a nested sub-team to a higher tier moves only its members', async () => {
    expect(await preview([{ groupId: G.finance, tierId: finance.id }, { groupId: G.engineering, tierId: engineering.id }])).toMatchObject({ changes: [], warnings: [] });
    const data = await transitiveUsers(G.dataTeam);
    const result = await preview([
      { groupId: G.engineering, tierId: finance.id },
      { groupId: G.dataTeam, tierId: engineering.id },
      { groupId: G.finance, tierId: finance.id },
    ]);
    const moved = result.changes.map((c) => c.user.id).sort();
    const eng = await transitiveUsers(G.engineering);
    expect(moved).toEqual([...eng.enabled].filter((id) => !data.enabled.has(id)).sort());
    expect(result.changes.every((c) => c.from?.name === 'Engineering' && c.to?.name === 'Finance')).toBe(true);
  });

  it('an unknown proposed group or tier is NOT_FOUND naming it; a group given twice is BAD_USER_INPUT', async () => {
    expect(await graphqlError(preview([{ groupId: NO_SUCH_ID, tierId: finance.id }]))).toMatchObject({
      code: 'NOT_FOUND',
      message: `group ${NO_SUCH_ID} does not exist in tenant ${bench.tenantId} (Microsoft Graph answered 404)`,
    });
    expect(await graphqlError(preview([{ groupId: G.finance, tierId: NO_SUCH_ID }]))).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(`no access tier ${NO_SUCH_ID}`) });
    expect(
      await graphqlError(
        preview([
          { groupId: G.finance, tierId: finance.id },
          { groupId: G.finance, tierId: engineering.id },
        ]),
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', message: `mappings[1].groupId: group ${G.finance} appears more than once; a group maps to one tier` });
  });

  it('a mapped group deleted in Entra since counts as empty in a preview', async () => {
    const doomed = await bench.sim.control.createGroup(SIM_TENANT, { displayName: 'Doomed', mailNickname: 'doomed', mailEnabled: false, securityEnabled: true });
    await bench.sim.control.addMember(SIM_TENANT, doomed.id, U.salesRep.id);
    await setMapping(tenantAdmin, doomed.id, engineering.id);
    expect((await accessTier({ userId: U.salesRep.id })).tier).toEqual({ name: 'Engineering', rank: 30 });
    await bench.sim.control.deleteGroup(SIM_TENANT, doomed.id);
    const result = await preview([{ groupId: G.finance, tierId: finance.id }, { groupId: G.engineering, tierId: engineering.id }]);
    expect(result.changes).toEqual([]);
    expect(await removeMapping(doomed.id)).toMatchObject({ groupId: doomed.id });
  });
});

describe('upstream cost', () => {
  it("a user's tier is one $batch call (the user and their transitive groups); a preview's groups share one too", async () => {
    await bench.sim.control.resetCounters();
    await accessTier({ userId: U.dataEngineer.id });
    expect(await bench.sim.control.counters()).toMatchObject({ batches: 1, subRequests: 2, requests: 3 }) // requests: the $batch and its sub-requests;
    await bench.sim.control.resetCounters();
    await preview([{ groupId: G.finance, tierId: finance.id }, { groupId: G.engineering, tierId: engineering.id }, { groupId: G.dataTeam, tierId: engineering.id }]);
    expect(await bench.sim.control.counters()).toMatchObject({ batches: 1, subRequests: 3, requests: 4 });
  });
});

describe('unmapping', () => {
  it('removes the mappings, after which the tier can be deleted', async () => {
    expect(await removeMapping(G.finance)).toEqual({ groupId: G.finance, tier: { name: 'Finance' } });
    expect((await accessTier({ userId: U.financeEmployee.id })).reason).toBe('NO_MAPPED_GROUP');
    const deleted = await bench.admin.request<{ deleteAccessTier: Tier }>(`mutation($id: ID!) { deleteAccessTier(id: $id) { name } }`, { id: finance.id });
    expect(deleted.deleteAccessTier.name).toBe('Finance');
    expect(await mappings()).toHaveLength(1);
  });
});
