/**
 * Sorted key indexes behind collection paging (sorted-index.ts): the maintained users/groups index always equals
 * a fresh sort of the live collection, and walking it from a keyset cursor equals the per-request ordering.
 */
import { generateTenant, VERAFIELD_DOMAIN, VERAFIELD_TENANT_ID } from '../../src/simulator/generator';
import {
  compareKeys,
  maintainedIndex,
  sortedSource,
  sortKeyOf,
  unsortedSource,
  type Keyed,
  type SortKey,
} from '../../src/simulator/graph/sorted-index';
import type { SimUser } from '../../src/simulator/model';
import { SimStore } from '../../src/simulator/store';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const T = VERAFIELD_TENANT_ID;

function setup() {
  const store = new SimStore(() => NOW);
  store.addTenant(generateTenant('verafield', { now: NOW }));
  const tenant = store.requireTenant(T);
  const feed = { owner: store, currentSeq: () => store.currentSeq(T), changesSince: (seq: number) => store.changesSince(T, seq) };
  const index = (order?: string) => maintainedIndex(tenant.users, 'user', order, feed);
  return { store, tenant, index };
}

let seed = 7;
const random = (n: number) => (seed = (seed * 16807) % 2147483647) % n;

const reference = (users: Iterable<SimUser>, order?: string): SortKey[] =>
  [...users].map((u) => sortKeyOf(u, order)).sort(compareKeys);
const keysOf = (entries: readonly Keyed<unknown>[]) => entries.map((e) => e.key);

let created = 0;
function createUser(store: SimStore, displayName: string): SimUser {
  created += 1;
  return store.createUser(T, {
    accountEnabled: true,
    displayName,
    mailNickname: `idx${created}`,
    userPrincipalName: `idx${created}@${VERAFIELD_DOMAIN}`,
    passwordProfile: { password: 'Str0ng!Passphrase-42' },
  });
}

describe('maintained index', () => {
  test.each([undefined, 'displayName', 'userPrincipalName'])('order %s: follows creates, renames and deletes from the change log', (order) => {
    const { store, tenant, index } = setup();
    const first = index(order);
    expect(keysOf(first)).toEqual(reference(tenant.users.values(), order));

    for (let round = 0; round < 5; round++) {
      const ids = [...tenant.users.keys()];
      createUser(store, `Zed ${random(1000)}`);
      store.updateUser(T, ids[random(ids.length)], { displayName: `Aaron ${random(1000)}` });
      store.updateUser(T, ids[random(ids.length)], { jobTitle: 'not part of any key' });
      store.deleteUser(T, ids[random(ids.length)], { permanent: round % 2 === 0 });
      // Membership entries do not concern the users index.
      const group = [...tenant.groups.values()].find((gr) => !gr.groupTypes.includes('DynamicMembership'))!;
      const outsider = ids.find((id) => tenant.users.has(id) && !store.directMembers(T, group.id).includes(id))!;
      store.addMember(T, group.id, outsider);

      const entries = index(order);
      // Small changes are applied in place, not by rebuilding.
      expect(entries).toBe(first);
      expect(keysOf(entries)).toEqual(reference(tenant.users.values(), order));
      expect(entries.every((e) => tenant.users.get(e.item.id) === e.item)).toBe(true);
    }
  });

  test('many changes at once rebuild it, still equal to a fresh sort', () => {
    const { store, tenant, index } = setup();
    index('displayName');
    for (let i = 0; i < 100; i++) createUser(store, `Bulk ${random(10_000)}`);
    expect(keysOf(index('displayName'))).toEqual(reference(tenant.users.values(), 'displayName'));
  });

  test('a store whose tenant was never indexed, or several orders at once, each stay correct', () => {
    const { store, tenant, index } = setup();
    const orders = [undefined, 'displayName', 'userPrincipalName', 'jobTitle', 'department', 'mail'];
    for (const order of orders) expect(keysOf(index(order))).toEqual(reference(tenant.users.values(), order));
    createUser(store, 'Middle Name');
    for (const order of orders) expect(keysOf(index(order))).toEqual(reference(tenant.users.values(), order));
  });
});

describe('walking from a keyset cursor', () => {
  test('the index walk equals the per-request ordering, both directions, with and without a filter', () => {
    const { tenant, index } = setup();
    const users = [...tenant.users.values()];
    const where = (u: SimUser) => u.displayName.length % 3 !== 0;
    for (const descending of [false, true]) {
      for (const order of [undefined, 'displayName']) {
        const indexed = sortedSource(index(order), descending);
        const perRequest = unsortedSource(users, order, descending);
        const all = reference(users, order);
        if (descending) all.reverse();
        const cursors: (SortKey | undefined)[] = [undefined, all[0], all[random(all.length)], all[all.length - 1], ['m', ''], ['', '']];
        for (const after of cursors) {
          for (const filter of [undefined, where]) {
            const a = [...indexed.walk(after, filter, 5)].map((k) => k.item.id);
            const b = [...perRequest.walk(after, filter, 5)].map((k) => k.item.id);
            expect(a).toEqual(b);
            const expected = all
              .filter((key) => !after || (descending ? -1 : 1) * compareKeys(key, after) > 0)
              .map((key) => tenant.users.get(key[1])!)
              .filter((u) => !filter || filter(u))
              .map((u) => u.id);
            expect(a).toEqual(expected);
          }
        }
      }
    }
  });
});
