/** Pure parts of paging, delta rounds and batching: top-k selection, page splitting, change folding, step order. */
import { executionOrder, parseBatch, shuffle } from '../../src/simulator/graph/batch';
import { incrementalItems, initialPage, pageItems, type DeltaItem, type MemberDelta, type RoundScope } from '../../src/simulator/graph/delta/changes';
import { smallest } from '../../src/simulator/graph/smallest';
import type { ChangeEntry } from '../../src/simulator/store';

describe('smallest', () => {
  test('equals sort-then-slice for any k, and says whether more were offered', () => {
    let seed = 11;
    const random = () => (seed = (seed * 16807) % 2147483647) % 1000;
    const values = Array.from({ length: 500 }, random);
    const byNumber = (a: number, b: number) => a - b;
    for (const k of [0, 1, 7, 100, 499, 500, 501, Infinity]) {
      const { items, more } = smallest(values, k, byNumber);
      expect(items).toEqual([...values].sort(byNumber).slice(0, k));
      expect(more).toBe(values.length > k);
    }
  });
});

const user = (id: string): DeltaItem => ({ id, shape: 'full', members: [] });
const groupWith = (id: string, n: number): DeltaItem => ({
  id,
  shape: 'full',
  members: Array.from({ length: n }, (_, i) => ({ id: `${id}-m${i}`, kind: 'user', removed: false })),
});

describe('delta pages', () => {
  test('a group larger than the member budget repeats over pages with consecutive member slices', () => {
    const items = [user('a'), groupWith('g', 250), user('z')];
    const pages: DeltaItem[][] = [];
    let cursor: { index: number; memberOffset: number } | undefined = { index: 0, memberOffset: 0 };
    while (cursor) {
      const page = pageItems(items, cursor, 10, 100);
      pages.push(page.items);
      cursor = page.next;
    }
    expect(pages.map((p) => p.map((i) => `${i.id}:${i.members.length}`))).toEqual([['a:0', 'g:100'], ['g:100'], ['g:50', 'z:0']]);
    const merged = pages.flat().filter((i) => i.id === 'g').flatMap((i) => i.members.map((m) => m.id));
    expect(merged).toEqual(items[1].members.map((m) => m.id));
  });

  test('the first round walks ids in order across pages, resuming inside a group', () => {
    const scope: RoundScope = { kind: 'group', members: true };
    const members = (id: string): MemberDelta[] => groupWith(id, id === 'g3' ? 5 : 1).members;
    const ids = ['g5', 'g1', 'g3', 'g2', 'g4'];
    const seen: string[] = [];
    let cursor: { fromId: string; memberOffset: number } | undefined;
    let pages = 0;
    do {
      const page = initialPage(ids, scope, cursor, members, { objects: 2, members: 3 });
      seen.push(...page.items.map((i) => `${i.id}:${i.members.map((m) => m.id.split('-')[1]).join('')}`));
      cursor = page.next;
      pages++;
    } while (cursor && pages < 20);
    expect(seen).toEqual(['g1:m0', 'g2:m0', 'g3:m0m1m2', 'g3:m3m4', 'g4:m0', 'g5:m0']);
  });
});

describe('incremental delta items', () => {
  let seq = 0;
  const at = 0;
  const upsert = (id: string, changed: string[] = []): ChangeEntry => ({ seq: ++seq, at, kind: 'user', id, op: 'upsert', changed });
  const remove = (id: string, op: 'softDelete' | 'hardDelete'): ChangeEntry => ({ seq: ++seq, at, kind: 'user', id, op, changed: [] });
  const member = (groupId: string, memberId: string, op: 'add' | 'remove'): ChangeEntry => ({ seq: ++seq, at, kind: 'member', groupId, memberId, memberKind: 'user', op });
  const view = (live: string[], soft: string[] = []) => ({ exists: (id: string) => live.includes(id), softDeleted: (id: string) => soft.includes(id) });

  test('folds each object: created -> full, updated -> changed properties, gone -> @removed with the right reason', () => {
    const entries = [upsert('new'), upsert('new', ['jobTitle']), upsert('old', ['jobTitle']), upsert('old', ['department']), upsert('soft'), remove('soft', 'softDelete'), remove('hard', 'hardDelete')];
    const items = incrementalItems(entries, seq, { kind: 'user', members: false }, view(['new', 'old'], ['soft']));
    expect(items).toEqual([
      { id: 'new', shape: 'full', members: [] },
      { id: 'old', shape: 'changed', changed: ['jobTitle', 'department'], members: [] },
      { id: 'soft', shape: 'removed', reason: 'changed', members: [] },
      { id: 'hard', shape: 'removed', reason: 'deleted', members: [] },
    ]);
  });

  test('untracked properties, entries past upTo and other ids are left out', () => {
    const entries = [upsert('a', ['officeLocation']), upsert('b', ['displayName']), upsert('c', ['displayName'])];
    const scope: RoundScope = { kind: 'user', members: false, tracked: new Set(['displayName']), ids: new Set(['a', 'b']) };
    expect(incrementalItems(entries, entries[1].seq, scope, view(['a', 'b', 'c'])).map((i) => i.id)).toEqual(['b']);
  });

  test('only the last state of each member edge counts', () => {
    const entries = [member('g', 'u1', 'add'), member('g', 'u1', 'remove'), member('g', 'u2', 'add')];
    const [group] = incrementalItems(entries, seq, { kind: 'group', members: true }, view(['g']));
    expect(group.members).toEqual([
      { id: 'u1', kind: 'user', removed: true },
      { id: 'u2', kind: 'user', removed: false },
    ]);
  });
});

describe('batch envelope (pure)', () => {
  const step = (id: string, dependsOn: string[] = []) => ({ id, method: 'GET', url: '/users', dependsOn });

  test('execution order puts dependencies first; a cycle is a malformed batch', () => {
    const steps = parseBatch({ requests: [step('3', ['2']), step('1'), step('2', ['1'])] });
    expect(executionOrder(steps).map((s) => s.id)).toEqual(['1', '2', '3']);
    const cyclic = parseBatch({ requests: [step('a', ['b']), step('b', ['a'])] });
    expect(() => executionOrder(cyclic)).toThrow(/dependsOn cycle/);
  });

  test('shuffle never returns the request order for two or more responses', () => {
    const always = () => 0.999;
    expect(shuffle([1, 2], always)).toEqual([2, 1]);
    expect(shuffle([1, 2, 3], always)).not.toEqual([1, 2, 3]);
    expect(shuffle([1], always)).toEqual([1]);
  });
});
