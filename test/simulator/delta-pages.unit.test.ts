/** Pure parts of delta paging (issue 9): the Prefer header, page limits under Graph's caps, page plans, the round cache. */
import { initialPage, planPage, type MemberDelta, type PageLimits } from '../../src/simulator/graph/delta/changes';
import { DELTA_PAGE_DEFAULT, deltaPageSize, parsePrefer } from '../../src/simulator/graph/delta/page-size';
import { RoundCache } from '../../src/simulator/graph/delta/round-cache';

describe('parsePrefer', () => {
  test.each<[string | undefined, Record<string, string>]>([
    [undefined, {}],
    ['', {}],
    ['odata.maxpagesize=50', { 'odata.maxpagesize': '50' }],
    ['return=minimal, odata.maxpagesize=500', { return: 'minimal', 'odata.maxpagesize': '500' }],
    ['Return=Minimal,ODATA.MAXPAGESIZE="20"', { return: 'Minimal', 'odata.maxpagesize': '20' }],
    ['odata.maxpagesize=10; foo=bar, respond-async', { 'odata.maxpagesize': '10', 'respond-async': '' }],
    ['odata.maxpagesize=10, odata.maxpagesize=99', { 'odata.maxpagesize': '10' }],
  ])('%j -> %j', (header, expected) => {
    expect(Object.fromEntries(parsePrefer(header))).toEqual(expected);
  });
});

describe('deltaPageSize', () => {
  test.each<[string | undefined, boolean, PageLimits, number | undefined]>([
    [undefined, true, DELTA_PAGE_DEFAULT, undefined],
    [undefined, false, DELTA_PAGE_DEFAULT, undefined],
    ['odata.maxpagesize=1', true, { objects: 1, members: 1 }, 1],
    ['odata.maxpagesize=150', false, { objects: 150, members: 150 }, 150],
    ['odata.maxpagesize=200', true, { objects: 200, members: 200 }, 200],
    ['odata.maxpagesize=300', true, { objects: 200, members: 300 }, 300],
    ['odata.maxpagesize=300', false, { objects: 200, members: 300 }, 200],
    ['odata.maxpagesize=500', true, { objects: 200, members: 500 }, 500],
    ['odata.maxpagesize=999999', true, { objects: 200, members: 500 }, 500],
    ['odata.maxpagesize=999999', false, { objects: 200, members: 500 }, 200],
    ['odata.maxpagesize=0', true, DELTA_PAGE_DEFAULT, undefined],
    ['odata.maxpagesize=-1', true, DELTA_PAGE_DEFAULT, undefined],
    ['odata.maxpagesize=1.5', true, DELTA_PAGE_DEFAULT, undefined],
    ['odata.maxpagesize=abc', true, DELTA_PAGE_DEFAULT, undefined],
    ['odata.maxpagesize=99999999999999999999', true, { objects: 200, members: 500 }, 500],
    ['return=minimal', true, DELTA_PAGE_DEFAULT, undefined],
  ])('Prefer %j (members tracked: %s) -> %j, applied %s', (header, tracksMembers, limits, applied) => {
    expect(deltaPageSize(parsePrefer(header), tracksMembers)).toEqual({ limits: { ...limits }, ...(applied !== undefined && { applied }) });
  });
});

