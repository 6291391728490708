/**
 * The Verafield scenario end to end through the typed client, across a gateway restart. Two gateway processes on
 * one database (test/e2e/two-process-fixtures): A serves the admin's client (tiers, mappings, sync rounds); B
 * serves the backend's `events()` iterator. Finance and Engineering are mapped to two tiers; the backend starts
 * from the cursor it "persisted" (the end of the log, paged with eventsPage). Then:
 *   1. Nora moves from Finance to Engineering in the simulator: the iterator yields exactly one ACCESS_TIER_CHANGED
 *      and the membership events (direct and effective), up to the round's SYNC_COMPLETED;
 *   2. B stops while the iterator runs (1012 Service Restart); a second Finance user moves to Engineering and A's
 *      round commits its events while no gateway serves the iterator; a NEW gateway process starts on B's port and
 *      the same database; the iterator reconnects on its own (back-off) and yields that round's events (replayed);
 *   3. Nora moves back after the restart: her tier change arrives live.
 * Over the whole run the iterator yields exactly the log's events after the start cursor, in order: none lost,
 * none repeated. No sleeps: waits are on what the iterator yields.
 */
import WebSocket from 'ws';
import { VERAFIELD } from '../../../src/simulator/generator';
import { startTwoProcessBench, type TwoProcessBench } from '../../../test/e2e/two-process-fixtures';
import { secondHandle } from '../../../test/events/event-fixtures';
import { startTestGateway, type TestGateway } from '../../../test/support/gateway';
import { allItems, createGatewayClient, unwrap, type EventStream, type GatewayClient, type GatewayEvent, type Page, type RetryInfo } from '../src';

const SIM_TENANT = VERAFIELD.tenantId;
const G = VERAFIELD.groups;
const NORA = VERAFIELD.users.financeEmployee.id;
/** Other parts' events (drift findings, tenant status) may follow any round; the windows below leave them out. */
const OTHER_PARTS = new Set(['DRIFT_DETECTED', 'DRIFT_RESOLVED', 'TENANT_STATUS_CHANGED']);

let bench: TwoProcessBench;
let tenantId: string;
let admin: GatewayClient;
/** The gateway process serving the iterator: B, then the one started in its place. */
let served: TestGateway;
let restarted: TestGateway | undefined;
let stream: EventStream;
let consuming: Promise<void>;
let startSequence: bigint;
let secondUser: string;
/** The sequence of the last event a window has consumed. */
let consumed: bigint;

const received: GatewayEvent[] = [];
const retries: RetryInfo[] = [];
let streamError: unknown;
const waiters = new Set<() => void>();
const notify = () => waiters.forEach((check) => check());

function until(test: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (test()) {
        waiters.delete(check);
        resolve();
      } else if (streamError) {
        waiters.delete(check);
        reject(new Error(`the event iterator failed before ${what}: ${String(streamError)}`));
      }
    };
    waiters.add(check);
    check();
  });
}

type Round = { ran: boolean; mode: string | null; events: number | null };

/** The events after the last window up to the first SYNC_COMPLETED (the round's: the scheduler is off), others' left out. */
async function roundWindow(round: Round): Promise<GatewayEvent[]> {
  const after = consumed;
  const completed = () => received.find((e) => e.type === 'SYNC_COMPLETED' && BigInt(e.sequence) > after);
  await until(() => completed() !== undefined, `the SYNC_COMPLETED of the ${round.mode} round`);
  const done = completed()!;
  expect(done.payload).toMatchObject({ mode: round.mode, events: round.events });
  consumed = BigInt(done.sequence);
  return received.filter((e) => BigInt(e.sequence) > after && BigInt(e.sequence) <= consumed && !OTHER_PARTS.has(e.type));
}

