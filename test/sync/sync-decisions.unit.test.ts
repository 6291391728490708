/** The sync part's pure decisions: folding delta pages, effective membership, and when to run next. */
import { changedFields, DeltaBuffer } from '../../src/sync/delta-buffer';
import { diffEffective, diffUsersEffective, effectiveOfUser, effectiveUsers, withAncestors } from '../../src/sync/effective';
import { userOutcome } from '../../src/sync/apply-users';
import type { ObjectChange } from '../../src/sync/apply-objects';
import { FAILURE_BASE_SECONDS, FAILURE_CAP_SECONDS, nextRunDelaySeconds, nextTickDelayMs, shouldWriteSyncCompleted } from '../../src/sync/schedule';

const user = (id: string) => ({ '@odata.type': '#microsoft.graph.user', id });
const group = (id: string) => ({ '@odata.type': '#microsoft.graph.group', id });

describe('DeltaBuffer', () => {
  it('merges a group repeated across pages: properties once, members from every page', () => {
    const buffer = new DeltaBuffer();
    buffer.addGroups([{ id: 'G1', displayName: 'All', groupTypes: ['Unified'], 'members@delta': [user('U1'), user('U2')] }]);
    buffer.addGroups([{ id: 'g1', displayName: 'All', groupTypes: ['Unified'], 'members@delta': [user('U3'), group('G2')] }]);
    const g = buffer.groups.get('g1')!;
    expect(buffer.groups.size).toBe(1);
    expect(g.fields).toEqual({ displayName: 'All', groupTypes: ['Unified'] });
    expect([...g.members]).toEqual([
      ['u1', { type: 'user', removed: false }],
      ['u2', { type: 'user', removed: false }],
      ['u3', { type: 'user', removed: false }],
      ['g2', { type: 'group', removed: false }],
    ]);
  });

  it('keeps the latest entry of a member and of an object (replayed changes, removal then restore)', () => {
    const buffer = new DeltaBuffer();
    buffer.addGroups([{ id: 'g1', 'members@delta': [user('u1'), { ...user('u2'), '@removed': { reason: 'deleted' } }] }]);
    buffer.addGroups([{ id: 'g1', 'members@delta': [{ ...user('u1'), '@removed': { reason: 'deleted' } }, user('u2')] }]);
    expect(Object.fromEntries([...buffer.groups.get('g1')!.members].map(([id, m]) => [id, m.removed]))).toEqual({ u1: true, u2: false });

    buffer.addUsers([{ id: 'u9', jobTitle: 'A' }, { id: 'u9', '@removed': { reason: 'changed' } }]);
    expect(buffer.users.get('u9')).toEqual({ id: 'u9', removed: 'changed', restarted: false, fields: {} });
    buffer.addUsers([{ id: 'u9', displayName: 'Back' }]);
    // Back after its removal in the same buffer (page): what earlier pages staged for it must not count either.
    expect(buffer.users.get('u9')).toEqual({ id: 'u9', removed: null, restarted: true, fields: { displayName: 'Back' } });
  });

  it.each([
    ['listed once', [{ id: 'g1', displayName: 'A', 'members@delta': [user('u1')] }], { removed: null, restarted: false, members: ['u1'] }],
    ['removed', [{ id: 'g1', 'members@delta': [user('u1')] }, { id: 'g1', '@removed': { reason: 'deleted' } }], { removed: 'deleted', restarted: false, members: [] }],
    [
      'removed and re-added: only what follows the removal',
      [{ id: 'g1', displayName: 'A', 'members@delta': [user('u1')] }, { id: 'g1', '@removed': { reason: 'changed' } }, { id: 'g1', displayName: 'B', 'members@delta': [user('u2')] }],
      { removed: null, restarted: true, members: ['u2'] },
    ],
    [
      're-added, then repeated for more members: still restarted',
      [{ id: 'g1', '@removed': { reason: 'changed' } }, { id: 'g1', displayName: 'B', 'members@delta': [user('u2')] }, { id: 'g1', 'members@delta': [user('u3')] }],
      { removed: null, restarted: true, members: ['u2', 'u3'] },
    ],
    ['removed, re-added, removed again', [{ id: 'g1', displayName: 'A' }, { id: 'g1', '@removed': { reason: 'changed' } }, { id: 'g1', displayName: 'B' }, { id: 'g1', '@removed': { reason: 'deleted' } }], { removed: 'deleted', restarted: false, members: [] }],
  ])('a group %s within one page', (_name, items, expected) => {
    const buffer = new DeltaBuffer();
    buffer.addGroups(items);
    const g = buffer.groups.get('g1')!;
    expect({ removed: g.removed, restarted: g.restarted, members: [...g.members.keys()] }).toEqual(expected);
  });

  it('records only the properties the delta carried; changedFields compares them (arrays by content)', () => {
    const buffer = new DeltaBuffer();
    buffer.addUsers([{ id: 'u1', jobTitle: 'Lead', accountEnabled: false }]);
    expect(buffer.users.get('u1')!.fields).toEqual({ jobTitle: 'Lead', accountEnabled: false });
    expect(changedFields({ jobTitle: 'Lead', accountEnabled: true, department: 'X' }, { jobTitle: 'Lead', accountEnabled: false })).toEqual(['accountEnabled']);
    expect(changedFields({ groupTypes: ['a', 'b'] }, { groupTypes: ['b', 'a'] })).toEqual([]);
  });
});

