/**
 * Near-real-time changes end to end (issue 16): Verafield connected with CHANGE_NOTIFICATIONS, the scheduler
 * polling every 300 s. The gateway creates Graph subscriptions on users and groups in the simulator (which
 * validates PUBLIC_URL/graph/notifications first). A Finance employee moved into Engineering reaches a graphql-ws
 * subscriber as exactly one ACCESS_TIER_CHANGED, through the simulator's notification and a debounced delta round,
 * long before the next poll. Forged notifications (wrong clientState, unknown subscription) change nothing.
 * Lifecycle notifications re-create, reauthorize, or trigger a round; a disconnected tenant's subscriptions go.
 * No mocks: real HTTP(S), PostgreSQL, MSAL, graphql-ws; waits are on what the server sends or on stored state.
 */
import { VERAFIELD } from '../../src/simulator/generator';
import { Subscriber } from '../events/event-fixtures';
import { eventually, startNotificationBench, type NotificationBench } from './notification-fixtures';

const SIM_TENANT = VERAFIELD.tenantId;
const G = VERAFIELD.groups;
const MOVED = VERAFIELD.users.financeEmployee.id;

let bench: NotificationBench;
let tenantId: string;
let subscriber: Subscriber;

const q = <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => bench.gw.database.dataSource.query(sql, params);
const rows = () => q<{ resource: string; subscription_id: string | null; client_state: string | null; expires_at: Date | null; consecutive_failures: number }>(
  `SELECT resource, subscription_id, client_state, expires_at, consecutive_failures FROM graph_subscriptions WHERE tenant_id = $1 ORDER BY resource`,
  [tenantId],
);
const post = (path: string, body: unknown, query = '') =>
  fetch(`${bench.gw.url}${path}${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  bench = await startNotificationBench();
  tenantId = bench.tenantId;
  const access = bench.gw.services.access;
  const finance = await access.defineTier({ name: 'Finance', rank: 20, description: null });
  const engineering = await access.defineTier({ name: 'Engineering', rank: 30, description: null });
  await access.setMapping({ tenantId, groupId: G.finance, groupDisplayName: 'Finance', tierId: finance.id, createdBy: 'test' });
  await access.setMapping({ tenantId, groupId: G.engineering, groupDisplayName: 'Engineering', tierId: engineering.id, createdBy: 'test' });
  // The scheduler's first round (the full load); the next poll is 300 s away.
  await eventually(() => q(`SELECT last_success_at FROM sync_state WHERE tenant_id = $1`, [tenantId]), (r) => Boolean(r[0]?.last_success_at), 'the initial round');

  // The subscription manager's look: both subscriptions created (the simulator validated our endpoint first).
  await bench.gw.services.notifications.manager.tick();
  const created = await rows();
  expect(created.map((r) => r.resource)).toEqual(['groups', 'users']);
  for (const row of created) {
    expect(row.subscription_id).toEqual(expect.any(String));
    // Encrypted at rest: the stored value is the versioned ciphertext, not the secret Graph echoes.
    expect(row.client_state).toMatch(/^v1\./);
    expect(row.expires_at!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  }
  const simSubs = (await bench.sim.control.subscriptions()).subscriptions;
  expect(simSubs.map((s) => s.notificationUrl).sort()).toEqual([`${bench.gw.url}/graph/notifications`, `${bench.gw.url}/graph/notifications`]);
  expect(simSubs.map((s) => s.changeTypes.join(','))).toEqual(['updated,deleted', 'updated,deleted']);

  const [latest] = await q<{ sequence: string }>(`SELECT sequence::text FROM directory_events WHERE tenant_id = $1 ORDER BY sequence DESC LIMIT 1`, [tenantId]);
  const key = await bench.gw.mintKey({ scopes: ['events:read'] as never, tenantIds: [tenantId] });
  subscriber = new Subscriber(bench.gw.graphqlUrl, key).start({ tenantId, after: bench.gw.services.events.cursors.encode(tenantId, latest.sequence) });
  // Live: a heartbeat of our own is not available, so the first wait below is on real events.
}, 120_000);

afterAll(async () => {
  await subscriber?.stop();
  await bench?.stop();
});

it('a Finance employee moved into Engineering reaches the subscriber as one ACCESS_TIER_CHANGED, by notification, with polling at 300 s', async () => {
  const roundsBefore = bench.gw.services.notifications.trigger.stats.rounds;
  const [{ next_run_at: nextPoll }] = await q(`SELECT next_run_at FROM sync_state WHERE tenant_id = $1`, [tenantId]);
  await bench.sim.control.moveUser(SIM_TENANT, MOVED, G.finance, G.dataTeam);
  await subscriber.until((s) => s.received.some((e) => e.type === 'ACCESS_TIER_CHANGED' && e.subjectId === MOVED), 'the tier change');
  // Everything of that round: up to its SYNC_COMPLETED.
  await subscriber.until((s) => s.received.some((e) => e.type === 'SYNC_COMPLETED'), "the round's SYNC_COMPLETED");
  const tierChanges = subscriber.received.filter((e) => e.type === 'ACCESS_TIER_CHANGED');
  expect(tierChanges).toHaveLength(1);
  expect(tierChanges[0].payload).toMatchObject({ userId: MOVED, old: { name: 'Finance', rank: 20 }, new: { name: 'Engineering', rank: 30 } });
  // The round came from the notification, not from the scheduler: the poll was still minutes away.
  await bench.gw.services.notifications.trigger.whenIdle();
  expect(bench.gw.services.notifications.trigger.stats.rounds).toBeGreaterThan(roundsBefore);
  expect(new Date(nextPoll).getTime()).toBeGreaterThan(Date.now() + 60_000);
  expect(subscriber.errors).toEqual([]);
});

it('forged notifications (wrong clientState, unknown subscription) are refused and change nothing; nothing secret is logged', async () => {
  await bench.gw.services.notifications.trigger.whenIdle();
  const [users] = (await rows()).filter((r) => r.resource === 'users');
  const notifiedBefore = bench.gw.services.notifications.trigger.stats.notified;
  const [{ events: eventsBefore }] = await q(`SELECT count(*)::int AS events FROM directory_events WHERE tenant_id = $1`, [tenantId]);
  const forgedState = 'forged-client-state-value-0123456789';
  const item = (subscriptionId: string, clientState: string | null) => ({
    subscriptionId,
    clientState,
    changeType: 'updated',
    resource: `Users/${MOVED}`,
    resourceData: { '@odata.type': '#Microsoft.Graph.User', id: MOVED },
    tenantId: SIM_TENANT,
  });
  expect((await post('/graph/notifications', { value: [item(users.subscription_id!, forgedState)] })).status).toBe(403);
  expect((await post('/graph/notifications', { value: [item(users.subscription_id!, null)] })).status).toBe(403);
  expect((await post('/graph/notifications', { value: [item('00000000-0000-0000-0000-000000000000', forgedState)] })).status).toBe(403);
  expect((await post('/graph/lifecycle', { value: [{ subscriptionId: users.subscription_id, clientState: forgedState, lifecycleEvent: 'subscriptionRemoved' }] })).status).toBe(403);
  const malformed = await post('/graph/notifications', { value: 'nope' });
  expect(malformed.status).toBe(400);
  expect(await malformed.json()).toEqual({ error: { code: 'BadRequest', message: 'value: expected an array of notifications, got string' } });

  expect(bench.gw.services.notifications.trigger.stats.notified).toBe(notifiedBefore);
  expect(bench.gw.services.notifications.trigger.idle()).toBe(true);
  const [{ events: eventsAfter }] = await q(`SELECT count(*)::int AS events FROM directory_events WHERE tenant_id = $1`, [tenantId]);
  expect(eventsAfter).toBe(eventsBefore);
  // The forged lifecycle notification removed nothing.
  expect((await rows()).find((r) => r.resource === 'users')!.subscription_id).toBe(users.subscription_id);
  const refusals = bench.gw.logs.entries().filter((e) => e.msg === 'refused notifications that do not verify');
  expect(refusals.length).toBeGreaterThanOrEqual(4);
  expect(bench.gw.logs.text()).not.toContain(forgedState);
});

it('answers the validation handshake with the decoded token as text/plain', async () => {
  const token = 'Validation: Testing client application reachability <script>alert(1)</script>';
  const res = await fetch(`${bench.gw.url}/graph/notifications?validationToken=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(await res.text()).toBe(token);
});

