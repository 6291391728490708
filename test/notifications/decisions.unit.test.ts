/** The decisions of near-real-time changes, as tables (src/notifications/decisions.ts). */
import {
  clientStateMatches,
  notificationAvailability,
  parseChangeNotifications,
  parseLifecycleNotifications,
  subscriptionSteps,
  triggerStep,
  wantedResources,
  type SubscriptionRow,
  type TriggerEvent,
  type TriggerState,
} from '../../src/notifications/decisions';

describe('notificationAvailability', () => {
  it.each([
    [{ mode: 'off', publicUrl: 'https://gateway.example.com', customCloud: false }, false, /GRAPH_NOTIFICATIONS=off/],
    [{ mode: 'auto', publicUrl: 'https://gateway.example.com', customCloud: false }, true, /https on a public host/],
    [{ mode: 'auto', publicUrl: 'http://gateway.example.com', customCloud: false }, false, /must be https/],
    [{ mode: 'auto', publicUrl: 'https://localhost:4000', customCloud: false }, false, /cannot be reached/],
    [{ mode: 'auto', publicUrl: 'https://10.1.2.3', customCloud: false }, false, /cannot be reached/],
    [{ mode: 'auto', publicUrl: 'https://192.168.1.10:8443', customCloud: false }, false, /cannot be reached/],
    [{ mode: 'auto', publicUrl: 'https://[::1]:4000', customCloud: false }, false, /cannot be reached/],
    [{ mode: 'auto', publicUrl: 'https://gateway', customCloud: false }, false, /cannot be reached/],
    [{ mode: 'auto', publicUrl: 'http://127.0.0.1:4000', customCloud: true }, true, /simulator/],
    [{ mode: 'off', publicUrl: 'http://127.0.0.1:4000', customCloud: true }, false, /off/],
  ] as const)('%j -> enabled %s', (facts, enabled, reason) => {
    const result = notificationAvailability(facts);
    expect(result.enabled).toBe(enabled);
    expect(result.reason).toMatch(reason);
  });
});

describe('wantedResources', () => {
  it.each([
    [{ status: 'ACTIVE', features: ['READ_DIRECTORY'], grantedScopes: ['User.Read.All', 'GroupMember.Read.All'] }, ['users'], { groups: /needs Group.Read.All/ }],
    [{ status: 'ACTIVE', features: ['READ_DIRECTORY'], grantedScopes: ['User.Read.All', 'Group.Read.All'] }, ['users', 'groups'], {}],
    [{ status: 'ACTIVE', features: ['READ_DIRECTORY'], grantedScopes: ['https://graph.microsoft.com/Directory.Read.All'] }, ['users', 'groups'], {}],
    [{ status: 'ACTIVE', features: ['READ_DIRECTORY'], grantedScopes: ['User.ReadWrite.All', 'Group.ReadWrite.All'] }, ['users', 'groups'], {}],
    [{ status: 'ACTIVE', features: ['READ_ROLES'], grantedScopes: ['User.Read.All', 'Group.Read.All'] }, [], { users: /READ_DIRECTORY/, groups: /READ_DIRECTORY/ }],
    [{ status: 'DISCONNECTED', features: ['READ_DIRECTORY'], grantedScopes: ['User.Read.All', 'Group.Read.All'] }, [], { users: /DISCONNECTED/ }],
  ])('%j wants %j', (tenant, wanted, skipped) => {
    const result = wantedResources(tenant);
    expect(result.wanted).toEqual(wanted);
    for (const [resource, reason] of Object.entries(skipped)) expect(result.skipped.find((s) => s.resource === resource)?.reason).toMatch(reason as RegExp);
  });
});

describe('subscriptionSteps', () => {
  const now = new Date('2026-12-04T12:00:00Z');
  const hours = (h: number) => new Date(now.getTime() + h * 3_600_000);
  const RENEW_BEFORE = 48 * 3_600_000;
  const both = { status: 'ACTIVE', features: ['READ_DIRECTORY'], grantedScopes: ['User.Read.All', 'Group.Read.All'] };
  const row = (over: Partial<SubscriptionRow>): SubscriptionRow => ({ resource: 'users', subscriptionId: 'sub-u', expiresAt: hours(100), nextAttemptAt: null, reauthorizeRequested: false, ...over });
  it.each([
    ['nothing yet: create both', both, [], [['users', 'create'], ['groups', 'create']]],
    ['both live and far from expiry: nothing', both, [row({}), row({ resource: 'groups', subscriptionId: 'sub-g' })], []],
    ['one expiring within the renewal window: renew it', both, [row({ expiresAt: hours(47) }), row({ resource: 'groups', subscriptionId: 'sub-g' })], [['users', 'renew']]],
    ['expired: create again', both, [row({ expiresAt: hours(-1) }), row({ resource: 'groups', subscriptionId: 'sub-g' })], [['users', 'create']]],
    ['removed by Graph (id forgotten): create again', both, [row({ subscriptionId: null, expiresAt: null }), row({ resource: 'groups', subscriptionId: 'sub-g' })], [['users', 'create']]],
    ['a failure waiting for its retry time: nothing yet', both, [row({ subscriptionId: null, nextAttemptAt: hours(1) }), row({ resource: 'groups', subscriptionId: 'sub-g' })], []],
    ['reauthorization asked for: reauthorize', both, [row({ reauthorizeRequested: true }), row({ resource: 'groups', subscriptionId: 'sub-g' })], [['users', 'reauthorize']]],
    ['tenant disconnected: delete what exists', { ...both, status: 'DISCONNECTED' }, [row({}), row({ resource: 'groups', subscriptionId: 'sub-g' })], [['users', 'delete'], ['groups', 'delete']]],
    ['Group.Read.All gone: delete the groups one', { ...both, grantedScopes: ['User.Read.All'] }, [row({}), row({ resource: 'groups', subscriptionId: 'sub-g' })], [['groups', 'delete']]],
  ] as const)('%s', (_name, tenant, rows, expected) => {
    expect(subscriptionSteps(tenant, rows, now, RENEW_BEFORE).map((s) => [s.resource, s.action])).toEqual(expected);
  });
});

