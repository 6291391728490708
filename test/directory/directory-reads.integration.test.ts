/**
 * Directory reads through the real gateway over HTTP against the simulated Verafield tenant: every field of
 * User and Group, the member union, nested membership, filters (quotes included), paging to the end, and
 * cursors that cannot be forged or replayed.
 */
import { VERAFIELD, verafieldFixture } from '../../src/simulator/generator';
import { graphqlError } from '../tenants/tenant-queries';
import { connectVerafield, startDirectoryBench, tenantReader, type DirectoryBench } from './directory-fixtures';

const USER_FIELDS = 'id displayName userPrincipalName mail department jobTitle accountEnabled userType createdAt assignedLicenses { skuId disabledPlans }';
const GROUP_FIELDS = 'id displayName description kind dynamic membershipRule memberCount';
const NAMES = 'edges { node { displayName } }';

interface Page<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount?: number | null;
}
interface Named {
  id: string;
  displayName: string;
  __typename?: string;
}

const names = (page: Page<Named>) => page.edges.map((edge) => edge.node.displayName);

let bench: DirectoryBench;
const tenantId = VERAFIELD.tenantId;

beforeAll(async () => {
  bench = await startDirectoryBench();
}, 60_000);

afterAll(async () => {
  await bench?.stop();
});