describe('planPage', () => {
  const sizes = (counts: number[]) => (i: number) => counts[i];
  test.each<[string, number[], { index: number; memberOffset: number }, PageLimits, string, string | undefined]>([
    ['objects only, cut at the object limit', [0, 0, 0, 0, 0], { index: 0, memberOffset: 0 }, { objects: 2, members: 5 }, '0:0-0 1:0-0', '2+0'],
    ['a group that does not fit starts the next page', [3, 4, 1], { index: 0, memberOffset: 0 }, { objects: 10, members: 5 }, '0:0-3', '1+0'],
    ['a group larger than a page is split when it starts the page', [12, 1], { index: 0, memberOffset: 0 }, { objects: 10, members: 5 }, '0:0-5', '0+5'],
    ['resumes inside a split group and finishes it', [12, 1], { index: 0, memberOffset: 10 }, { objects: 10, members: 5 }, '0:10-12 1:0-1', undefined],
    ['empty groups fit after the budget is spent', [5, 0, 0, 2], { index: 0, memberOffset: 0 }, { objects: 10, members: 5 }, '0:0-5 1:0-0 2:0-0', '3+0'],
    ['a group that shrank below its offset carries nothing', [3, 1], { index: 0, memberOffset: 8 }, { objects: 10, members: 5 }, '0:8-8 1:0-1', undefined],
    ['past the end: an empty last page', [1], { index: 1, memberOffset: 0 }, { objects: 10, members: 5 }, '', undefined],
  ])('%s', (_name, counts, cursor, limits, slices, next) => {
    const plan = planPage(sizes(counts), counts.length, cursor, limits);
    expect(plan.slices.map((s) => `${s.index}:${s.from}-${s.to}`).join(' ')).toBe(slices);
    expect(plan.next && `${plan.next.index}+${plan.next.memberOffset}`).toBe(next);
  });

  test('page limits below 1 are refused with what arrived', () => {
    expect(() => planPage(() => 0, 1, { index: 0, memberOffset: 0 }, { objects: 0, members: 5 })).toThrow('expected at least 1 object and 1 member entry a page, got 0 and 5');
  });
});

describe('initialPage reads only the members it carries', () => {
  test('counts are asked for the candidates, slices only for what the page holds', () => {
    const lists: Record<string, number> = { a: 3, b: 40, c: 2, d: 9 };
    const sliced: string[] = [];
    const counted: string[] = [];
    const source = {
      count: (id: string) => (counted.push(id), lists[id]),
      slice: (id: string, from: number, to: number): MemberDelta[] => {
        sliced.push(`${id}:${from}-${to}`);
        return Array.from({ length: to - from }, (_, i) => ({ id: `${id}${from + i}`, kind: 'user', removed: false }));
      },
    };
    const page = initialPage(['d', 'c', 'b', 'a'], { kind: 'group', members: true }, undefined, source, { objects: 3, members: 10 });
    expect(page.items.map((x) => `${x.id}:${x.members.length}`)).toEqual(['a:3']);
    expect(sliced).toEqual(['a:0-3']);
    expect(page.next).toEqual({ fromId: 'b', memberOffset: 0 });
    const next = initialPage(['d', 'c', 'b'], { kind: 'group', members: true }, page.next, source, { objects: 3, members: 10 });
    expect(next.items.map((x) => `${x.id}:${x.members.length}`)).toEqual(['b:10']);
    expect(next.next).toEqual({ fromId: 'b', memberOffset: 10 });
    expect(counted).not.toContain('d');
  });

  test('the offset is dropped when the cursor object is gone', () => {
    const source = (id: string): MemberDelta[] => Array.from({ length: 4 }, (_, i) => ({ id: `${id}${i}`, kind: 'user', removed: false }));
    const page = initialPage(['c', 'd'], { kind: 'group', members: true }, { fromId: 'b', memberOffset: 3 }, source, { objects: 5, members: 10 });
    expect(page.items.map((x) => `${x.id}:${x.members.length}`)).toEqual(['c:4', 'd:4']);
  });
});

describe('RoundCache', () => {
  test('keeps the most recently used rounds up to its bound; an ended round starts empty', () => {
    const cache = new RoundCache(2);
    cache.get('r1').lists.set('g', []);
    cache.get('r2');
    cache.get('r1');
    cache.get('r3');
    expect(cache.size).toBe(2);
    expect(cache.get('r1').lists.has('g')).toBe(true);
    expect(cache.get('r2').lists.size).toBe(0);
    cache.end('r1');
    expect(cache.get('r1').lists.size).toBe(0);
  });

  test('evicts the least recently used rounds once the entries they hold pass the bound', () => {
    const cache = new RoundCache(100, 10);
    const list = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(i), kind: 'user' as const, removed: false }));
    cache.get('a').lists.set('g', list(6));
    cache.get('b').items = [];
    cache.get('c').lists.set('g', list(6));
    cache.get('d');
    // a (6) + c (6) > 10 when d arrives: a, the oldest, goes; b holds nothing and stays.
    expect(cache.size).toBe(3);
    expect(cache.get('c').lists.get('g')).toHaveLength(6);
    expect(cache.get('a').lists.size).toBe(0);
  });
});