/** A user moved directly from one mapped group to another: four membership events, one tier change, the round's end. */
function expectMove(events: GatewayEvent[], userId: string, from: { group: string; tier: string }, to: { group: string; tier: string }): void {
  const summary = events.map((e) => [e.type, e.payload.scope ?? null, e.payload.groupId ?? null, e.subjectId]);
  expect(summary).toHaveLength(6);
  expect(summary).toEqual(
    expect.arrayContaining([
      ['MEMBERSHIP_REMOVED', 'DIRECT', from.group, userId],
      ['MEMBERSHIP_REMOVED', 'EFFECTIVE', from.group, userId],
      ['MEMBERSHIP_ADDED', 'DIRECT', to.group, userId],
      ['MEMBERSHIP_ADDED', 'EFFECTIVE', to.group, userId],
      ['ACCESS_TIER_CHANGED', null, null, userId],
      ['SYNC_COMPLETED', null, null, null],
    ]),
  );
  const tierChanges = events.filter((e) => e.type === 'ACCESS_TIER_CHANGED');
  expect(tierChanges).toHaveLength(1);
  expect(tierChanges[0]!.payload).toMatchObject({ userId, old: { name: from.tier }, new: { name: to.tier } });
  expect(events.at(-1)!.type).toBe('SYNC_COMPLETED');
}

const FINANCE = { group: G.finance, tier: 'Finance' };
const ENGINEERING = { group: G.engineering, tier: 'Engineering' };

beforeAll(async () => {
  bench = await startTwoProcessBench();
  tenantId = bench.tenantId;
  served = bench.gwB;
  admin = createGatewayClient({ url: bench.gwA.graphqlUrl, credential: await bench.gwA.mintKey() });

  // The tiers, and the groups found by name through the client, previewed, then mapped.
  const financeTier = unwrap(await admin.defineAccessTier({ name: 'Finance', rank: 20 }));
  const engineeringTier = unwrap(await admin.defineAccessTier({ name: 'Engineering', rank: 30 }));
  const byName = async (prefix: string, name: string) => unwrap(await admin.groups(tenantId, { filter: { nameStartsWith: prefix }, first: 50 })).items.find((g) => g.displayName === name)!.id;
  const finance = await byName('Fin', 'Finance');
  const engineering = await byName('Eng', 'Engineering');
  expect([finance, engineering]).toEqual([G.finance, G.engineering]);
  const mappings = [
    { groupId: finance, tierId: financeTier.id },
    { groupId: engineering, tierId: engineeringTier.id },
  ];
  const preview = unwrap(await admin.previewTierMapping(tenantId, mappings));
  expect(preview.changes.find((c) => c.user.id === NORA)).toMatchObject({ from: null, to: { name: 'Finance' } });
  for (const m of mappings) unwrap(await admin.setTierMapping(tenantId, m.groupId, m.tierId));
  expect(unwrap(await admin.syncNow(tenantId))).toMatchObject({ ran: true, mode: 'INITIAL' });

  // A second Finance member who is not in Engineering, read from the snapshot, page by page.
  const financeUsers: string[] = [];
  for await (const member of allItems((after) => admin.groupMembers(tenantId, G.finance, { first: 20, after, source: 'SNAPSHOT' }))) {
    if (member.__typename === 'User') financeUsers.push(member.id);
  }
  secondUser = financeUsers.find((id) => id !== NORA)!;
  expect(unwrap(await admin.accessTier(tenantId, { userId: secondUser })).tier?.name).toBe('Finance');

  // The cursor the backend persisted: the end of the log as it stands, paged with eventsPage.
  let cursor: string | null = null;
  let last: GatewayEvent | undefined;
  for (;;) {
    const page: Page<GatewayEvent> = unwrap(await admin.eventsPage(tenantId, { after: cursor, first: 1000 }));
    last = page.items.at(-1) ?? last;
    cursor = page.endCursor;
    if (!page.hasNextPage) break;
  }
  expect(last).toBeDefined();
  startSequence = BigInt(last!.sequence);
  consumed = startSequence;

  const backend = createGatewayClient({
    url: served.graphqlUrl,
    credential: await bench.gwA.mintKey({ scopes: ['events:read'] as never, tenantIds: [tenantId] }),
    webSocketImpl: WebSocket,
  });
  stream = backend.events(tenantId, {
    after: cursor,
    retry: { initialDelayMs: 20, maxDelayMs: 200 },
    onRetry: (info) => {
      retries.push(info);
      notify();
    },
  });
  consuming = (async () => {
    try {
      for await (const event of stream) {
        received.push(event);
        notify();
      }
    } catch (error) {
      streamError = error;
      notify();
    }
  })();
}, 180_000);

