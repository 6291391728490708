/** Delta rounds against the simulator: to the deltaLink, incremental rounds, and the resync signals. */
import { DeltaResyncRequiredError, type GraphPage } from '../../src/graph';
import { VERAFIELD } from '../../src/simulator/generator';
import { startGraphTestbed, type GraphTestbed } from './support';

interface DeltaUser {
  id: string;
  jobTitle?: string;
  '@removed'?: { reason: string };
}

let bed: GraphTestbed;
beforeAll(async () => {
  bed = await startGraphTestbed();
});
afterAll(() => bed.close());

async function collect(start: string): Promise<{ pages: GraphPage<DeltaUser>[]; deltaLink: string }> {
  const pages: GraphPage<DeltaUser>[] = [];
  const deltaLink = await bed.client().deltaRound<DeltaUser>(start, (page) => {
    pages.push(page);
  });
  return { pages, deltaLink };
}

test('a first round follows nextLinks to the deltaLink; the next round holds only the change', async () => {
  const first = await collect('/users/delta');
  expect(first.pages.length).toBeGreaterThan(1);
  expect(first.deltaLink).toMatch(new RegExp(`^${bed.sim.baseUrl}/v1.0/users/delta\\?\\$deltatoken=`));
  const ids = new Set(first.pages.flatMap((p) => p.items.map((u) => u.id)));
  expect(ids.size).toBe(VERAFIELD.counts.users);

  await bed.sim.control.updateUser(VERAFIELD.tenantId, VERAFIELD.users.salesRep.id, { jobTitle: 'Regional Sales Lead' });
  const second = await collect(first.deltaLink);
  expect(second.pages.flatMap((p) => p.items)).toEqual([expect.objectContaining({ id: VERAFIELD.users.salesRep.id, jobTitle: 'Regional Sales Lead' })]);
});

test('after a sync reset the stored deltaLink is DeltaResyncRequiredError (410) with the restart Location', async () => {
  const { deltaLink } = await collect('/users/delta?$select=id,jobTitle');
  await bed.sim.control.resetDelta(VERAFIELD.tenantId);
  const error = await collect(deltaLink).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DeltaResyncRequiredError);
  expect(error).toMatchObject({ status: 410, code: 'resyncRequired' });
  expect((error as DeltaResyncRequiredError).restartUrl).toBe(`${bed.sim.baseUrl}/v1.0/users/delta?$deltatoken=`);
  // A full round from the start works again.
  expect((await collect('/users/delta?$select=id,jobTitle')).deltaLink).toBeDefined();
});

test('an expired delta token (syncStateNotFound) is DeltaResyncRequiredError too', async () => {
  const { deltaLink } = await collect('/users/delta?$select=id');
  // Eight days on: the delta token (7 days) and the access token have both expired; the client gets a fresh
  // access token after the 401 and then meets the expired delta token.
  await bed.sim.control.advanceClock(8 * 24 * 60 * 60 * 1000);
  const error = await collect(deltaLink).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DeltaResyncRequiredError);
  expect(error).toMatchObject({ status: 400, code: 'syncStateNotFound' });
});

test('a deltaLink from another host is refused before any request', async () => {
  const client = bed.client();
  await expect(client.deltaRound('https://graph.evil.example/v1.0/users/delta?$deltatoken=x', () => undefined)).rejects.toMatchObject({
    name: 'GraphProtocolError',
    code: 'UntrustedLink',
  });
  expect(client.counters().requests).toBe(0);
});