describe('users', () => {
  it('reads every field of a user by sign-in name and by id', async () => {
    const { userPrincipalName, id } = VERAFIELD.users.globalAdmin;
    const t = await bench.read<{ byUpn: Record<string, unknown>; byId: Record<string, unknown> }>(
      `byUpn: user(userPrincipalName: $upn) { ${USER_FIELDS} directoryRoles { id displayName description roleTemplateId } }
       byId: user(id: $id) { ${USER_FIELDS} }`,
      { upn: userPrincipalName, id },
      '$upn: String!, $id: ID!',
    );
    expect(t.byUpn).toMatchObject({
      id,
      displayName: 'Avery Quinn',
      userPrincipalName,
      mail: userPrincipalName,
      department: 'IT',
      jobTitle: 'IT Director',
      accountEnabled: true,
      userType: 'Member',
      assignedLicenses: [{ skuId: expect.stringMatching(/^[0-9a-f-]{36}$/), disabledPlans: expect.any(Array) }],
    });
    expect(new Date(t.byUpn.createdAt as string).getTime()).toBeLessThan(Date.now());
    expect(t.byUpn.directoryRoles).toContainEqual(
      expect.objectContaining({ displayName: 'Global Administrator', roleTemplateId: VERAFIELD.roles.globalAdministrator.templateId }),
    );
    const { directoryRoles: _roles, ...fields } = t.byUpn;
    expect(t.byId).toEqual(fields);
  });

  it('reads a guest by its #EXT# sign-in name, and answers null for an unknown user', async () => {
    const t = await bench.read<{ guest: { userType: string; accountEnabled: boolean }; missing: null }>(
      `guest: user(userPrincipalName: $upn) { userType accountEnabled }
       missing: user(id: "00000000-0000-0000-0000-000000000000") { id }`,
      { upn: VERAFIELD.users.guestConsultant.userPrincipalName },
      '$upn: String!',
    );
    expect(t).toEqual({ guest: { userType: 'Guest', accountEnabled: true }, missing: null });
  });

  it('filters by department, account state, type and name prefix, with totalCount', async () => {
    const t = await bench.read<Record<string, Page<{ department: string; accountEnabled: boolean; userType: string; displayName: string }>>>(`
      finance: users(filter: { department: "Finance" }, first: 100) { totalCount edges { node { department } } }
      disabled: users(filter: { accountEnabled: false }, first: 100) { totalCount edges { node { accountEnabled } } }
      guests: users(filter: { userType: GUEST }, first: 100) { edges { node { userType } } }
      avery: users(filter: { displayNameStartsWith: "Avery Q" }) { edges { node { displayName } } }`);
    expect(t.finance.totalCount).toBe(20);
    expect(t.finance.edges.every((edge) => edge.node.department === 'Finance')).toBe(true);
    expect(t.finance.edges).toHaveLength(20);
    expect(t.disabled.totalCount).toBe(VERAFIELD.counts.disabled);
    expect(t.disabled.edges.map((edge) => edge.node.accountEnabled)).toEqual(new Array(VERAFIELD.counts.disabled).fill(false));
    expect(t.guests.edges).toHaveLength(VERAFIELD.counts.guests);
    expect(t.avery.edges.map((edge) => edge.node.displayName)).toEqual(['Avery Quinn']);
  });

  it("keeps quotes inside filter and search literals (O'Brien), so they cannot change the query", async () => {
    const created = await bench.sim.control.createUser(tenantId, {
      displayName: "Siobhan O'Brien",
      mailNickname: 'siobhan.obrien',
      userPrincipalName: `siobhan.obrien@${VERAFIELD.domain}`,
      accountEnabled: true,
      department: "R&D 'Labs'",
      passwordProfile: { password: 'Str0ng!Passw0rd-1', forceChangePasswordNextSignIn: true },
    } as never);
    try {
      // $search is an advanced query: Graph's eventual index examines a bounded window per page, so a match can sit
      // behind empty pages. A page as large as the tenant keeps this test about escaping, not paging.
      const t = await bench.read<Record<string, Page<Named>>>(`
        prefix: users(filter: { displayNameStartsWith: "Siobhan O'B" }) { ${NAMES} }
        department: users(filter: { department: "R&D 'Labs'" }) { ${NAMES} }
        search: users(search: "O'Brien", first: 999) { ${NAMES} }
        injected: users(filter: { displayNameStartsWith: "x') or startsWith(displayName,'A" }) { ${NAMES} }`);
      expect(names(t.prefix)).toEqual(["Siobhan O'Brien"]);
      expect(names(t.department)).toEqual(["Siobhan O'Brien"]);
      expect(names(t.search)).toEqual(["Siobhan O'Brien"]);
      expect(t.injected.edges).toEqual([]);
    } finally {
      await bench.sim.control.deleteUser(tenantId, (created as { id: string }).id, { permanent: true });
    }
  });

  it('pages to the end: the pages together are the whole list, and an edge cursor resumes mid-page', async () => {
    const all = await bench.read<{ users: Page<Named> }>('users(first: 999) { edges { node { id } } pageInfo { hasNextPage } }');
    expect(all.users.pageInfo.hasNextPage).toBe(false);
    expect(all.users.edges).toHaveLength(VERAFIELD.counts.users);
    const paged: string[] = [];
    let after: string | null = null;
    let calls = 0;
    do {
      const t: { users: Page<Named> } = await bench.read('users(first: 45, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }', { after }, '$after: String');
      paged.push(...t.users.edges.map((edge) => edge.node.id));
      after = t.users.pageInfo.hasNextPage ? t.users.pageInfo.endCursor : null;
      calls += 1;
    } while (after !== null && calls < 20);
    expect(paged).toEqual(all.users.edges.map((edge) => edge.node.id));

    const first = await bench.read<{ users: Page<Named> }>('users(first: 20) { edges { cursor node { id } } }');
    const resumed = await bench.read<{ users: Page<Named> }>('users(first: 20, after: $after) { edges { node { id } } }', { after: first.users.edges[9].cursor }, '$after: String');
    expect(resumed.users.edges.map((edge) => edge.node.id)).toEqual(first.users.edges.slice(10).map((edge) => edge.node.id));
  });

  it('refuses invalid arguments before any Graph call', async () => {
    await bench.sim.control.resetCounters();
    const cases = [
      'users(first: 1000) { totalCount }',
      'users(first: 0) { totalCount }',
      'users(search: "  ") { totalCount }',
      'users(search: "say \\"hi\\"") { totalCount }',
      'users(filter: { displayNameStartsWith: "" }) { totalCount }',
      'user { id }',
      'user(id: "a", userPrincipalName: "b") { id }',
      'groups(filter: { nameStartsWith: "tab\\there" }) { totalCount }',
    ];
    for (const selection of cases) {
      const error = await graphqlError(bench.read(selection));
      expect({ selection, code: error.code }).toEqual({ selection, code: 'BAD_USER_INPUT' });
    }
    expect((await bench.sim.control.counters()).byEndpoint).toEqual({});
  });
});

