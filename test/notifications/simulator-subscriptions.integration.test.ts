/**
 * The simulator's change-notification subscriptions over real HTTPS, with a real HTTP endpoint receiving the
 * validation requests and notifications: creation only after validation, Graph's limits and permissions,
 * notifications shaped as Graph sends them on a directory change, retries when the endpoint fails, lifecycle
 * notifications sent through the control API, renew and delete.
 */
import { VERAFIELD } from '../../src/simulator/generator';
import { ALL_PERMISSIONS, startGraphSim, type GraphSim } from '../simulator/graph-client';
import { startReceiver, type Receiver } from './receiver';

const TENANT = VERAFIELD.tenantId;
const U = VERAFIELD.users;
const G = VERAFIELD.groups;

let g: GraphSim;
let receiver: Receiver;

beforeAll(async () => {
  g = await startGraphSim();
  receiver = await startReceiver();
  await g.sim.control.setNotificationSettings({ retryBaseMs: 20, retryCapMs: 100, pollMs: 10 });
});
afterAll(async () => {
  g.sim.control.close();
  await g.close();
  await receiver.close();
});
beforeEach(() => {
  receiver.validationMode = 'echo';
  receiver.failNext = 0;
});

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const body = (over: Record<string, unknown> = {}) => ({
  changeType: 'updated,deleted',
  notificationUrl: `${receiver.url}/graph/notifications`,
  lifecycleNotificationUrl: `${receiver.url}/graph/lifecycle`,
  resource: 'users',
  expirationDateTime: inHours(24),
  clientState: 'secret-client-state',
  ...over,
});

it('creates a subscription only after both URLs answered the validation request with the decoded token', async () => {
  const before = receiver.validations.length;
  const res = await g.call('POST', '/subscriptions', { body: body() });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ resource: 'users', changeType: 'updated,deleted', clientState: 'secret-client-state', applicationId: expect.any(String) });
  const tokens = receiver.validations.slice(before);
  expect(tokens).toHaveLength(2);
  // Graph's tokens hold spaces and colons: the endpoint saw them URL-decoded.
  expect(tokens[0]).toMatch(/^Validation: Testing client application reachability for subscription Request-Id: /);
  const listed = await g.get('/subscriptions');
  expect(listed.body.value.map((s: { id: string }) => s.id)).toContain(res.body.id);
  // Reads do not hand the secret back.
  expect(listed.body.value.find((s: { id: string }) => s.id === res.body.id).clientState).toBeNull();
  await g.call('DELETE', `/subscriptions/${res.body.id}`);
});

it.each([
  ['wrong-token', 'ValidationError', /Response must exactly match validationToken/],
  ['json', 'ValidationError', /Response must exactly match validationToken/],
  ['status-500', 'ValidationError', /must respond with 200 OK/],
] as const)('a validation answered %s fails creation with %s and leaves no subscription', async (mode, code, message) => {
  receiver.validationMode = mode;
  const before = (await g.sim.control.subscriptions()).subscriptions.length;
  const res = await g.call('POST', '/subscriptions', { body: body() });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe(code);
  expect(res.body.error.message).toMatch(message);
  expect((await g.sim.control.subscriptions()).subscriptions).toHaveLength(before);
});

it.each([
  [{ expirationDateTime: inHours(24 * 30) }, 400, /can only be 41760 minutes in the future/],
  [{ expirationDateTime: inHours(-1) }, 400, /in the past/],
  [{ changeType: 'created,updated' }, 400, /'created' is not supported for resource 'users'/],
  [{ notificationUrl: 'http://gateway.example.com/graph/notifications' }, 400, /must use the HTTPS protocol/],
  [{ clientState: 'x'.repeat(129) }, 400, /at most 128 characters/],
  [{ resource: 'me/messages' }, 400, /is not supported/],
])('refuses %j', async (over, status, message) => {
  const res = await g.call('POST', '/subscriptions', { body: body(over) });
  expect(res.status).toBe(status);
  expect(res.body.error.message).toMatch(message);
});

it('needs User.Read.All for users and Group.Read.All for groups (GroupMember.Read.All is not enough)', async () => {
  const memberReader = await g.tokenWith(['User.Read.All', 'GroupMember.Read.All']);
  expect((await g.call('POST', '/subscriptions', { token: memberReader, body: body({ resource: 'groups' }) })).status).toBe(403);
  const users = await g.call('POST', '/subscriptions', { token: memberReader, body: body({ resource: 'users' }) });
  expect(users.status).toBe(201);
  const noUsers = await g.tokenWith(['Group.Read.All']);
  expect((await g.call('POST', '/subscriptions', { token: noUsers, body: body({ resource: 'users' }) })).status).toBe(403);
  // Another app in the tenant sees none of this app's subscriptions.
  const other = await g.tokenWith(ALL_PERMISSIONS, '11111111-2222-3333-4444-555555555555');
  expect((await g.call('GET', `/subscriptions/${users.body.id}`, { token: other })).status).toBe(404);
  await g.call('DELETE', `/subscriptions/${users.body.id}`);
});