it('lifecycle: subscriptionRemoved re-creates the subscription, reauthorizationRequired reauthorizes it, missed runs a round', async () => {
  const trigger = bench.gw.services.notifications.trigger;
  const [groupsBefore] = (await rows()).filter((r) => r.resource === 'groups');

  await bench.sim.control.sendLifecycle(groupsBefore.subscription_id!, 'subscriptionRemoved');
  const recreated = await eventually(rows, (r) => Boolean(r.find((x) => x.resource === 'groups')?.subscription_id && r.find((x) => x.resource === 'groups')!.subscription_id !== groupsBefore.subscription_id), 'a new groups subscription');
  const groupsNow = recreated.find((r) => r.resource === 'groups')!;
  expect((await bench.sim.control.subscriptions()).subscriptions.map((s) => s.id)).toContain(groupsNow.subscription_id);

  const reauthorizations = async () => (await bench.sim.control.counters()).byEndpoint['POST /subscriptions/{id}/reauthorize'] ?? 0;
  const before = await reauthorizations();
  await bench.sim.control.sendLifecycle(groupsNow.subscription_id!, 'reauthorizationRequired');
  await eventually(reauthorizations, (n) => n === before + 1, 'one reauthorize call');

  await trigger.whenIdle();
  const rounds = trigger.stats.rounds;
  await bench.sim.control.sendLifecycle(groupsNow.subscription_id!, 'missed');
  await eventually(async () => trigger.stats.rounds, (n) => n > rounds, 'a round after the missed notification');
});

