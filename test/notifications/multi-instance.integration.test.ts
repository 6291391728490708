/**
 * Near-real-time changes over two gateway instances on one database (issue 16, item 4): both instances' managers
 * look at once and the lease lets one create the subscriptions (two in the simulator, not four); a notification is
 * accepted by either instance (subscriptions are looked up in PostgreSQL, not in memory); the same notification
 * delivered to both instances leads to the change's events exactly once (the sync lease, and a round refused with
 * LEASE_HELD running again afterwards finds nothing new).
 */
import { VERAFIELD } from '../../src/simulator/generator';
import { Subscriber } from '../events/event-fixtures';
import { eventually, startNotificationBench, type NotificationBench } from './notification-fixtures';

const SIM_TENANT = VERAFIELD.tenantId;
const G = VERAFIELD.groups;
const MOVED = VERAFIELD.users.financeEmployee.id;

let bench: NotificationBench;
let tenantId: string;

const q = <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => bench.gw.database.dataSource.query(sql, params);

beforeAll(async () => {
  bench = await startNotificationBench({ secondInstance: true });
  tenantId = bench.tenantId;
  const access = bench.gw.services.access;
  const finance = await access.defineTier({ name: 'Finance', rank: 20, description: null });
  const engineering = await access.defineTier({ name: 'Engineering', rank: 30, description: null });
  await access.setMapping({ tenantId, groupId: G.finance, groupDisplayName: 'Finance', tierId: finance.id, createdBy: 'test' });
  await access.setMapping({ tenantId, groupId: G.engineering, groupDisplayName: 'Engineering', tierId: engineering.id, createdBy: 'test' });
  await eventually(() => q(`SELECT last_success_at FROM sync_state WHERE tenant_id = $1`, [tenantId]), (r) => Boolean(r[0]?.last_success_at), 'the initial round');
}, 120_000);

afterAll(async () => {
  await bench?.stop();
});

it('two instances looking at once create each subscription once (the management lease)', async () => {
  await Promise.all([bench.gw.services.notifications.manager.tick(), bench.gwB!.services.notifications.manager.tick()]);
  // Whichever lost the lease finds the work done on its next look.
  await Promise.all([bench.gw.services.notifications.manager.tick(), bench.gwB!.services.notifications.manager.tick()]);
  const rows = await q(`SELECT resource, subscription_id FROM graph_subscriptions WHERE tenant_id = $1 ORDER BY resource`, [tenantId]);
  expect(rows.map((r) => r.resource)).toEqual(['groups', 'users']);
  const simSubs = (await bench.sim.control.subscriptions()).subscriptions;
  expect(simSubs.map((s) => s.id).sort()).toEqual(rows.map((r) => r.subscription_id).sort());
});

it('the same notification delivered to both instances: each accepts it, the change reaches the subscriber once', async () => {
  const [groups] = await q(`SELECT subscription_id FROM graph_subscriptions WHERE tenant_id = $1 AND resource = 'groups'`, [tenantId]);
  // The clientState as Graph holds it (read back the way the endpoint does).
  const known = await bench.gwB!.services.notifications.records.lookup([groups.subscription_id]);
  const clientState = known.get(groups.subscription_id)!.clientState;

  const [latest] = await q<{ sequence: string }>(`SELECT sequence::text FROM directory_events WHERE tenant_id = $1 ORDER BY sequence DESC LIMIT 1`, [tenantId]);
  const key = await bench.gwB!.mintKey({ scopes: ['events:read'] as never, tenantIds: [tenantId] });
  const subscriber = new Subscriber(bench.gwB!.graphqlUrl, key).start({ tenantId, after: bench.gwB!.services.events.cursors.encode(tenantId, latest.sequence) });
  try {
    // The simulator's own notification goes to A (PUBLIC_URL); B gets a copy, as after a load balancer's retry.
    await bench.sim.control.moveUser(SIM_TENANT, MOVED, G.finance, G.dataTeam);
    const body = JSON.stringify({
      value: [{ subscriptionId: groups.subscription_id, clientState, changeType: 'updated', resource: `Groups/${G.finance}`, resourceData: { id: G.finance }, tenantId: SIM_TENANT }],
    });
    const toB = await fetch(`${bench.gwB!.url}/graph/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(toB.status).toBe(202);

    await subscriber.until((s) => s.received.some((e) => e.type === 'ACCESS_TIER_CHANGED'), 'the tier change');
    await Promise.all([bench.gw.services.notifications.trigger.whenIdle(), bench.gwB!.services.notifications.trigger.whenIdle()]);
    expect(bench.gwB!.services.notifications.trigger.stats.notified).toBeGreaterThanOrEqual(1);
    // Every round that ran after the move is complete: the tier change is in the log once.
    const changes = await q(`SELECT count(*)::int AS n FROM directory_events WHERE tenant_id = $1 AND type = 'ACCESS_TIER_CHANGED' AND subject_id = $2`, [tenantId, MOVED]);
    expect(changes[0].n).toBe(1);
    expect(subscriber.received.filter((e) => e.type === 'ACCESS_TIER_CHANGED')).toHaveLength(1);
    expect(subscriber.received.filter((e) => e.type === 'MEMBERSHIP_ADDED' && e.payload.scope === 'DIRECT')).toHaveLength(1);
  } finally {
    await subscriber.stop();
  }
});
