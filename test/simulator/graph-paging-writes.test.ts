/**
 * Keyset paging over the maintained users/groups index (graph-facts §1): writes between pages neither repeat
 * nor skip objects that did not change, in every order, and filtered or advanced queries page like a fresh sort.
 */
import { VERAFIELD } from '../../src/simulator/generator';
import type { SimUser } from '../../src/simulator/model';
import { allPages, startGraphSim, type GraphResult, type GraphSim } from './graph-client';

const EVENTUAL = { ConsistencyLevel: 'eventual' };

let g: GraphSim;
beforeAll(async () => {
  g = await startGraphSim();
});
afterAll(() => g.close());

const store = () => g.sim.ctx.store;
const tenant = () => store().requireTenant(VERAFIELD.tenantId);
const ids = (pages: GraphResult[]) => pages.flatMap((p) => p.body.value.map((u: { id: string }) => u.id as string));

let created = 0;
function createUser(displayName: string): SimUser {
  created += 1;
  return store().createUser(VERAFIELD.tenantId, {
    accountEnabled: true,
    displayName,
    mailNickname: `paging${created}`,
    userPrincipalName: `paging${created}@${VERAFIELD.domain}`,
    passwordProfile: { password: 'Str0ng!Passphrase-42' },
  });
}

describe('writes between pages', () => {
  test.each(['/users?$top=7&$select=id,displayName', '/users?$top=7&$orderby=displayName&$select=id,displayName', '/users?$top=7&$orderby=displayName desc'])(
    '%s: every unchanged user exactly once',
    async (first) => {
      const before = new Set(tenant().users.keys());
      const changed = new Set<string>();
      const seen: string[] = [];
      let url: string | undefined = first;
      for (let page = 0; url; page++) {
        const res = await g.get(url);
        expect(res.status).toBe(200);
        seen.push(...res.body.value.map((u: { id: string }) => u.id));
        url = res.body['@odata.nextLink'];
        // Between pages: create, rename (moves the user in displayName order) and delete.
        const live = [...tenant().users.values()];
        changed.add(createUser(page % 2 ? `Aa ${page}` : `Zz ${page}`).id);
        const renamed = live[(page * 13) % live.length];
        store().updateUser(VERAFIELD.tenantId, renamed.id, { displayName: page % 2 ? `Zz renamed ${page}` : `Aa renamed ${page}` });
        changed.add(renamed.id);
        if (page % 3 === 0) {
          const victim = live[(page * 29 + 5) % live.length];
          if (!changed.has(victim.id)) {
            store().deleteUser(VERAFIELD.tenantId, victim.id);
            changed.add(victim.id);
          }
        }
      }
      const unchanged = [...before].filter((id) => !changed.has(id));
      const counts = new Map<string, number>();
      for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
      expect(unchanged.filter((id) => counts.get(id) !== 1)).toEqual([]);
      expect(seen.filter((id) => !before.has(id) && !changed.has(id))).toEqual([]);
    },
  );
});

describe('pages equal a fresh sort of the collection', () => {
  const byKey = (property?: keyof SimUser, descending = false) => (a: SimUser, b: SimUser) => {
    const ka = [property ? String(a[property] ?? '').toLowerCase() : '', a.id];
    const kb = [property ? String(b[property] ?? '').toLowerCase() : '', b.id];
    const c = ka[0] < kb[0] ? -1 : ka[0] > kb[0] ? 1 : ka[1] < kb[1] ? -1 : ka[1] > kb[1] ? 1 : 0;
    return descending ? -c : c;
  };

  test('unfiltered, by id and by displayName in both directions', async () => {
    const users = [...tenant().users.values()];
    expect(ids(await allPages(g, '/users?$top=11&$select=id'))).toEqual([...users].sort(byKey()).map((u) => u.id));
    expect(ids(await allPages(g, '/users?$top=11&$orderby=displayName&$select=id'))).toEqual([...users].sort(byKey('displayName')).map((u) => u.id));
    expect(ids(await allPages(g, '/users?$top=11&$orderby=displayName desc&$select=id'))).toEqual(
      [...users].sort(byKey('displayName', true)).map((u) => u.id),
    );
  });

  test('a filter, and an advanced query with $orderby on a non-default property', async () => {
    const users = [...tenant().users.values()];
    const filter = encodeURIComponent("startsWith(displayName,'a') or accountEnabled eq false");
    const expected = users.filter((u) => u.displayName.toLowerCase().startsWith('a') || !u.accountEnabled).sort(byKey());
    expect(ids(await allPages(g, `/users?$top=3&$filter=${filter}&$select=id`))).toEqual(expected.map((u) => u.id));

    const advanced = await allPages(g, '/users?$top=4&$orderby=jobTitle desc&$count=true&$select=id', EVENTUAL);
    expect(advanced[0].body['@odata.count']).toBe(users.length);
    expect(ids(advanced)).toEqual([...users].sort(byKey('jobTitle', true)).map((u) => u.id));
  });

  test('groups page from their own index', async () => {
    const groups = [...tenant().groups.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(ids(await allPages(g, '/groups?$top=4&$select=id'))).toEqual(groups.map((gr) => gr.id));
  });
});