describe('groups', () => {
  it('reads every field of each kind of group', async () => {
    const g = VERAFIELD.groups;
    const t = await bench.read<Record<string, Record<string, unknown>>>(
      `engineering: group(id: "${g.engineering}") { ${GROUP_FIELDS} }
       dynamic: group(id: "${g.salesDynamic}") { ${GROUP_FIELDS} }
       m365: group(id: "${g.allCompany}") { kind dynamic }
       mailSecurity: group(id: "${g.securityAlerts}") { kind }
       distribution: group(id: "${g.newsletter}") { kind }
       missing: group(id: "00000000-0000-0000-0000-000000000000") { id }`,
    );
    expect(t.engineering).toEqual({
      id: g.engineering,
      displayName: 'Engineering',
      description: 'All Engineering staff',
      kind: 'SECURITY',
      dynamic: false,
      membershipRule: null,
      memberCount: expect.any(Number),
    });
    expect(t.engineering.memberCount).toBeGreaterThan(2);
    expect(t.dynamic).toMatchObject({ displayName: 'Sales (dynamic)', kind: 'SECURITY', dynamic: true, membershipRule: '(user.department -eq "Sales")', memberCount: 45 });
    expect(t.m365).toEqual({ kind: 'MICROSOFT_365', dynamic: false });
    expect(t.mailSecurity).toEqual({ kind: 'MAIL_ENABLED_SECURITY' });
    expect(t.distribution).toEqual({ kind: 'DISTRIBUTION' });
    expect(t.missing).toBeNull();
  });

  it('filters by kind, dynamic membership and name prefix', async () => {
    const t = await bench.read<Record<string, Page<Named & { kind: string }>>>(`
      m365: groups(filter: { kind: MICROSOFT_365 }, first: 100) { ${NAMES} }
      security: groups(filter: { kind: SECURITY }, first: 100) { edges { node { displayName kind } } }
      mailSecurity: groups(filter: { kind: MAIL_ENABLED_SECURITY }) { ${NAMES} }
      distribution: groups(filter: { kind: DISTRIBUTION }) { ${NAMES} }
      dynamic: groups(filter: { dynamic: true }) { ${NAMES} }
      assigned: groups(filter: { dynamic: false }, first: 100) { totalCount }
      site: groups(filter: { nameStartsWith: "site" }) { ${NAMES} }
      all: groups(first: 100) { totalCount }`);
    expect(names(t.m365).sort()).toEqual(['Product Launch 2026', 'Social Club', 'Verafield All Company']);
    expect(t.security.edges.every((edge) => edge.node.kind === 'SECURITY')).toBe(true);
    expect(names(t.security)).toEqual(expect.arrayContaining(['Engineering', 'Platform Team', 'Sales (dynamic)']));
    expect(names(t.mailSecurity)).toEqual(['Security Alerts']);
    expect(names(t.distribution)).toEqual(['Verafield Newsletter']);
    expect(names(t.dynamic)).toEqual(['Sales (dynamic)']);
    expect(t.assigned.totalCount).toBe(VERAFIELD.counts.groups - 1);
    expect(t.all.totalCount).toBe(VERAFIELD.counts.groups);
    expect(names(t.site)).toEqual(['Site Reliability']);
  });

  it('lists members as users, groups and service principals, directly or transitively', async () => {
    const sp = VERAFIELD.apps.hrPortal.servicePrincipalId;
    await bench.sim.control.addMember(tenantId, VERAFIELD.groups.productAdmins, sp);
    const members = `edges { node { __typename ... on User { id userPrincipalName } ... on Group { id displayName kind } ... on ServicePrincipal { id appId displayName } } }`;
    const t = await bench.read<Record<string, { members: Page<Named & { appId?: string }> }>>(`
      engineering: group(id: "${VERAFIELD.groups.engineering}") { members(first: 200) { ${members} } }
      transitive: group(id: "${VERAFIELD.groups.engineering}") { members(transitive: true, first: 200) { ${members} } }
      admins: group(id: "${VERAFIELD.groups.productAdmins}") { members { ${members} } }`);
    const direct = t.engineering.members.edges.map((edge) => edge.node);
    expect(direct.filter((node) => node.__typename === 'Group').map((node) => node.displayName).sort()).toEqual(['Data Team', 'Platform Team']);
    expect(direct.map((node) => node.id)).not.toContain(VERAFIELD.users.onCallEngineer.id);
    const transitive = t.transitive.members.edges.map((edge) => edge.node.id);
    expect(transitive).toEqual(expect.arrayContaining([VERAFIELD.users.onCallEngineer.id, VERAFIELD.users.dataEngineer.id, VERAFIELD.groups.onCall]));
    expect(t.admins.members.edges.map((edge) => edge.node)).toContainEqual({
      __typename: 'ServicePrincipal',
      id: sp,
      appId: VERAFIELD.apps.hrPortal.appId,
      displayName: 'Verafield HR Portal',
    });
    await bench.sim.control.removeMember(tenantId, VERAFIELD.groups.productAdmins, sp);
  });

  it("shows a user nested in a group inside Engineering that group with transitive: true only", async () => {
    const t = await bench.read<Record<string, { groups: Page<Named> }>>(
      `direct: user(id: $id) { groups(first: 100) { ${NAMES} } }
       transitive: user(id: $id) { groups(transitive: true, first: 100) { ${NAMES} } }
       onCall: user(id: $onCall) { groups(transitive: true, first: 100) { ${NAMES} } }`,
      { id: VERAFIELD.users.dataEngineer.id, onCall: VERAFIELD.users.onCallEngineer.id },
      '$id: ID!, $onCall: ID!',
    );
    expect(names(t.direct.groups)).toContain('Data Team');
    expect(names(t.direct.groups)).not.toContain('Engineering');
    expect(names(t.transitive.groups)).toEqual(expect.arrayContaining(['Data Team', 'Engineering']));
    expect(names(t.onCall.groups)).toEqual(expect.arrayContaining(['SRE On-Call', 'Site Reliability', 'Platform Team', 'Engineering']));
  });
});