describe('notification bodies', () => {
  it.each([
    ['null', null, /expected a JSON object/],
    ['an array', [], /expected a JSON object/],
    ['no value', {}, /value: expected an array/],
    ['an empty value', { value: [] }, /at least one/],
    ['a number item', { value: [1] }, /value\[0\]: expected an object, got number/],
    ['an item without subscriptionId', { value: [{ clientState: 'x' }] }, /value\[0\].subscriptionId: expected a string, got nothing/],
    ['1001 items', { value: Array.from({ length: 1001 }, () => ({ subscriptionId: 's' })) }, /at most 1000/],
  ])('refuses %s', (_label, body, problem) => {
    const parsed = parseChangeNotifications(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });

  it('reads change and lifecycle notifications', () => {
    expect(parseChangeNotifications({ value: [{ subscriptionId: 's', clientState: 'c', changeType: 'updated', resource: 'Users/1', tenantId: 't' }] })).toEqual({
      ok: true,
      items: [{ subscriptionId: 's', clientState: 'c', changeType: 'updated', resource: 'Users/1', tenantId: 't' }],
    });
    expect(parseLifecycleNotifications({ value: [{ subscriptionId: 's', clientState: 'c', lifecycleEvent: 'missed' }] })).toEqual({
      ok: true,
      items: [{ subscriptionId: 's', clientState: 'c', lifecycleEvent: 'missed' }],
    });
    expect(parseLifecycleNotifications({ value: [{ subscriptionId: 's', lifecycleEvent: 'deleted' }] })).toMatchObject({ ok: false, problem: expect.stringMatching(/lifecycleEvent/) });
  });

  it.each([
    ['secret', 'secret', true],
    ['secret', 'Secret', false],
    ['secre', 'secret', false],
    [null, 'secret', false],
    ['', 'secret', false],
  ])('clientState %j against %j: %s', (received, expected, matches) => {
    expect(clientStateMatches(received, expected)).toBe(matches);
  });
});

describe('triggerStep: one round per burst, one more when asked during a round, LEASE_HELD retried', () => {
  const s = { debounceMs: 500, leaseRetryMs: 1_000, maxLeaseRetries: 2 };
  const idle: TriggerState = { kind: 'idle' };
  const run = (events: TriggerEvent[]) => {
    let state: TriggerState = idle;
    const actions: string[] = [];
    for (const event of events) {
      const step = triggerStep(state, event, s);
      state = step.state;
      actions.push(step.action.kind === 'startTimer' ? `timer ${step.action.ms}` : step.action.kind);
    }
    return { state: state.kind, actions };
  };
  const N: TriggerEvent = { kind: 'notified' };
  const T: TriggerEvent = { kind: 'timer' };
  const done = (outcome: 'ran' | 'failed' | 'leaseHeld' | 'skipped'): TriggerEvent => ({ kind: 'roundDone', outcome });
  it.each([
    ['a burst: one timer, one round', [N, N, N, T, done('ran')], 'idle', ['timer 500', 'none', 'none', 'runRound', 'none']],
    ['notified during the round: one more round after it', [N, T, N, N, done('ran'), T, done('ran')], 'idle', ['timer 500', 'runRound', 'none', 'none', 'timer 500', 'runRound', 'none']],
    ['LEASE_HELD: retried after the lease retry delay', [N, T, done('leaseHeld'), T, done('ran')], 'idle', ['timer 500', 'runRound', 'timer 1000', 'runRound', 'none']],
    ['LEASE_HELD too often: gives up (polling is the net)', [N, T, done('leaseHeld'), T, done('leaseHeld'), T, done('leaseHeld')], 'idle', ['timer 500', 'runRound', 'timer 1000', 'runRound', 'timer 1000', 'runRound', 'none']],
    ['a failed round is not retried by the trigger', [N, T, done('failed')], 'idle', ['timer 500', 'runRound', 'none']],
    ['a stray timer while idle does nothing', [T], 'idle', ['none']],
  ] as const)('%s', (_name, events, state, actions) => {
    expect(run([...events])).toEqual({ state, actions });
  });
});
