/** Delta query (graph-facts §4): rounds, shapes of changes, membership across pages, token expiry and reset. */
import { VERAFIELD } from '../../src/simulator/generator';
import { ALL_PERMISSIONS, graphRequest, startGraphSim, type GraphResult, type GraphSim } from './graph-client';

let g: GraphSim;
beforeAll(async () => {
  g = await startGraphSim();
});
afterAll(() => g.close());

const store = () => g.sim.ctx.store;
const tenant = () => store().requireTenant(VERAFIELD.tenantId);

/** One delta round: follows nextLinks until the deltaLink; returns every page. */
async function round(first: string, headers?: Record<string, string>, token = g.token): Promise<{ pages: GraphResult[]; deltaLink: string }> {
  const pages: GraphResult[] = [];
  let url: string | undefined = first;
  while (url) {
    const page = await graphRequest(g.sim, 'GET', url, { token, headers });
    if (page.status !== 200) throw new Error(`delta page answered ${page.status}: ${page.text}`);
    pages.push(page);
    url = page.body['@odata.nextLink'];
  }
  return { pages, deltaLink: pages[pages.length - 1].body['@odata.deltaLink'] };
}
const items = (pages: GraphResult[]) => pages.flatMap((p) => p.body.value as Record<string, any>[]);

let sequence = 0;
function createUser() {
  sequence += 1;
  return store().createUser(VERAFIELD.tenantId, {
    accountEnabled: true,
    displayName: `Delta ${sequence}`,
    mailNickname: `delta${sequence}`,
    userPrincipalName: `delta${sequence}@${VERAFIELD.domain}`,
    passwordProfile: { password: 'Str0ng!Passphrase-42' },
  });
}

describe('users/delta', () => {
  test('the first round returns every user in full, then a deltaLink; the next round only the changes', async () => {
    const first = await round('/users/delta');
    expect(first.pages.length).toBeGreaterThan(1);
    expect(first.pages.slice(0, -1).every((p) => p.body['@odata.nextLink'] && !p.body['@odata.deltaLink'])).toBe(true);
    const all = items(first.pages);
    expect(new Set(all.map((u) => u.id)).size).toBe(tenant().users.size);
    expect(all[0].userPrincipalName).toBeDefined();

    const added = createUser();
    store().updateUser(VERAFIELD.tenantId, VERAFIELD.users.salesRep.id, { jobTitle: 'Regional Sales Lead' });
    const softDeleted = createUser();
    const hardDeleted = createUser();
    const second = await round(first.deltaLink);
    store().deleteUser(VERAFIELD.tenantId, softDeleted.id);
    store().deleteUser(VERAFIELD.tenantId, hardDeleted.id, { permanent: true });
    const third = await round(second.deltaLink);

    const changes = new Map(items(second.pages).map((u) => [u.id, u]));
    expect(changes.get(added.id)).toMatchObject({ displayName: added.displayName, userPrincipalName: added.userPrincipalName });
    expect(changes.get(VERAFIELD.users.salesRep.id)).toMatchObject({ jobTitle: 'Regional Sales Lead' });
    expect(changes.size).toBe(4);
    expect(items(third.pages)).toEqual(
      expect.arrayContaining([
        { id: softDeleted.id, '@removed': { reason: 'changed' } },
        { id: hardDeleted.id, '@removed': { reason: 'deleted' } },
      ]),
    );
    expect(items((await round(third.deltaLink)).pages)).toEqual([]);
  });

  test('Prefer: return=minimal reports only the changed properties; $select limits what is tracked', async () => {
    const { deltaLink } = await round('/users/delta?$select=displayName,jobTitle');
    const user = VERAFIELD.users.platformEngineer.id;
    store().updateUser(VERAFIELD.tenantId, user, { jobTitle: 'Staff Engineer' });
    store().updateUser(VERAFIELD.tenantId, VERAFIELD.users.financeEmployee.id, { officeLocation: 'Remote' });
    const minimal = await round(deltaLink, { Prefer: 'return=minimal' });
    expect(minimal.pages[0].headers['preference-applied']).toBe('return=minimal');
    expect(items(minimal.pages)).toEqual([{ id: user, jobTitle: 'Staff Engineer' }]);
  });

  test('$filter id eq OR-chains limit the objects; more than 50 ids -> 400', async () => {
    const ids = [VERAFIELD.users.globalAdmin.id, VERAFIELD.users.userAdmin.id];
    const filter = encodeURIComponent(ids.map((id) => `id eq '${id}'`).join(' or '));
    const res = await round(`/users/delta?$filter=${filter}`);
    expect(items(res.pages).map((u) => u.id).sort()).toEqual([...ids].sort());
    const many = encodeURIComponent(Array.from({ length: 51 }, (_, i) => `id eq '${i}'`).join(' or '));
    expect((await g.get(`/users/delta?$filter=${many}`)).status).toBe(400);
    expect((await g.get(`/users/delta?$filter=${encodeURIComponent("displayName eq 'x'")}`)).body.error.code).toBe('Request_UnsupportedQuery');
  });

  test.each(['$expand=memberOf', '$top=5', '$orderby=displayName'])('%s is not supported on delta -> 400', async (option) => {
    expect((await g.get(`/users/delta?${option}`)).status).toBe(400);
  });

  test('$deltatoken=latest returns only a deltaLink, which then reports later changes', async () => {
    const latest = await g.get('/users/delta?$deltatoken=latest');
    expect(latest.body.value).toEqual([]);
    const added = createUser();
    const next = await round(latest.body['@odata.deltaLink']);
    expect(items(next.pages).map((u) => u.id)).toEqual([added.id]);
  });

  test('a token this simulator cannot open (forged, or issued before a restart) -> 400 syncStateNotFound', async () => {
    const res = await g.get('/users/delta?$deltatoken=bm90LWEtdG9rZW4');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('syncStateNotFound');
  });
});

