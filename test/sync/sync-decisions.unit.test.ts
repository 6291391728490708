/** The sync part's pure decisions: folding delta pages, effective membership, and when to run next. */
import { changedFields, DeltaBuffer } from '../../src/sync/delta-buffer';
import { diffEffective, effectiveUsers, withAncestors } from '../../src/sync/effective';
import { FAILURE_BASE_SECONDS, FAILURE_CAP_SECONDS, nextRunDelaySeconds } from '../../src/sync/schedule';

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
    expect(buffer.users.get('u9')).toEqual({ id: 'u9', removed: 'changed', fields: {} });
    buffer.addUsers([{ id: 'u9', displayName: 'Back' }]);
    expect(buffer.users.get('u9')).toEqual({ id: 'u9', removed: null, fields: { displayName: 'Back' } });
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

describe('nextRunDelaySeconds', () => {
  it('after a success: the interval within +-10%', () => {
    expect(nextRunDelaySeconds({ ok: true, consecutiveFailures: 0, intervalSeconds: 300, random: 0 })).toBe(270);
    expect(nextRunDelaySeconds({ ok: true, consecutiveFailures: 0, intervalSeconds: 300, random: 0.5 })).toBe(300);
    expect(nextRunDelaySeconds({ ok: true, consecutiveFailures: 0, intervalSeconds: 300, random: 0.999999 })).toBe(330);
  });

  it('after failures: exponential from 30 s, capped at an hour', () => {
    const delays = [1, 2, 3, 4, 8, 30].map((n) => nextRunDelaySeconds({ ok: false, consecutiveFailures: n, intervalSeconds: 300, random: 0.5 }));
    expect(delays).toEqual([FAILURE_BASE_SECONDS, 60, 120, 240, 3600, FAILURE_CAP_SECONDS]);
  });
});