afterAll(async () => {
  stream?.close();
  await consuming;
  await restarted?.stop();
  await bench?.stop();
});

afterEach(() => {
  // Strictly increasing: nothing repeated, nothing out of order; and the iterator never gave up.
  const sequences = received.map((e) => BigInt(e.sequence));
  expect(sequences.every((s, i) => i === 0 || s > sequences[i - 1]!)).toBe(true);
  expect(streamError).toBeUndefined();
});

it('a Finance user moved into Engineering in the simulator reaches the iterator as one ACCESS_TIER_CHANGED plus the membership events', async () => {
  await bench.sim.control.moveUser(SIM_TENANT, NORA, G.finance, G.engineering);
  const round = unwrap(await admin.syncNow(tenantId));
  expect(round).toMatchObject({ ran: true, mode: 'INCREMENTAL', events: 5 });
  expectMove(await roundWindow(round), NORA, FINANCE, ENGINEERING);
  expect(unwrap(await admin.accessTier(tenantId, { userPrincipalName: VERAFIELD.users.financeEmployee.userPrincipalName })).tier?.name).toBe('Engineering');
});

it('survives a gateway restart: events committed while no gateway served it are yielded after it reconnects to a new process', async () => {
  const port = new URL(served.url).port;
  const before = received.length;
  const retriesBefore = retries.length;
  await served.stop();
  // The iterator saw the 1012 close (or the refused connection after it) and is retrying.
  await until(() => retries.length > retriesBefore, 'a retry after the gateway stopped');
  expect(retries.slice(retriesBefore).map((r) => r.why).join(' | ')).toMatch(/1012|ECONNREFUSED|unreachable|1006/);

  // Meanwhile: a change in the simulator, and a round on A commits its events; nothing can reach the iterator.
  await bench.sim.control.moveUser(SIM_TENANT, secondUser, G.finance, G.engineering);
  const round = unwrap(await admin.syncNow(tenantId));
  expect(round).toMatchObject({ ran: true, mode: 'INCREMENTAL', events: 5 });
  expect(received.length).toBe(before);

  // A new gateway process on the same port and database; the iterator comes back on its own.
  restarted = await startTestGateway({ database: await secondHandle(bench.database), env: { ...bench.env, PORT: port } });
  served = restarted;
  expectMove(await roundWindow(round), secondUser, FINANCE, ENGINEERING);
  // Every retry resumed from the cursor of the last event handed out before the stop.
  expect(new Set(retries.slice(retriesBefore).map((r) => r.resumeAfter))).toEqual(new Set([received[before - 1]!.cursor]));

  // And live after the restart: Nora moves back.
  await bench.sim.control.moveUser(SIM_TENANT, NORA, G.engineering, G.finance);
  const back = unwrap(await admin.syncNow(tenantId));
  expectMove(await roundWindow(back), NORA, ENGINEERING, FINANCE);
});

it('yielded exactly the events the log holds after the start cursor: none lost, none repeated', async () => {
  const rows: Array<{ sequence: string }> = await bench.gwA.database.dataSource.query(
    `SELECT sequence::text FROM directory_events WHERE tenant_id = $1 AND sequence > $2 AND sequence <= $3 ORDER BY directory_events.sequence`,
    [tenantId, startSequence.toString(), consumed.toString()],
  );
  const yielded = received.filter((e) => BigInt(e.sequence) <= consumed).map((e) => e.sequence);
  expect(yielded).toEqual(rows.map((r) => r.sequence));
  expect(yielded.length).toBeGreaterThanOrEqual(18);
});