it('shows the subscriptions on Tenant.changeNotifications, and a failed creation as FAILING while polling continues', async () => {
  const read = () =>
    bench.admin.request<{ tenant: { changeNotifications: { enabled: boolean; reason: string; subscriptions: Array<{ resource: string; state: string; lastError: string | null; consecutiveFailures: number }> } } }>(
      `query($id: ID!) { tenant(id: $id) { changeNotifications { enabled reason subscriptions { resource state reason expiresAt lastError consecutiveFailures } } } }`,
      { id: tenantId },
    );
  const ok = (await read()).tenant.changeNotifications;
  expect(ok.enabled).toBe(true);
  expect(ok.subscriptions.map((s) => [s.resource, s.state])).toEqual([
    ['groups', 'ACTIVE'],
    ['users', 'ACTIVE'],
  ]);

  // Graph removes the users subscription and then refuses to create one (the endpoint fails validation).
  const [users] = (await rows()).filter((r) => r.resource === 'users');
  await bench.sim.control.setFaults({ throttleNextRequests: 100, retryAfterSeconds: 0 });
  try {
    await bench.sim.control.sendLifecycle(users.subscription_id!, 'subscriptionRemoved');
    await eventually(rows, (r) => r.find((x) => x.resource === 'users')!.consecutive_failures > 0, 'a recorded failure');
  } finally {
    await bench.sim.control.setFaults({ throttleNextRequests: 0, retryAfterSeconds: 1 });
  }
  const failing = (await read()).tenant.changeNotifications.subscriptions.find((s) => s.resource === 'users')!;
  expect(failing.state).toBe('FAILING');
  expect(failing.lastError).toMatch(/create failed/);
  expect(failing.consecutiveFailures).toBe(1);

  // And as a drift finding (the rules run after each round; here on demand).
  const drift = await bench.gw.services.drift.evaluate(tenantId, { syncFailures: 0 });
  expect(drift.open.filter((f) => f.rule === 'CHANGE_NOTIFICATIONS_FAILING').map((f) => f.subjectId)).toEqual(['notifications:users']);
});

it('deletes the subscriptions of a disconnected tenant', async () => {
  await bench.admin.request(`mutation($id: ID!) { disconnectTenant(id: $id) { status } }`, { id: tenantId });
  await bench.gw.services.notifications.manager.tick();
  expect(await rows()).toEqual([]);
  expect((await bench.sim.control.subscriptions()).subscriptions.filter((s) => s.tenantId === SIM_TENANT)).toEqual([]);
});
