/** Users and groups over real HTTPS: default properties, $select, paging, $count, $search, $orderby, errors. */
import { VERAFIELD } from '../../src/simulator/generator';
import { allPages, startGraphSim, type GraphSim } from './graph-client';

const EVENTUAL = { ConsistencyLevel: 'eventual' };
const DEFAULT_USER_PROPERTIES = [
  'businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname',
  'userPrincipalName',
];

let g: GraphSim;
beforeAll(async () => {
  g = await startGraphSim();
});
afterAll(() => g.close());

const userCount = () => g.sim.ctx.store.requireTenant(VERAFIELD.tenantId).users.size;

describe('users: properties', () => {
  test('without $select a user has exactly the 11 default properties', async () => {
    const res = await g.get('/users?$top=3');
    expect(res.status).toBe(200);
    expect(res.body['@odata.context']).toMatch(/\/v1\.0\/\$metadata#users$/);
    for (const user of res.body.value) expect(Object.keys(user).sort()).toEqual(DEFAULT_USER_PROPERTIES);
  });

  test('$select returns what was asked, password never', async () => {
    const res = await g.get('/users?$top=2&$select=id,department,accountEnabled,passwordProfile,createdDateTime');
    expect(Object.keys(res.body.value[0]).sort()).toEqual(['accountEnabled', 'createdDateTime', 'department', 'id', 'passwordProfile']);
    expect(res.body.value[0].passwordProfile).toBeNull();
  });

  test('$select of documented properties the simulator does not model -> 200 with null, as Graph answers no value', async () => {
    const res = await g.get('/users?$top=2&$select=id,city,companyName,employeeId,department');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.value[0]).sort()).toEqual(['city', 'companyName', 'department', 'employeeId', 'id']);
    expect(res.body.value[0]).toMatchObject({ city: null, companyName: null, employeeId: null });
    const one = await g.get(`/users/${VERAFIELD.users.financeEmployee.id}?$select=id,department,onPremisesSyncEnabled`);
    expect(one.body).toMatchObject({ id: VERAFIELD.users.financeEmployee.id, department: 'Finance', onPremisesSyncEnabled: null });
    const group = await g.get(`/groups/${VERAFIELD.groups.finance}?$select=id,classification,isAssignableToRole`);
    expect([group.status, Object.keys(group.body).filter((k) => !k.startsWith('@')).sort()]).toEqual([200, ['classification', 'id', 'isAssignableToRole']]);
    // A members collection holds several types: each object answers the properties its own type has.
    const members = await g.get(`/groups/${VERAFIELD.groups.allCompany}/members?$top=3&$select=id,city,securityEnabled`);
    expect(members.status).toBe(200);
    const user = members.body.value.find((m: Record<string, unknown>) => m['@odata.type'] === '#microsoft.graph.user');
    expect(user).toMatchObject({ city: null });
    expect(user).not.toHaveProperty('securityEnabled');
    // A property of another type only is still unknown on this one.
    const wrongType = await g.get('/users?$select=id,securityEnabled');
    expect([wrongType.status, wrongType.body.error.message]).toEqual([400, "Could not find a property named 'securityEnabled' on type 'microsoft.graph.user'."]);
  });

  test('$select of an unknown property -> 400 naming it and the type', async () => {
    const res = await g.get('/users?$select=id,shoeSize');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'Request_BadRequest', message: "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'." });
  });

  test('get by id and by userPrincipalName (#EXT# percent-encoded)', async () => {
    const byId = await g.get(`/users/${VERAFIELD.users.financeEmployee.id}?$select=id,department`);
    expect(byId.body).toMatchObject({ id: VERAFIELD.users.financeEmployee.id, department: 'Finance' });
    const guest = VERAFIELD.users.guestConsultant;
    const byUpn = await g.get(`/users/${encodeURIComponent(guest.userPrincipalName)}`);
    expect([byUpn.status, byUpn.body.id]).toEqual([200, guest.id]);
  });
});