describe('groups/delta with members', () => {
  test('a large group is split over pages: the same group object repeats and the pages merge to its members', async () => {
    const first = await round('/groups/delta?$select=displayName,members');
    const allCompany = VERAFIELD.groups.allCompany;
    const appearances = items(first.pages).filter((x) => x.id === allCompany);
    expect(appearances.length).toBeGreaterThan(1);
    const merged = appearances.flatMap((x) => x['members@delta'].map((m: { id: string }) => m.id));
    expect(merged.sort()).toEqual(store().directMembers(VERAFIELD.tenantId, allCompany).sort());
    expect(appearances[0]['members@delta'][0]['@odata.type']).toMatch(/^#microsoft\.graph\.(user|group)$/);

    const group = VERAFIELD.groups.travelExemptions;
    const leaving = store().directMembers(VERAFIELD.tenantId, group)[0];
    store().removeMember(VERAFIELD.tenantId, group, leaving);
    store().addMember(VERAFIELD.tenantId, group, VERAFIELD.users.salesRep.id);
    const second = await round(first.deltaLink);
    expect(items(second.pages)).toEqual([
      expect.objectContaining({
        id: group,
        'members@delta': expect.arrayContaining([
          { '@odata.type': '#microsoft.graph.user', id: leaving, '@removed': { reason: 'deleted' } },
          { '@odata.type': '#microsoft.graph.user', id: VERAFIELD.users.salesRep.id },
        ]),
      }),
    ]);
  });

  test('without members in $select membership is not tracked', async () => {
    const { deltaLink } = await round('/groups/delta?$select=displayName');
    store().addMember(VERAFIELD.tenantId, VERAFIELD.groups.contractors, VERAFIELD.users.dataEngineer.id);
    expect(items((await round(deltaLink)).pages)).toEqual([]);
  });
});

describe('token lifetime and reset', () => {
  test('a token older than deltaTokenLifetimeMs -> 400 syncStateNotFound', async () => {
    const { deltaLink } = await round('/users/delta?$deltatoken=latest');
    g.sim.ctx.advanceClock(g.sim.ctx.settings.deltaTokenLifetimeMs + 1);
    const token = await g.tokenWith(ALL_PERMISSIONS);
    const res = await graphRequest(g.sim, 'GET', deltaLink, { token });
    expect([res.status, res.body.error.code]).toEqual([400, 'syncStateNotFound']);
  });

  test('after a reset, an older token -> 410 Gone resyncRequired with an empty $deltatoken Location', async () => {
    const token = await g.tokenWith(ALL_PERMISSIONS);
    const { deltaLink } = await round('/groups/delta?$deltatoken=latest', undefined, token);
    store().resetDeltaTokens(VERAFIELD.tenantId);
    const res = await graphRequest(g.sim, 'GET', deltaLink, { token });
    expect([res.status, res.body.error.code]).toEqual([410, 'resyncRequired']);
    expect(res.headers.location).toBe(`${g.sim.baseUrl}/v1.0/groups/delta?$deltatoken=`);
  });
});

describe('resync after a reset', () => {
  test('reset -> 410 -> following Location runs a full round to a new deltaLink -> later changes arrive incrementally', async () => {
    const token = await g.tokenWith(ALL_PERMISSIONS);
    const { deltaLink } = await round('/users/delta?$deltatoken=latest', undefined, token);
    store().resetDeltaTokens(VERAFIELD.tenantId);

    const gone = await graphRequest(g.sim, 'GET', deltaLink, { token });
    expect(gone.status).toBe(410);
    const location = gone.headers.location as string;
    expect(new URL(location).searchParams.get('$deltatoken')).toBe('');

    const full = await round(location, undefined, token);
    const all = items(full.pages);
    expect(new Set(all.map((u) => u.id))).toEqual(new Set(tenant().users.keys()));
    expect(all.every((u) => !u['@removed'] && u.userPrincipalName)).toBe(true);
    expect(full.deltaLink).toMatch(/\/users\/delta\?\$deltatoken=.+/);

    const added = createUser();
    store().updateUser(VERAFIELD.tenantId, VERAFIELD.users.salesRep.id, { officeLocation: 'Resync House' });
    const next = await round(full.deltaLink, undefined, token);
    expect(items(next.pages)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: added.id, userPrincipalName: added.userPrincipalName }),
        expect.objectContaining({ id: VERAFIELD.users.salesRep.id, officeLocation: 'Resync House' }),
      ]),
    );
    expect(items(next.pages)).toHaveLength(2);
  });

  test('an empty $deltatoken on a fresh request starts from the beginning, an empty $skiptoken is still refused', async () => {
    // The clock was advanced past the default token's lifetime above: a fresh access token.
    const token = await g.tokenWith(ALL_PERMISSIONS);
    const fromStart = await round('/groups/delta?$deltatoken=&$select=displayName', undefined, token);
    expect(new Set(items(fromStart.pages).map((x) => x.id))).toEqual(new Set(tenant().groups.keys()));
    expect((await graphRequest(g.sim, 'GET', '/groups/delta?$skiptoken=', { token })).status).toBe(400);
  });
});
