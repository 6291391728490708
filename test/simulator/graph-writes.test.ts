/** Writes: create/update users, member references, members@odata.bind, soft deletion and replication lag. */
import { VERAFIELD } from '../../src/simulator/generator';
import { startGraphSim, type GraphSim } from './graph-client';

let g: GraphSim;
beforeAll(async () => {
  g = await startGraphSim();
});
afterAll(() => g.close());
afterEach(() => {
  g.sim.ctx.faults.replicationLagMs = 0;
});

const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
let sequence = 0;
function newUserBody(overrides: Record<string, unknown> = {}) {
  sequence += 1;
  return {
    accountEnabled: true,
    displayName: `Writer ${sequence}`,
    mailNickname: `writer${sequence}`,
    userPrincipalName: `writer${sequence}@${VERAFIELD.domain}`,
    passwordProfile: { password: 'Str0ng!Passphrase-42', forceChangePasswordNextSignIn: true },
    ...overrides,
  };
}
const members = (groupId: string) => g.sim.ctx.store.directMembers(VERAFIELD.tenantId, groupId);

describe('users', () => {
  test('POST /users -> 201 with the user, the password never echoed', async () => {
    const res = await g.call('POST', '/users', { body: newUserBody() });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.text).not.toContain('Str0ng');
    expect(res.body.passwordProfile).toBeUndefined();
  });

  test('UPN conflict -> 400 with ObjectConflict details', async () => {
    const res = await g.call('POST', '/users', { body: newUserBody({ userPrincipalName: VERAFIELD.users.salesRep.userPrincipalName }) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('Request_BadRequest');
    expect(res.body.error.details).toEqual([expect.objectContaining({ code: 'ObjectConflict', target: 'userPrincipalName' })]);
  });

  test('validation: a missing required property, a non-object body, malformed JSON', async () => {
    const { displayName: _omitted, ...body } = newUserBody();
    const missing = await g.call('POST', '/users', { body });
    expect([missing.status, missing.body.error.message]).toEqual([400, 'Property displayName value is required but is empty or missing.']);
    const array = await g.call('POST', '/users', { body: [1] });
    expect([array.status, array.body.error.message]).toEqual([400, 'Expected a JSON object as the request body, got an array.']);
    const broken = await g.call('POST', '/users', { rawJson: '{"displayName": ' });
    expect([broken.status, broken.body.error.code]).toEqual([400, 'BadRequest']);
    expect(broken.body.error.message).toMatch(/^Unable to read JSON request payload/);
  });

  test("a UPN with characters Entra forbids before the '@' -> 400 InvalidValue, nothing created", async () => {
    const before = g.sim.ctx.store.requireTenant(VERAFIELD.tenantId).users.size;
    for (const upn of [`a/../b@${VERAFIELD.domain}`, `a+b@${VERAFIELD.domain}`, `a=b@${VERAFIELD.domain}`, `ab.@${VERAFIELD.domain}`]) {
      const res = await g.call('POST', '/users', { body: newUserBody({ userPrincipalName: upn }) });
      expect([res.status, res.body.error.code, res.body.error.message]).toEqual([400, 'Request_BadRequest', "Invalid value specified for property 'userPrincipalName' of resource 'User'."]);
      expect(res.body.error.details).toEqual([expect.objectContaining({ code: 'InvalidValue', target: 'userPrincipalName' })]);
    }
    expect(g.sim.ctx.store.requireTenant(VERAFIELD.tenantId).users.size).toBe(before);
    const patch = await g.call('PATCH', `/users/${VERAFIELD.users.salesRep.id}`, { body: { userPrincipalName: `x|y@${VERAFIELD.domain}` } });
    expect([patch.status, patch.body.error.details[0].code]).toEqual([400, 'InvalidValue']);
    const ok = await g.call('POST', '/users', { body: newUserBody({ userPrincipalName: `o'neil.x-y_z!#^~@${VERAFIELD.domain}` }) });
    expect(ok.status).toBe(201);
  });

  test('PATCH /users/{id} -> 204 and the change is visible', async () => {
    const res = await g.call('PATCH', `/users/${VERAFIELD.users.salesRep.id}`, { body: { jobTitle: 'Sales Director' } });
    expect(res.status).toBe(204);
    expect((await g.get(`/users/${VERAFIELD.users.salesRep.id}?$select=jobTitle`)).body.jobTitle).toBe('Sales Director');
  });

  test('a soft-deleted user answers 404', async () => {
    const created = await g.call('POST', '/users', { body: newUserBody() });
    g.sim.ctx.store.deleteUser(VERAFIELD.tenantId, created.body.id);
    const res = await g.get(`/users/${created.body.id}`);
    expect([res.status, res.body.error.code]).toEqual([404, 'Request_ResourceNotFound']);
  });
});

describe('member references', () => {
  const group = VERAFIELD.groups.productAdmins;

  test('POST $ref adds, a second time -> 400, DELETE $ref removes, again -> 404 as real Graph answers', async () => {
    const user = VERAFIELD.users.platformEngineer.id;
    expect((await g.call('POST', `/groups/${group}/members/$ref`, { body: ref(user) })).status).toBe(204);
    expect(members(group)).toContain(user);
    const again = await g.call('POST', `/groups/${group}/members/$ref`, { body: ref(user) });
    expect(again.body.error.message).toBe("One or more added object references already exist for the following modified properties: 'members'.");
    expect((await g.call('DELETE', `/groups/${group}/members/${user}/$ref`)).status).toBe(204);
    const gone = await g.call('DELETE', `/groups/${group}/members/${user}/$ref`);
    // graph-facts §12 (microsoft-graph-docs issue 18714): not the 400 "removed object references do not exist".
    expect([gone.status, gone.body.error.code, gone.body.error.message]).toEqual([
      404,
      'Request_ResourceNotFound',
      `Resource '${user}' does not exist or one of its queried reference-property objects are not present.`,
    ]);
    const stranger = await g.call('DELETE', `/groups/${group}/members/00000000-0000-0000-0000-00000000abcd/$ref`);
    expect([stranger.status, stranger.body.error.code]).toEqual([404, 'Request_ResourceNotFound']);
  });

  test('an unknown object -> 404; a malformed @odata.id -> 400', async () => {
    expect((await g.call('POST', `/groups/${group}/members/$ref`, { body: ref('00000000-0000-0000-0000-00000000abcd') })).status).toBe(404);
    const malformed = await g.call('POST', `/groups/${group}/members/$ref`, { body: { '@odata.id': 'not a url' } });
    expect([malformed.status, malformed.body.error.message]).toEqual([400, expect.stringContaining('Invalid URL format specified in @odata.id')]);
  });

  test('dynamic groups refuse member changes', async () => {
    const res = await g.call('POST', `/groups/${VERAFIELD.groups.salesDynamic}/members/$ref`, { body: ref(VERAFIELD.users.financeEmployee.id) });
    expect(res.status).toBe(400);
  });

  test('members@odata.bind: at most 20, all or nothing', async () => {
    const candidates = [...g.sim.ctx.store.requireTenant(VERAFIELD.tenantId).users.keys()].filter((id) => !members(group).includes(id));
    const tooMany = await g.call('PATCH', `/groups/${group}`, {
      body: { 'members@odata.bind': candidates.slice(0, 21).map((id) => ref(id)['@odata.id']) },
    });
    expect([tooMany.status, tooMany.body.error.message]).toEqual([400, "'members@odata.bind' holds 21 references; at most 20 can be added in one request."]);

    const existing = members(group)[0];
    const before = members(group).length;
    const mixed = await g.call('PATCH', `/groups/${group}`, {
      body: { 'members@odata.bind': [...candidates.slice(0, 3), existing].map((id) => ref(id)['@odata.id']) },
    });
    expect(mixed.status).toBe(400);
    expect(members(group).length).toBe(before);

    const ok = await g.call('PATCH', `/groups/${group}`, { body: { 'members@odata.bind': candidates.slice(0, 20).map((id) => ref(id)['@odata.id']) } });
    expect(ok.status).toBe(204);
    expect(members(group).length).toBe(before + 20);
  });
});

describe('replication lag (faults.replicationLagMs)', () => {
  test('a new user is 404 to reads and member adds until the lag has passed', async () => {
    g.sim.ctx.faults.replicationLagMs = 5_000;
    const created = await g.call('POST', '/users', { body: newUserBody() });
    expect(created.status).toBe(201);
    expect((await g.get(`/users/${created.body.id}`)).status).toBe(404);
    const add = await g.call('POST', `/groups/${VERAFIELD.groups.socialClub}/members/$ref`, { body: ref(created.body.id) });
    expect([add.status, add.body.error.code]).toEqual([404, 'Request_ResourceNotFound']);
    g.sim.ctx.advanceClock(5_001);
    expect((await g.get(`/users/${created.body.id}`)).status).toBe(200);
    expect((await g.call('POST', `/groups/${VERAFIELD.groups.socialClub}/members/$ref`, { body: ref(created.body.id) })).status).toBe(204);
  });
});