describe('cursors', () => {
  it('refuses forged, tampered and cross-list cursors', async () => {
    const page = await bench.read<{ users: Page<Named>; groups: Page<Named> }>('users(first: 2) { pageInfo { endCursor } } groups(first: 2) { pageInfo { endCursor } }');
    const cursor = page.users.pageInfo.endCursor!;
    const tampered = `${cursor.slice(0, 40)}${cursor[40] === 'A' ? 'B' : 'A'}${cursor.slice(41)}`;
    const forged = Buffer.from(JSON.stringify({ link: 'https://evil.example/v1.0/users', skip: 0, eventual: false, count: null })).toString('base64url');
    for (const after of ['nonsense', tampered, forged, page.groups.pageInfo.endCursor]) {
      const error = await graphqlError(bench.read('users(first: 2, after: $after) { totalCount }', { after }, '$after: String'));
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(/^after: expected a cursor this list returned/);
    }
    // Another filter is another list: the cursor does not carry over.
    const filtered = await graphqlError(bench.read('users(first: 2, after: $after, filter: { department: "IT" }) { totalCount }', { after: cursor }, '$after: String'));
    expect(filtered.code).toBe('BAD_USER_INPUT');
  });

  it("refuses a cursor of one tenant on another tenant's list", async () => {
    const second = verafieldFixture({ tenantId: '0b6c1f8e-2d4a-4c9b-8e7f-5a3d2c1b0e9f' });
    await bench.sim.control.createTenant({ preset: 'verafield', tenantId: second.tenantId });
    const otherId = await connectVerafield(bench, { login: second.users.globalAdmin.userPrincipalName });
    const other = tenantReader(bench.admin, otherId);
    const mine = tenantReader(bench.admin, bench.tenantId);
    const page = await mine<{ users: Page<Named> }>('users(first: 2) { pageInfo { endCursor } }');
    const select = 'users(first: 2, after: $after) { edges { node { id } } }';
    await expect(mine(select, { after: page.users.pageInfo.endCursor }, '$after: String')).resolves.toBeDefined();
    const error = await graphqlError(other(select, { after: page.users.pageInfo.endCursor }, '$after: String'));
    expect(error.code).toBe('BAD_USER_INPUT');
  });
});
