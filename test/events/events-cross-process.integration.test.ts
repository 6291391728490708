/**
 * Two gateway processes on ONE database (each with its own DataSource and its own LISTEN connection), real
 * graphql-ws clients: events committed through one reach subscribers of the other; a rolled-back append
 * reaches nobody; a subscriber that drops and resumes from its last cursor on the other process gets what it
 * missed exactly once, including events committed while it replays; a lost LISTEN connection loses nothing.
 */
import { randomBytes } from 'node:crypto';
import { appendEvents } from '../../src/events/event-log';
import { DirectoryEventType } from '../../src/events/event.types';
import { createTestDatabase } from '../support/db';
import { startTestGateway, TestGateway } from '../support/gateway';
import { commitEvents, range, secondHandle, seedTenant, Subscriber } from './event-fixtures';

let gwA: TestGateway;
let gwB: TestGateway;
let keyA: string;
let keyB: string;
const subscribers: Subscriber[] = [];
// A small queue makes replay pages small (half the queue): a resumed subscriber replays in many pages, so
// events committed during the replay land both in later pages and in the live buffer: the seam is exercised.
// The same encryption key on both, as instances of one deployment have: a cursor from one opens on the other.
const env = { EVENT_SUBSCRIBER_QUEUE_LIMIT: '10', ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}` };

beforeAll(async () => {
  const database = await createTestDatabase();
  gwA = await startTestGateway({ database, env });
  gwB = await startTestGateway({ database: await secondHandle(database), env });
  keyA = await gwA.mintKey();
  keyB = await gwA.mintKey();
});

afterAll(async () => {
  await Promise.all(subscribers.map((subscriber) => subscriber.stop()));
  await gwB.stop();
  await gwA.stop();
});

function subscribeOn(gw: TestGateway, key: string, variables: { tenantId: string; after?: string | null; types?: string[] }, onEvent?: ConstructorParameters<typeof Subscriber>[2]): Subscriber {
  const subscriber = new Subscriber(gw.graphqlUrl, key, onEvent).start(variables);
  subscribers.push(subscriber);
  return subscriber;
}

const dsA = () => gwA.database.dataSource;
const dsB = () => gwB.database.dataSource;

it('delivers events committed through one process to a subscriber of the other, and nothing of a rolled-back transaction', async () => {
  const tenantId = await seedTenant(dsA());
  const [seed] = await commitEvents(dsA(), tenantId, [0]);
  await commitEvents(dsA(), tenantId, [1]);
  const onB = subscribeOn(gwB, keyB, { tenantId, after: gwA.services.events.cursors.encode(tenantId, seed.sequence) });
  // The server's acknowledgement: the first replayed event.
  await onB.untilN(1);
  await expect(
    dsA().transaction(async (manager) => {
      await appendEvents(manager, [{ tenantId, type: DirectoryEventType.USER_DELETED, subjectId: 'ghost', payload: { n: -99 } }]);
      throw new Error('rolled back');
    }),
  ).rejects.toThrow('rolled back');
  await commitEvents(dsA(), tenantId, [2, 3]);
  await onB.untilN(3);
  expect(onB.ns()).toEqual([1, 2, 3]);
});

it('a subscriber that drops and resumes from its last cursor, on the other process, gets what it missed exactly once', async () => {
  const tenantId = await seedTenant(dsA());
  const [seed] = await commitEvents(dsA(), tenantId, [0]);
  await commitEvents(dsA(), tenantId, range(1, 10));

  // 1. On B: replay 1..10, then live 11..15 (committed through A).
  const first = subscribeOn(gwB, keyB, { tenantId, after: gwA.services.events.cursors.encode(tenantId, seed.sequence) });
  await first.untilN(10);
  await commitEvents(dsA(), tenantId, range(11, 15));
  await first.untilN(15);
  expect(first.ns()).toEqual(range(1, 15));
  const lastCursor = first.last().cursor;
  await first.stop();

  // 2. Dropped: 16..40 are committed meanwhile.
  await commitEvents(dsA(), tenantId, range(16, 40));

  // 3. Resume on A (the other process) from the last cursor B gave; while it replays, each event received
  //    triggers another commit through A (41..55, one after the other), so appends interleave with the replay
  //    pages and the live buffer.
  let next = 41;
  let appends: Promise<unknown> = Promise.resolve();
  const resumed = subscribeOn(gwA, keyA, { tenantId, after: lastCursor }, () => {
    if (next > 55) return;
    const n = next++;
    appends = appends.then(() => commitEvents(dsA(), tenantId, [n]));
  });
  await resumed.untilN(40);
  await resumed.until(() => next > 55, 'the interleaved appends');
  await appends;
  // A sentinel committed last: anything duplicated or late would arrive before it.
  await commitEvents(dsB(), tenantId, [1000]);
  await resumed.untilN(1000);
  expect(resumed.ns()).toEqual([...range(16, 55), 1000]);
  const sequences = resumed.received.map((event) => BigInt(event.sequence));
  expect(sequences.every((sequence, i) => i === 0 || sequence > sequences[i - 1])).toBe(true);
});

// Between backlog pages (5 events each here), commit through the OTHER process and wait until this process has
// read them: they are then both in the live buffer and in the table the next pages read, and must be handed
// over once. In the second case a burst is bigger than the buffer (10): the buffer is dropped and the replay
// reads the table further instead.
it.each([
  ['buffered live events overlap the pages read after them', { 1: [21], 2: [22, 23], 3: [24] }, 24],
  ['the live buffer overflows during the replay', { 1: [21], 3: range(22, 40) }, 40],
])('the seam: events committed between replay pages reach the resuming subscriber exactly once (%s)', async (_case, during: Record<number, number[]>, last) => {
  const tenantId = await seedTenant(dsA());
  const [seed] = await commitEvents(dsA(), tenantId, [0]);
  await commitEvents(dsA(), tenantId, range(1, 20));
  gwA.services.events.testHooks.beforeReplayPage = async (id, page) => {
    if (id === tenantId && during[page]) await commitSeenBy(gwA, tenantId, during[page]);
  };
  try {
    const resumed = subscribeOn(gwA, keyA, { tenantId, after: gwA.services.events.cursors.encode(tenantId, seed.sequence) });
    await resumed.untilN(last);
    // A sentinel committed last: anything duplicated or late would arrive before it.
    await commitEvents(dsB(), tenantId, [1000]);
    await resumed.untilN(1000);
    expect(resumed.ns()).toEqual([...range(1, last), 1000]);
  } finally {
    delete gwA.services.events.testHooks.beforeReplayPage;
  }
});

/** Commits `ns` in one transaction through gateway B's database handle; resolves once `gw` has read them. */
async function commitSeenBy(gw: TestGateway, tenantId: string, ns: number[]): Promise<void> {
  // The process may read the events before the commit call returns here: remember everything it reads.
  const read = new Set<string>();
  let last: string | null = null;
  let seen!: () => void;
  const done = new Promise<void>((resolve) => (seen = resolve));
  const off = gw.services.events.hub.onRead((id, events) => {
    if (id !== tenantId) return;
    for (const event of events) read.add(event.sequence);
    if (last && read.has(last)) seen();
  });
  try {
    const stored = await dsB().transaction((manager) => appendEvents(manager, ns.map((n) => ({ tenantId, type: DirectoryEventType.USER_UPDATED, payload: { n } }))));
    last = stored[stored.length - 1].sequence;
    if (read.has(last)) seen();
    await done;
  } finally {
    off();
  }
}

it('filters by type across processes', async () => {
  const tenantId = await seedTenant(dsA());
  const [seed] = await commitEvents(dsA(), tenantId, [0]);
  await commitEvents(dsB(), tenantId, [1], DirectoryEventType.MEMBERSHIP_REMOVED);
  await commitEvents(dsB(), tenantId, [2]);
  const onA = subscribeOn(gwA, keyA, { tenantId, after: gwA.services.events.cursors.encode(tenantId, seed.sequence), types: ['MEMBERSHIP_REMOVED', 'MEMBERSHIP_ADDED'] });
  await onA.untilN(1);
  await commitEvents(dsB(), tenantId, [3]);
  await commitEvents(dsB(), tenantId, [4], DirectoryEventType.MEMBERSHIP_ADDED);
  await onA.untilN(4);
  expect(onA.ns()).toEqual([1, 4]);
});

it('loses nothing when the LISTEN connection drops: it reconnects and re-reads from the last sequence seen', async () => {
  const tenantId = await seedTenant(dsA());
  const [seed] = await commitEvents(dsA(), tenantId, [0]);
  await commitEvents(dsA(), tenantId, [1]);
  const onB = subscribeOn(gwB, keyB, { tenantId, after: gwB.services.events.cursors.encode(tenantId, seed.sequence) });
  await onB.untilN(1);
  const hub = gwB.services.events.hub;
  await hub.whenListening();
  const connections = hub.connections;
  await dsA().query(`SELECT pg_terminate_backend($1)`, [hub.listenerPid]);
  // Committed while B is (probably) not listening: no notification reaches B for these.
  await commitEvents(dsA(), tenantId, [2, 3]);
  await onB.untilN(3);
  expect(onB.ns()).toEqual([1, 2, 3]);
  expect(hub.connections).toBeGreaterThan(connections);
});
