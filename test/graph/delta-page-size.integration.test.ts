/**
 * The Graph client asks for Graph's largest delta pages on every request of a round (issue 9): against the
 * simulator, a group larger than two pages of member entries arrives in slices of 500, which only happens when
 * the nextLink requests carry `Prefer: odata.maxpagesize` too (the simulator's default is 100 a page).
 */
import { DELTA_MAX_PAGE_SIZE, type GraphClientOptions, type GraphPage } from '../../src/graph';
import { VERAFIELD } from '../../src/simulator/generator';
import { startGraphTestbed, type GraphTestbed } from './support';

interface DeltaObject {
  id: string;
  'members@delta'?: { id: string }[];
}

let bed: GraphTestbed;
let bigGroup: string;
const BIG = 1100;

beforeAll(async () => {
  bed = await startGraphTestbed();
  // Fixture: a group of 1,100 members, written straight into the simulator's directory.
  const store = bed.sim.ctx.store;
  bigGroup = store.createGroup(VERAFIELD.tenantId, { displayName: 'Page size group', mailEnabled: false, mailNickname: 'pagesize', securityEnabled: true }).id;
  for (let i = 0; i < BIG; i++) {
    const user = store.createUser(VERAFIELD.tenantId, {
      accountEnabled: true,
      displayName: `Page size ${i}`,
      mailNickname: `pagesize${i}`,
      userPrincipalName: `pagesize${i}@${VERAFIELD.domain}`,
      passwordProfile: { password: 'Str0ng!Passphrase-42' },
    });
    store.addMember(VERAFIELD.tenantId, bigGroup, user.id);
  }
});
afterAll(() => bed.close());

async function collect(start: string, opts?: GraphClientOptions): Promise<GraphPage<DeltaObject>[]> {
  const pages: GraphPage<DeltaObject>[] = [];
  await bed.client(opts).deltaRound<DeltaObject>(start, (page) => {
    pages.push(page);
  }, { headers: { Prefer: 'return=minimal' } });
  return pages;
}

const slicesOf = (pages: GraphPage<DeltaObject>[], id: string) => pages.flatMap((p) => p.items).filter((x) => x.id === id).map((x) => x['members@delta']?.length ?? 0);
const entries = (page: GraphPage<DeltaObject>) => page.items.reduce((n, x) => n + (x['members@delta']?.length ?? 0), 0);
const members = (pages: GraphPage<DeltaObject>[], id: string) =>
  pages.flatMap((p) => p.items).filter((x) => x.id === id).flatMap((x) => (x['members@delta'] ?? []).map((m) => m.id)).sort();

test(`by default every page of the round asks for ${DELTA_MAX_PAGE_SIZE}: the large group comes in slices of 500 over nextLinks`, async () => {
  const pages = await collect('/groups/delta');
  expect(slicesOf(pages, bigGroup)).toEqual([500, 500, BIG - 1000]);
  expect(Math.max(...pages.map(entries))).toBe(500);
  expect(members(pages, bigGroup)).toEqual(bed.sim.ctx.store.directMembers(VERAFIELD.tenantId, bigGroup).sort());
});

test('deltaPageSize changes the size asked for, on every page', async () => {
  const pages = await collect('/users/delta?$select=id', { deltaPageSize: 150 });
  const users = bed.sim.ctx.store.requireTenant(VERAFIELD.tenantId).users.size;
  expect(pages.map((p) => p.items.length)).toEqual([...Array(Math.floor(users / 150)).fill(150), ...(users % 150 ? [users % 150] : [])]);
});

test("deltaPageSize: false sends no page size: Graph's default pages", async () => {
  const pages = await collect('/groups/delta', { deltaPageSize: false });
  expect(new Set(slicesOf(pages, bigGroup))).toEqual(new Set([100]));
});

test('an invalid deltaPageSize is refused when the client is made', () => {
  expect(() => bed.client({ deltaPageSize: 0 })).toThrow('expected deltaPageSize to be a whole number from 1 to 1000000 or false, got 0');
});
