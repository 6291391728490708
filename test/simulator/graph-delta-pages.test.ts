/**
 * Delta page sizes and the cost of a page (issue 9), over real HTTPS to the simulator: `Prefer:
 * odata.maxpagesize` up to Graph's caps (200 objects, 500 member entries a page), Preference-Applied, a large
 * group split over pages merging back to its members, and a page's work (member lists built, read from the
 * control API's counters) following what the page carries, not the groups around it.
 */
import { VERAFIELD } from '../../src/simulator/generator';
import { graphRequest, startGraphSim, type GraphResult, type GraphSim } from './graph-client';

let g: GraphSim;
/** A group of 1,234 members: more than two pages of member entries at the cap. */
let bigGroup: string;
const BIG = 1234;

const store = () => g.sim.ctx.store;
const tenantId = VERAFIELD.tenantId;

beforeAll(async () => {
  g = await startGraphSim();
  const group = store().createGroup(tenantId, { displayName: 'Delta pages big group', mailEnabled: false, mailNickname: 'deltapagesbig', securityEnabled: true });
  bigGroup = group.id;
  for (let i = 0; i < BIG; i++) {
    const user = store().createUser(tenantId, {
      accountEnabled: true,
      displayName: `Pages ${i}`,
      mailNickname: `pages${i}`,
      userPrincipalName: `pages${i}@${VERAFIELD.domain}`,
      passwordProfile: { password: 'Str0ng!Passphrase-42' },
    });
    store().addMember(tenantId, bigGroup, user.id);
  }
});
afterAll(() => g.close());

type Item = Record<string, any>;
const itemsOf = (page: GraphResult) => page.body.value as Item[];
const entriesOf = (page: GraphResult) => itemsOf(page).reduce((n, x) => n + (x['members@delta']?.length ?? 0), 0);

/** One round, the same headers on every page (Graph wants the Prefer header on each request). */
async function round(first: string, headers: Record<string, string> = {}, onPage?: (page: GraphResult) => Promise<void>): Promise<GraphResult[]> {
  const pages: GraphResult[] = [];
  for (let url: string | undefined = first; url; ) {
    const page = await graphRequest(g.sim, 'GET', url, { token: g.token, headers });
    if (page.status !== 200) throw new Error(`delta page answered ${page.status}: ${page.text}`);
    pages.push(page);
    await onPage?.(page);
    url = page.body['@odata.nextLink'];
  }
  return pages;
}

/** Every group's members merged over its appearances. */
function mergedMembers(pages: GraphResult[]): Map<string, string[]> {
  const merged = new Map<string, string[]>();
  for (const x of pages.flatMap(itemsOf)) {
    merged.set(x.id, [...(merged.get(x.id) ?? []), ...(x['members@delta'] ?? []).map((m: Item) => m.id)]);
  }
  return merged;
}

const directMembers = (groupId: string) => store().directMembers(tenantId, groupId).sort();