describe('effective membership', () => {
  const edges: Record<string, { users: string[]; groups: string[] }> = {
    eng: { users: ['u1'], groups: ['platform', 'data'] },
    platform: { users: ['u2'], groups: ['sre'] },
    data: { users: ['u3', 'u2'], groups: [] },
    sre: { users: ['u4'], groups: ['eng'] }, // a cycle back to the top
  };
  const graph = { users: (g: string) => edges[g]?.users ?? [], childGroups: (g: string) => edges[g]?.groups ?? [] };

  it('reaches every user through nesting with the shortest path (ties: smallest group id), and survives cycles', () => {
    expect(Object.fromEntries(effectiveUsers('eng', graph))).toEqual({
      u1: ['eng'],
      u2: ['eng', 'data'],
      u3: ['eng', 'data'],
      u4: ['eng', 'platform', 'sre'],
    });
    expect(Object.fromEntries(effectiveUsers('sre', graph))).toEqual({
      u4: ['sre'],
      u1: ['sre', 'eng'],
      u2: ['sre', 'eng', 'data'],
      u3: ['sre', 'eng', 'data'],
    });
  });

  it('finds ancestors through nesting, cycle-safe', () => {
    const parents: Record<string, string[]> = { sre: ['platform'], platform: ['eng'], eng: ['sre'], data: ['eng'] };
    expect([...withAncestors(['data'], (g) => parents[g] ?? [])].sort()).toEqual(['data', 'eng', 'platform', 'sre']);
  });

  it('diffs stored rows against recomputed ones: added, removed, and rerouted without an event', () => {
    const stored = [
      { groupId: 'eng', userId: 'u1', path: ['eng'] },
      { groupId: 'eng', userId: 'u2', path: ['eng', 'data'] },
      { groupId: 'eng', userId: 'u5', path: ['eng'] },
    ];
    const computed = new Map([['eng', new Map([['u1', ['eng']], ['u2', ['eng', 'platform']], ['u6', ['eng']]])]]);
    expect(diffEffective(stored, computed)).toEqual({
      added: [{ groupId: 'eng', userId: 'u6', path: ['eng'] }],
      removed: [{ groupId: 'eng', userId: 'u5', path: ['eng'] }],
      rerouted: [{ groupId: 'eng', userId: 'u2', path: ['eng', 'platform'] }],
    });
  });
});

describe('shouldWriteSyncCompleted (the heartbeat of a quiet tenant)', () => {
  it.each([
    // changeEvents, initial, secondsSinceLast, heartbeat, expected
    [3, false, 10, 3600, true], // a round that changed something always reports
    [0, true, null, 3600, true], // the first load reports its end
    [0, true, 10, 3600, true],
    [0, false, null, 3600, true], // none ever written (a tenant synced before the heartbeat existed)
    [0, false, 10, 3600, false], // quiet, last one recent
    [0, false, 3599.9, 3600, false],
    [0, false, 3600, 3600, true], // quiet, the heartbeat is due
    [0, false, 90_000, 3600, true],
    [0, false, 1, 0, true], // heartbeat 0: every round
  ])('changes=%p initial=%p since=%p heartbeat=%p -> %p', (changeEvents, initial, secondsSinceLast, heartbeatSeconds, expected) => {
    expect(shouldWriteSyncCompleted({ changeEvents, initial, secondsSinceLast, heartbeatSeconds })).toBe(expected);
  });
});