it('notifies a membership change as `updated` on the group and a user update on the user, shaped as Graph sends them', async () => {
  const groups = (await g.call('POST', '/subscriptions', { body: body({ resource: 'groups' }) })).body;
  const users = (await g.call('POST', '/subscriptions', { body: body({ resource: 'users' }) })).body;
  const seen = receiver.received.length;
  await g.sim.control.moveUser(TENANT, U.financeEmployee.id, G.finance, G.engineering);
  await g.sim.control.updateUser(TENANT, U.financeEmployee.id, { jobTitle: 'Platform Engineer' });
  const items = () => receiver.received.slice(seen).flatMap((r) => r.body.value);
  await receiver.until(() => items().length >= 3, 'two group notifications and one user notification');
  const forGroup = (id: string) => items().filter((n) => n.subscriptionId === groups.id && n.resourceData.id === id);
  expect(forGroup(G.finance)[0]).toEqual({
    subscriptionId: groups.id,
    subscriptionExpirationDateTime: groups.expirationDateTime,
    changeType: 'updated',
    resource: `Groups/${G.finance}`,
    resourceData: {
      '@odata.type': '#Microsoft.Graph.Group',
      '@odata.id': `Groups/${G.finance}`,
      id: G.finance,
      organizationId: TENANT,
      sequenceNumber: expect.any(Number),
      'members@delta': [{ id: U.financeEmployee.id, '@removed': 'deleted' }],
    },
    clientState: 'secret-client-state',
    tenantId: TENANT,
  });
  expect(forGroup(G.engineering)).toHaveLength(1);
  const userItems = items().filter((n) => n.subscriptionId === users.id);
  expect(userItems).toEqual([expect.objectContaining({ changeType: 'updated', resource: `Users/${U.financeEmployee.id}` })]);
  await g.call('DELETE', `/subscriptions/${groups.id}`);
  await g.call('DELETE', `/subscriptions/${users.id}`);
});

it('retries a delivery the endpoint failed, with back-off, until it is accepted', async () => {
  const s = (await g.call('POST', '/subscriptions', { body: body() })).body;
  const seen = receiver.received.length;
  receiver.failNext = 2;
  await g.sim.control.updateUser(TENANT, U.financeEmployee.id, { officeLocation: 'Retry 1' });
  await receiver.until((r) => r.slice(seen).some((x) => x.answeredWith === 202), 'an accepted delivery after two failures');
  const attempts = receiver.received.slice(seen);
  expect(attempts.map((a) => a.answeredWith)).toEqual([503, 503, 202]);
  // The same notification each time.
  expect(new Set(attempts.map((a) => JSON.stringify(a.body))).size).toBe(1);
  await g.call('DELETE', `/subscriptions/${s.id}`);
});

it('sends lifecycle notifications through the control API; subscriptionRemoved removes the subscription', async () => {
  const s = (await g.call('POST', '/subscriptions', { body: body() })).body;
  const seen = receiver.received.length;
  await g.sim.control.sendLifecycle(s.id, 'reauthorizationRequired');
  await g.sim.control.sendLifecycle(s.id, 'subscriptionRemoved');
  await receiver.until((r) => r.slice(seen).filter((x) => x.path === '/graph/lifecycle').length === 2, 'two lifecycle notifications');
  const events = receiver.received.slice(seen).flatMap((r) => r.body.value);
  expect(events).toEqual([
    { subscriptionId: s.id, subscriptionExpirationDateTime: s.expirationDateTime, tenantId: TENANT, clientState: 'secret-client-state', lifecycleEvent: 'reauthorizationRequired' },
    expect.objectContaining({ subscriptionId: s.id, lifecycleEvent: 'subscriptionRemoved' }),
  ]);
  expect((await g.get(`/subscriptions/${s.id}`)).status).toBe(404);
  expect((await g.call('POST', `/subscriptions/${s.id}/reauthorize`)).status).toBe(404);
});

// Last: it moves the simulator clock 4 hours.
it('drops a notification the endpoint refused for 4 hours of simulator time', async () => {
  const s = (await g.call('POST', '/subscriptions', { body: body() })).body;
  const before = (await g.sim.control.subscriptions()).stats.notificationsDropped;
  receiver.failNext = 1_000_000;
  await g.sim.control.updateUser(TENANT, U.financeEmployee.id, { officeLocation: 'Retry 2' });
  const seen = receiver.received.length;
  await receiver.until((r) => r.length > seen, 'a first failed attempt');
  await g.sim.control.advanceClock(4 * 3_600_000 + 1);
  await receiver.until((r) => r.length > seen + 1, 'the last attempt after the clock moved 4 hours');
  for (let i = 0; i < 100 && (await g.sim.control.subscriptions()).stats.notificationsDropped === before; i++) await new Promise((r) => setTimeout(r, 20));
  expect((await g.sim.control.subscriptions()).stats.notificationsDropped).toBe(before + 1);
  receiver.failNext = 0;
  // The clock moved 4 hours: the subscription still lives (24 h) and can be renewed, but not past Graph's limit.
  // (A fresh token: the old one expired with the clock.)
  const token = await g.tokenWith(ALL_PERMISSIONS);
  const renewed = await g.call('PATCH', `/subscriptions/${s.id}`, { token, body: { expirationDateTime: new Date(Date.now() + 4 * 3_600_000 + 48 * 3_600_000).toISOString() } });
  expect(renewed.status).toBe(200);
  const tooLong = await g.call('PATCH', `/subscriptions/${s.id}`, { token, body: { expirationDateTime: new Date(Date.now() + 4 * 3_600_000 + 30 * 24 * 3_600_000).toISOString() } });
  expect(tooLong.status).toBe(400);
  expect((await g.call('DELETE', `/subscriptions/${s.id}`, { token })).status).toBe(204);
});