describe('Prefer: odata.maxpagesize on delta', () => {
  test('users/delta: N objects a page, every user once, Preference-Applied echoes N', async () => {
    const pages = await round('/users/delta?$select=displayName', { Prefer: 'odata.maxpagesize=150' });
    expect(pages.slice(0, -1).every((p) => itemsOf(p).length === 150)).toBe(true);
    expect(pages.every((p) => p.headers['preference-applied'] === 'odata.maxpagesize=150')).toBe(true);
    const ids = pages.flatMap(itemsOf).map((u) => u.id);
    expect(ids.length).toBe(store().requireTenant(tenantId).users.size);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('above the cap: users/delta pages hold 200 objects and the answer says 200 was applied', async () => {
    const pages = await round('/users/delta?$select=displayName', { Prefer: 'odata.maxpagesize=999' });
    expect(Math.max(...pages.map((p) => itemsOf(p).length))).toBe(200);
    expect(pages[0].headers['preference-applied']).toBe('odata.maxpagesize=200');
  });

  test('groups/delta at the cap: at most 500 member entries a page, the large group repeats and merges back to its members', async () => {
    const pages = await round('/groups/delta', { Prefer: 'odata.maxpagesize=5000' });
    expect(pages[0].headers['preference-applied']).toBe('odata.maxpagesize=500');
    expect(Math.max(...pages.map(entriesOf))).toBe(500);
    expect(pages.every((p) => itemsOf(p).length <= 200)).toBe(true);
    const appearances = pages.flatMap(itemsOf).filter((x) => x.id === bigGroup);
    expect(appearances.map((x) => x['members@delta'].length)).toEqual([500, 500, BIG - 1000]);
    const merged = mergedMembers(pages);
    for (const groupId of store().requireTenant(tenantId).groups.keys()) {
      expect([groupId, [...(merged.get(groupId) ?? [])].sort()]).toEqual([groupId, directMembers(groupId)]);
    }
  });

  test('a small N bounds objects and member entries alike; the members still merge back to the same sets', async () => {
    const pages = await round('/groups/delta?$select=displayName,members', { Prefer: 'return=minimal, odata.maxpagesize=40' });
    expect(pages.every((p) => itemsOf(p).length <= 40 && entriesOf(p) <= 40)).toBe(true);
    expect(Math.max(...pages.map(entriesOf))).toBe(40);
    expect(pages[0].headers['preference-applied']).toBe('return=minimal, odata.maxpagesize=40');
    expect([...mergedMembers(pages).get(bigGroup)!].sort()).toEqual(directMembers(bigGroup));
    expect(new Set(pages.flatMap(itemsOf).map((x) => x.id))).toEqual(new Set(store().requireTenant(tenantId).groups.keys()));
  });

  test("without the header a page keeps the simulator's default (200 objects, 100 member entries) and applies nothing", async () => {
    const pages = await round('/groups/delta');
    expect(Math.max(...pages.map(entriesOf))).toBe(100);
    expect(pages.every((p) => p.headers['preference-applied'] === undefined)).toBe(true);
    expect([...mergedMembers(pages).get(bigGroup)!].sort()).toEqual(directMembers(bigGroup));
  });

  test('the header is read on each request: a nextLink followed without it gets default pages', async () => {
    const first = await graphRequest(g.sim, 'GET', '/users/delta', { token: g.token, headers: { Prefer: 'odata.maxpagesize=3' } });
    expect(itemsOf(first)).toHaveLength(3);
    const second = await graphRequest(g.sim, 'GET', first.body['@odata.nextLink'], { token: g.token });
    expect(itemsOf(second)).toHaveLength(200);
  });

  test.each(['odata.maxpagesize=0', 'odata.maxpagesize=-5', 'odata.maxpagesize=ten', 'odata.maxpagesize'])('%s is ignored: default pages, no Preference-Applied', async (prefer) => {
    const page = await graphRequest(g.sim, 'GET', '/users/delta', { token: g.token, headers: { Prefer: prefer } });
    expect(page.status).toBe(200);
    expect(itemsOf(page)).toHaveLength(200);
    expect(page.headers['preference-applied']).toBeUndefined();
  });

  test('a later round honours it too: member changes of the large group split at the cap', async () => {
    const [latest] = await round('/groups/delta?$deltatoken=latest');
    const members = directMembers(bigGroup).slice(0, 600);
    for (const m of members) store().removeMember(tenantId, bigGroup, m);
    const pages = await round(latest.body['@odata.deltaLink'], { Prefer: 'odata.maxpagesize=500' });
    expect(pages.map(entriesOf)).toEqual([500, 100]);
    const removed = pages.flatMap(itemsOf).flatMap((x) => x['members@delta'] as Item[]);
    expect(removed.every((m) => m['@removed']?.reason === 'deleted')).toBe(true);
    expect(removed.map((m) => m.id).sort()).toEqual(members);
    for (const m of members) store().addMember(tenantId, bigGroup, m);
  });
});

describe('the work of a page follows what it carries', () => {
  /**
   * Member entries a page should build: a group first seen on this page and complete on it is listed for it; a
   * group split across pages is listed once, in full, on the page it starts; its later slices build nothing.
   */
  function expectedBuilds(pages: GraphResult[], sizes: Map<string, number>): { lists: number; entries: number }[] {
    const seen = new Set<string>();
    return pages.map((page) => {
      let lists = 0;
      let entries = 0;
      for (const x of itemsOf(page)) {
        const carried = x['members@delta']?.length ?? 0;
        if (seen.has(x.id) || carried === 0) continue;
        seen.add(x.id);
        lists += 1;
        entries += sizes.get(x.id)!;
      }
      return { lists, entries };
    });
  }

  test.each([['odata.maxpagesize=500'], ['odata.maxpagesize=60'], ['']])('each group is listed once a round, on the page it starts (%s)', async (prefer) => {
    const t = store().requireTenant(tenantId);
    const sizes = new Map([...t.members].map(([id, members]) => [id, members.size]));
    const built: { lists: number; entries: number }[] = [];
    let before = await g.sim.control.counters();
    const pages = await round('/groups/delta', prefer ? { Prefer: prefer } : {}, async () => {
      const after = await g.sim.control.counters();
      built.push({ lists: after.deltaMemberLists - before.deltaMemberLists, entries: after.deltaMemberEntries - before.deltaMemberEntries });
      before = after;
    });
    expect(built).toEqual(expectedBuilds(pages, sizes));
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    expect(built.reduce((n, b) => n + b.entries, 0)).toBe(total);
  });

  test('a page does not build the lists of groups that are not on it, however large they are', async () => {
    const firstPage = async () => {
      const before = await g.sim.control.counters();
      const page = await graphRequest(g.sim, 'GET', '/groups/delta', { token: g.token, headers: { Prefer: 'odata.maxpagesize=2' } });
      const after = await g.sim.control.counters();
      return { page, entries: after.deltaMemberEntries - before.deltaMemberEntries, lists: after.deltaMemberLists - before.deltaMemberLists };
    };
    const t = store().requireTenant(tenantId);
    const sizes = () => new Map([...t.members].map(([id, members]) => [id, members.size]));
    const before = await firstPage();
    expect({ lists: before.lists, entries: before.entries }).toEqual(expectedBuilds([before.page], sizes())[0]);

    // Another large group that sorts after the page (ids are random: retry until one does).
    const lastId = itemsOf(before.page).at(-1)!.id as string;
    let other = store().createGroup(tenantId, { displayName: 'Unrelated', mailEnabled: false, mailNickname: 'unrelated', securityEnabled: true });
    while (other.id <= lastId) {
      store().deleteGroup(tenantId, other.id, { permanent: true });
      other = store().createGroup(tenantId, { displayName: 'Unrelated', mailEnabled: false, mailNickname: 'unrelated', securityEnabled: true });
    }
    for (const m of directMembers(bigGroup)) store().addMember(tenantId, other.id, m);
    const after = await firstPage();
    expect(itemsOf(after.page)).toEqual(itemsOf(before.page));
    expect({ lists: after.lists, entries: after.entries }).toEqual({ lists: before.lists, entries: before.entries });
  });
});