describe('nextRunDelaySeconds', () => {
  it('after a success: the interval within +-10%', () => {
    expect(nextRunDelaySeconds({ ok: true, consecutiveFailures: 0, intervalSeconds: 300, random: 0 })).toBe(270);
    expect(nextRunDelaySeconds({ ok: true, consecutiveFailures: 0, intervalSeconds: 300, random: 0.5 })).toBe(300);
    expect(nextRunDelaySeconds({ ok: true, consecutiveFailures: 0, intervalSeconds: 300, random: 0.999999 })).toBe(330);
  });

  it('after failures: exponential from 30 s, capped at an hour', () => {
    const delays = [1, 2, 3, 4, 8, 30].map((n) => nextRunDelaySeconds({ ok: false, consecutiveFailures: n, intervalSeconds: 86_400, random: 0.5 }));
    expect(delays).toEqual([FAILURE_BASE_SECONDS, 60, 120, 240, 3600, FAILURE_CAP_SECONDS]);
  });

  // [failures, interval, Retry-After, random, expected]
  it.each([
    [1, 2, undefined, 0.5, 2], // a 2 s tenant is not left 30 s behind by one failure
    [1, 300, undefined, 0.5, 30],
    [5, 300, undefined, 0.5, 300], // back-off (480) longer than the interval: the interval
    [5, 300, undefined, 0, 270], // with jitter
    [1, 2, 10, 0.5, 10], // Graph said wait 10 s: never sooner
    [1, 300, 10, 0.5, 30], // Retry-After shorter than the back-off: the back-off
    [1, 300, 0.2, 0.5, 30],
    [1, 2, 0.2, 0.5, 2], // a sub-second Retry-After rounds up to 1 s, below the interval
    [1, 0, undefined, 0.5, 30], // no interval: the back-off alone
    [1, 2, Number.NaN, 0.5, 2], // a broken Retry-After is ignored
  ])('after %i failure(s) with interval %i s and Retry-After %p (random %p): %i s', (failures, interval, retryAfter, random, expected) => {
    expect(nextRunDelaySeconds({ ok: false, consecutiveFailures: failures, intervalSeconds: interval, random, retryAfterSeconds: retryAfter })).toBe(expected);
  });
});

describe('one user\'s effective groups (the delta round recompute)', () => {
  // eng > platform > sre > oncall; eng > data; oncall > eng (a cycle); zeta > oncall
  const parents: Record<string, string[]> = { platform: ['eng'], sre: ['platform'], oncall: ['sre', 'zeta'], data: ['eng'], eng: ['oncall'] };
  const parentsOf = (g: string) => parents[g] ?? [];

  it.each([
    ['a direct member of one leaf', ['data'], { data: ['data'], eng: ['eng', 'data'], oncall: ['oncall', 'eng', 'data'], sre: ['sre', 'oncall', 'eng', 'data'], platform: ['platform', 'sre', 'oncall', 'eng', 'data'], zeta: ['zeta', 'oncall', 'eng', 'data'] }],
    ['shortest path wins', ['oncall', 'data'], { oncall: ['oncall'], data: ['data'], eng: ['eng', 'data'], sre: ['sre', 'oncall'], platform: ['platform', 'sre', 'oncall'], zeta: ['zeta', 'oncall'] }],
    ['no groups', [], {}],
  ])('%s', (_name, direct, expected) => {
    expect(Object.fromEntries(effectiveOfUser('u1', direct as string[], parentsOf))).toEqual(expected);
  });

  it('agrees with the whole-tenant walk for every user and group of a tangled graph', () => {
    const children: Record<string, string[]> = { a: ['b', 'c'], b: ['d'], c: ['d', 'e'], d: ['a'], e: [], f: ['e', 'b'] };
    const users: Record<string, string[]> = { a: ['u1'], b: ['u2'], c: ['u3', 'u2'], d: ['u4'], e: ['u5', 'u1'], f: [] };
    const graph = { childGroups: (g: string) => children[g] ?? [], users: (g: string) => users[g] ?? [] };
    const parentsOfGroup = (g: string) => Object.keys(children).filter((p) => children[p].includes(g));
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5']) {
      const direct = Object.keys(users).filter((g) => users[g].includes(user));
      const expected = Object.fromEntries(Object.keys(children).flatMap((g) => (effectiveUsers(g, graph).has(user) ? [[g, effectiveUsers(g, graph).get(user)]] : [])));
      expect(Object.fromEntries(effectiveOfUser(user, direct, parentsOfGroup))).toEqual(expected);
    }
  });

  it('diffs the users it recomputed, including groups they no longer reach at all', () => {
    const stored = [
      { groupId: 'eng', userId: 'u1', path: ['eng'] },
      { groupId: 'fin', userId: 'u1', path: ['fin'] },
      { groupId: 'eng', userId: 'u2', path: ['eng', 'data'] },
    ];
    const computed = new Map([
      ['u1', new Map([['eng', ['eng']], ['ops', ['ops']]])],
      ['u2', new Map([['eng', ['eng', 'platform']]])],
    ]);
    expect(diffUsersEffective(['u1', 'u2', 'u3'], stored, computed)).toEqual({
      added: [{ groupId: 'ops', userId: 'u1', path: ['ops'] }],
      removed: [{ groupId: 'fin', userId: 'u1', path: ['fin'] }],
      rerouted: [{ groupId: 'eng', userId: 'u2', path: ['eng', 'platform'] }],
    });
  });
});