describe('errors', () => {
  test('unknown object -> 404 with innerError; request-id and client-request-id headers', async () => {
    const res = await g.get('/users/00000000-0000-0000-0000-000000000001', { 'client-request-id': 'my-correlation' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('Request_ResourceNotFound');
    expect(res.body.error.innerError).toMatchObject({ 'client-request-id': 'my-correlation', 'request-id': res.headers['request-id'] });
    expect(res.body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(res.headers['client-request-id']).toBe('my-correlation');
  });

  test('unknown path -> 400 BadRequest naming the segment', async () => {
    const res = await g.get('/users/x/mailboxSettingz');
    expect(res.body.error).toMatchObject({ code: 'BadRequest', message: "Resource not found for the segment 'mailboxSettingz'." });
  });

  test.each([
    ['/users?$top=1000', "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."],
    ['/users?$top=0', "Invalid page size specified: '0'. Must be between 1 and 999 inclusive."],
    ['/users?$skip=10', "'$skip' is not supported by the service."],
    ['/groups?$skip=10', "'$skip' is not supported by the service."],
  ])('%s -> 400', async (path, message) => {
    const res = await g.get(path);
    expect([res.status, res.body.error.message]).toEqual([400, message]);
  });
});

describe('paging', () => {
  test('follows nextLinks to the end: every user once, original parameters carried, last page without nextLink', async () => {
    const pages = await allPages(g, '/users?$top=37&$select=id,displayName');
    const ids = pages.flatMap((p) => p.body.value.map((u: { id: string }) => u.id));
    expect(ids.length).toBe(userCount());
    expect(new Set(ids).size).toBe(ids.length);
    for (const page of pages.slice(0, -1)) {
      const next = new URL(page.body['@odata.nextLink']);
      expect(next.searchParams.get('$top')).toBe('37');
      expect(next.searchParams.get('$select')).toBe('id,displayName');
      expect(next.searchParams.get('$skiptoken')).toBeTruthy();
    }
    expect(pages[pages.length - 1].body['@odata.nextLink']).toBeUndefined();
  });

  test('default page size is 100', async () => {
    const res = await g.get('/users');
    expect(res.body.value).toHaveLength(100);
  });

  test('a tampered or transplanted $skiptoken -> 400', async () => {
    const first = await g.get('/users?$top=5');
    const token = new URL(first.body['@odata.nextLink']).searchParams.get('$skiptoken')!;
    const tampered = `${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    expect((await g.get(`/users?$top=5&$skiptoken=${tampered}`)).status).toBe(400);
    expect((await g.get(`/users?$top=6&$skiptoken=${token}`)).status).toBe(400);
    expect((await g.get(`/groups?$top=5&$skiptoken=${token}`)).status).toBe(400);
  });

  test('an eventual query may return an empty page that still has a nextLink', async () => {
    const users = [...g.sim.ctx.store.requireTenant(VERAFIELD.tenantId).users.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    const last = users[users.length - 1];
    const filter = encodeURIComponent(`endsWith(userPrincipalName,'${last.userPrincipalName}')`);
    const pages = await allPages(g, `/users?$filter=${filter}&$count=true&$top=1`, EVENTUAL);
    expect(pages.some((p) => p.body.value.length === 0 && p.body['@odata.nextLink'])).toBe(true);
    expect(pages.flatMap((p) => p.body.value.map((u: { id: string }) => u.id))).toEqual([last.id]);
  });
});

describe('advanced queries', () => {
  test('$count=true is ignored without ConsistencyLevel; with it @odata.count is on page 1 only', async () => {
    expect((await g.get('/users?$count=true&$top=5')).body['@odata.count']).toBeUndefined();
    const first = await g.get('/users?$count=true&$top=5', EVENTUAL);
    expect(first.body['@odata.count']).toBe(userCount());
    const second = await g.get(first.body['@odata.nextLink'], EVENTUAL);
    expect(second.body['@odata.count']).toBeUndefined();
  });

  test('/users/$count answers text/plain with the header, 400 without', async () => {
    const ok = await g.get('/users/$count', EVENTUAL);
    expect([ok.status, ok.text]).toEqual([200, String(userCount())]);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    const filtered = await g.get(`/users/$count?$filter=${encodeURIComponent("department eq 'Finance'")}`, EVENTUAL);
    expect(Number(filtered.text)).toBeGreaterThan(0);
    const refused = await g.get('/users/$count');
    expect([refused.status, refused.body.error.code]).toEqual([400, 'Request_BadRequest']);
  });

  test('$search needs ConsistencyLevel and matches word prefixes', async () => {
    const refused = await g.get('/users?$search="displayName:nora"');
    expect([refused.status, refused.body.error.code]).toEqual([400, 'Request_UnsupportedQuery']);
    const found = await g.get(`/users?$search=${encodeURIComponent('"displayName:finc"')}&$select=id`, EVENTUAL);
    expect(found.body.value.map((u: { id: string }) => u.id)).toContain(VERAFIELD.users.financeEmployee.id);
    expect((await g.get('/users?$search=displayName:nora', EVENTUAL)).status).toBe(400);
  });

  test('ne needs advanced query parameters', async () => {
    const filter = encodeURIComponent("userType ne 'Member'");
    expect((await g.get(`/users?$filter=${filter}`)).body.error.code).toBe('Request_UnsupportedQuery');
    const guests = await g.get(`/users?$filter=${filter}&$count=true&$select=id,userType`, EVENTUAL);
    expect(guests.body['@odata.count']).toBe(VERAFIELD.counts.guests);
  });

  test('$orderby displayName by default; other properties and $filter+$orderby only as advanced queries', async () => {
    const sorted = await g.get('/users?$orderby=displayName desc&$top=20&$select=displayName');
    const names = sorted.body.value.map((u: { displayName: string }) => u.displayName.toLowerCase());
    expect(names).toEqual([...names].sort().reverse());
    expect((await g.get('/users?$orderby=jobTitle')).body.error.code).toBe('Request_UnsupportedQuery');
    const filter = encodeURIComponent("department eq 'Finance'");
    expect((await g.get(`/users?$filter=${filter}&$orderby=displayName`)).status).toBe(400);
    expect((await g.get(`/users?$filter=${filter}&$orderby=displayName&$count=true`, EVENTUAL)).status).toBe(200);
  });

  test('$expand: one relationship, at most 20 items, not with advanced queries', async () => {
    const res = await g.get(`/groups/${VERAFIELD.groups.allCompany}?$expand=members($select=id,displayName)`);
    expect(res.body.members.length).toBe(20);
    expect(res.body.members[0]['@odata.type']).toBe('#microsoft.graph.user');
    expect((await g.get('/users?$expand=memberOf,manager')).status).toBe(400);
    const badSelect = await g.get(`/groups/${VERAFIELD.groups.finance}?$expand=members($select=shoeSize)`);
    expect(badSelect.body.error.message).toBe("Could not find a property named 'shoeSize' on type 'microsoft.graph.directoryObject'.");
    expect((await g.get('/users?$expand=memberOf&$count=true', EVENTUAL)).body.error.code).toBe('Request_UnsupportedQuery');
  });
});

describe('groups and membership', () => {
  test('members carry @odata.type and page like users', async () => {
    const pages = await allPages(g, `/groups/${VERAFIELD.groups.allCompany}/members?$top=100&$select=id`);
    const members = pages.flatMap((p) => p.body.value);
    expect(pages.length).toBeGreaterThan(1);
    expect(members.every((m: Record<string, string>) => m['@odata.type'] === '#microsoft.graph.user' || m['@odata.type'] === '#microsoft.graph.group')).toBe(true);
    const count = await g.get(`/groups/${VERAFIELD.groups.allCompany}/members/$count`, EVENTUAL);
    expect(Number(count.text)).toBe(members.length);
  });

  test('transitiveMembers reaches nested members; memberOf lists groups and roles', async () => {
    const transitive = await allPages(g, `/groups/${VERAFIELD.groups.engineering}/transitiveMembers?$select=id`);
    expect(transitive.flatMap((p) => p.body.value.map((m: { id: string }) => m.id))).toContain(VERAFIELD.users.onCallEngineer.id);
    const memberOf = await g.get(`/users/${VERAFIELD.users.globalAdmin.id}/memberOf`);
    const types = new Set(memberOf.body.value.map((o: Record<string, string>) => o['@odata.type']));
    expect(types).toEqual(new Set(['#microsoft.graph.group', '#microsoft.graph.directoryRole']));
  });

  test('groupTypes lambda filter', async () => {
    const res = await g.get(`/groups?$filter=${encodeURIComponent("groupTypes/any(c:c eq 'Unified')")}&$select=displayName,groupTypes`);
    expect(res.body.value.length).toBeGreaterThan(0);
    expect(res.body.value.every((x: { groupTypes: string[] }) => x.groupTypes.includes('Unified'))).toBe(true);
  });
});