describe('user events from the changed rows', () => {
  const before = { displayName: 'Ann', userPrincipalName: 'ann@x', mail: null, department: 'Sales', jobTitle: 'Rep', accountEnabled: true, userType: 'Member' };
  const change = (c: Partial<ObjectChange>): ObjectChange => ({ id: 'u1', removed: null, fields: {}, before, beforeDeleted: false, ...c });

  it.each([
    ['new user', change({ before: null, fields: { displayName: 'Bo' } }), ['USER_CREATED'], { restored: false }, 1, 0, null],
    ['restored user with its account re-enabled', change({ beforeDeleted: true, fields: { accountEnabled: false } }), ['USER_CREATED'], { restored: true }, 1, 0, { before: true, after: false }],
    ['updated fields named', change({ fields: { jobTitle: 'Lead', department: 'Sales' } }), ['USER_UPDATED'], { changedFields: ['jobTitle'], before: { jobTitle: 'Rep' }, after: { jobTitle: 'Lead' } }, 0, 0, null],
    ['disabled', change({ fields: { accountEnabled: false } }), ['USER_UPDATED'], { changedFields: ['accountEnabled'] }, 0, 0, { before: true, after: false }],
    ['nothing really changed', change({ fields: { jobTitle: 'Rep' } }), [], undefined, 0, 0, null],
    ['soft-deleted', change({ removed: 'changed' }), ['USER_DELETED'], { reason: 'SOFT_DELETED', displayName: 'Ann' }, 0, 1, null],
    ['hard-deleted', change({ removed: 'deleted' }), ['USER_DELETED'], { reason: 'DELETED' }, 0, 1, null],
    ['missing from a full round', change({ removed: 'absent' }), ['USER_DELETED'], { reason: 'ABSENT_FROM_FULL_SYNC' }, 0, 1, null],
    ['removal of a user already deleted', change({ removed: 'deleted', beforeDeleted: true }), [], undefined, 0, 0, null],
    ['removal of a user never seen', change({ removed: 'deleted', before: null }), [], undefined, 0, 0, null],
  ])('%s', (_name, input, types, payload, created, deleted, enabled) => {
    const out = userOutcome([input]);
    expect(out.events.map((e) => e.type)).toEqual(types);
    if (payload) expect(out.events[0].payload).toMatchObject(payload);
    expect([out.created, out.deleted]).toEqual([created, deleted]);
    expect(out.enabledChanges.get('u1') ?? null).toEqual(enabled);
  });
});

describe('nextTickDelayMs: the scheduler looks for due tenants at a jittered tick, so instances do not keep one phase', () => {
  it.each([
    ['the shortest wait', 5_000, 0, 2_500],
    ['the average', 5_000, 0.5, 5_000],
    ['the longest wait (random below 1)', 5_000, 0.999999, 7_500],
    ['a short bench tick', 250, 0.25, 188],
    ['never zero', 1, 0, 1],
  ])('%s: tick %p, random %p -> %p ms', (_name, tick, random, expected) => {
    expect(nextTickDelayMs(tick, random)).toBe(expected);
  });
});
