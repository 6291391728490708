/**
 * End to end over two gateway processes on ONE database and one simulator (issue 6, "Done when"): Verafield is
 * connected through the real consent flow on gateway A, Finance and Engineering are mapped to two tiers, and A
 * syncs. A backend subscribes to directoryEvents over graphql-ws on gateway B. When the customer's IT moves a
 * Finance employee into a group nested under Engineering, A's next round reaches B's subscriber as exactly one
 * direct MEMBERSHIP_REMOVED, one direct MEMBERSHIP_ADDED, the effective ones with their paths, and exactly one
 * ACCESS_TIER_CHANGED (Finance -> Engineering): everything is collected until that round's SYNC_COMPLETED.
 * Then the lease: B's syncNow while A holds the lease answers LEASE_HELD, and rounds with nothing changed emit
 * no membership events. No mocks and no sleeps: waits are on what the server sends or on PostgreSQL's state.
 */
import type { RoundResult } from '../../src/sync/sync-engine';
import { VERAFIELD } from '../../src/simulator/generator';
import { Subscriber, type ReceivedEvent } from '../events/event-fixtures';
import { startTwoProcessBench, type TwoProcessBench } from './two-process-fixtures';

const SIM_TENANT = VERAFIELD.tenantId;
const G = VERAFIELD.groups;
const U = VERAFIELD.users;
const MOVED = U.financeEmployee.id;

/** Other parts' events (drift findings, tenant status) may be written after any round; these tests do not count them. */
const OTHER_PARTS = new Set(['DRIFT_DETECTED', 'DRIFT_RESOLVED', 'TENANT_STATUS_CHANGED']);
const MEMBERSHIP_OR_TIER = new Set(['MEMBERSHIP_ADDED', 'MEMBERSHIP_REMOVED', 'ACCESS_TIER_CHANGED']);

let bench: TwoProcessBench;
let tenantId: string;
/** B's subscriber (events:read on the tenant only), live for the whole file. */
let subscriber: Subscriber;
/** The sequence of the last event a window below has consumed. */
let consumed: bigint;

const q = <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => bench.gwA.database.dataSource.query(sql, params);

function ran(result: RoundResult): Extract<RoundResult, { ran: true }> {
  if (!result.ran) throw new Error(`expected the round to run, got ${JSON.stringify(result)}`);
  return result;
}

/**
 * The events B's subscriber receives after the last window, up to and including the first SYNC_COMPLETED (rounds
 * run one at a time and the scheduler is off, so it is `round`'s; asserted from its payload). Other parts' events
 * are left out.
 */
async function roundWindow(round: Extract<RoundResult, { ran: true }>): Promise<ReceivedEvent[]> {
  const after = consumed;
  const completed = () => subscriber.received.find((e) => e.type === 'SYNC_COMPLETED' && BigInt(e.sequence) > after);
  await subscriber.until(() => completed() !== undefined, `the SYNC_COMPLETED of the ${round.mode} round`);
  const done = completed()!;
  expect(done.payload).toMatchObject({ mode: round.mode, events: round.events, objects: round.objects, graphRequests: round.graphRequests, durationMs: round.durationMs });
  consumed = BigInt(done.sequence);
  return subscriber.received.filter((e) => BigInt(e.sequence) > after && BigInt(e.sequence) <= consumed && !OTHER_PARTS.has(e.type));
}

/** Resolves once `n` lease-taking statements of sync engines wait for a row lock on sync_state. */
async function untilLeaseWaiters(n: number): Promise<void> {
  for (let polls = 0; polls < 100_000; polls++) {
    const [{ waiting }] = await q<{ waiting: number }>(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
          AND query LIKE '%INSERT INTO sync_state AS s (tenant_id, lease_owner,%'`,
    );
    if (waiting >= n) return;
  }
  throw new Error(`expected ${n} sync engine(s) waiting for the lease row, never saw them`);
}

beforeAll(async () => {
  bench = await startTwoProcessBench();
  tenantId = bench.tenantId;
  const { gwA, gwB } = bench;

  // Finance and Engineering mapped to two tiers (written through A; B reads the same database).
  const access = gwA.services.access;
  const finance = await access.defineTier({ name: 'Finance', rank: 20, description: null });
  const engineering = await access.defineTier({ name: 'Engineering', rank: 30, description: null });
  await access.setMapping({ tenantId, groupId: G.finance, groupDisplayName: 'Finance', tierId: finance.id, createdBy: 'test' });
  await access.setMapping({ tenantId, groupId: G.engineering, groupDisplayName: 'Engineering', tierId: engineering.id, createdBy: 'test' });

  // The initial round, on A.
  const initial = ran(await gwA.services.sync.syncNow(tenantId));
  expect(initial).toMatchObject({ mode: 'INITIAL', events: 0 });

  // B's subscriber starts from the cursor of the event before the latest one: receiving the latest proves the
  // subscription is live (the replay hands over to the live stream with no gap).
  const [latest, before] = await q<{ sequence: string }>(`SELECT sequence::text FROM directory_events WHERE tenant_id = $1 ORDER BY sequence DESC LIMIT 2`, [tenantId]);
  expect(latest).toBeDefined();
  const key = await gwB.mintKey({ scopes: ['events:read'] as never, tenantIds: [tenantId] });
  subscriber = new Subscriber(gwB.graphqlUrl, key).start({ tenantId, after: before ? gwB.services.events.cursors.encode(tenantId, before.sequence) : null });
  await subscriber.until((s) => s.received.some((e) => e.sequence === latest.sequence), 'the latest logged event');
  consumed = BigInt(latest.sequence);
}, 120_000);

afterAll(async () => {
  await subscriber?.stop();
  await bench?.stop();
});

afterEach(() => {
  // Across the whole stream so far: no event twice, none out of order, no error.
  const sequences = subscriber.received.map((e) => BigInt(e.sequence));
  expect(sequences.every((s, i) => i === 0 || s > sequences[i - 1])).toBe(true);
  expect(subscriber.errors).toEqual([]);
  expect(subscriber.completed).toBe(false);
});

it('a user moved between mapped groups in the simulator reaches a subscriber of the other process exactly once: membership events with paths, one ACCESS_TIER_CHANGED', async () => {
  // Customer IT moves Nora (Finance) into Data Team, which is nested in Engineering.
  await bench.sim.control.moveUser(SIM_TENANT, MOVED, G.finance, G.dataTeam);
  const round = ran(await bench.gwA.services.sync.syncNow(tenantId));
  expect(round).toMatchObject({ mode: 'INCREMENTAL', events: 6 });

  const events = await roundWindow(round);
  const summary = events.map((e) => [e.type, e.payload.scope ?? null, e.payload.groupId ?? null, e.subjectId]);
  expect(summary).toHaveLength(7);
  expect(summary).toEqual(
    expect.arrayContaining([
      ['MEMBERSHIP_REMOVED', 'DIRECT', G.finance, MOVED],
      ['MEMBERSHIP_ADDED', 'DIRECT', G.dataTeam, MOVED],
      ['MEMBERSHIP_REMOVED', 'EFFECTIVE', G.finance, MOVED],
      ['MEMBERSHIP_ADDED', 'EFFECTIVE', G.dataTeam, MOVED],
      ['MEMBERSHIP_ADDED', 'EFFECTIVE', G.engineering, MOVED],
      ['ACCESS_TIER_CHANGED', null, null, MOVED],
      ['SYNC_COMPLETED', null, null, null],
    ]),
  );
  // The last one is the round's SYNC_COMPLETED: every change event of the round came before it.
  expect(events.at(-1)!.type).toBe('SYNC_COMPLETED');

  const of = (type: string, scope?: string) => events.filter((e) => e.type === type && (scope === undefined || e.payload.scope === scope));
  expect(of('MEMBERSHIP_REMOVED', 'DIRECT')).toHaveLength(1);
  expect(of('MEMBERSHIP_ADDED', 'DIRECT')).toHaveLength(1);
  expect(of('MEMBERSHIP_REMOVED', 'EFFECTIVE')).toHaveLength(1);
  expect(of('MEMBERSHIP_ADDED', 'EFFECTIVE')).toHaveLength(2);
  expect(of('ACCESS_TIER_CHANGED')).toHaveLength(1);
  expect(of('SYNC_COMPLETED')).toHaveLength(1);

  expect(of('MEMBERSHIP_REMOVED', 'DIRECT')[0].payload).toMatchObject({ groupId: G.finance, memberId: MOVED });
  expect(of('MEMBERSHIP_ADDED', 'DIRECT')[0].payload).toMatchObject({ groupId: G.dataTeam, memberId: MOVED });
  // The effective ones, with the path through the nested groups.
  const effective = (type: string, groupId: string) => of(type, 'EFFECTIVE').find((e) => e.payload.groupId === groupId)!.payload;
  expect(effective('MEMBERSHIP_REMOVED', G.finance)).toMatchObject({ memberId: MOVED, path: [G.finance], pathNames: ['Finance'] });
  expect(effective('MEMBERSHIP_ADDED', G.dataTeam)).toMatchObject({ memberId: MOVED, path: [G.dataTeam], pathNames: ['Data Team'] });
  expect(effective('MEMBERSHIP_ADDED', G.engineering)).toMatchObject({
    memberId: MOVED,
    groupDisplayName: 'Engineering',
    path: [G.engineering, G.dataTeam],
    pathNames: ['Engineering', 'Data Team'],
  });

  expect(of('ACCESS_TIER_CHANGED')[0].payload).toMatchObject({
    userId: MOVED,
    old: { name: 'Finance', rank: 20 },
    new: { name: 'Engineering', rank: 30 },
    reason: 'HIGHEST_RANKED_MAPPING',
    decidingGroups: [G.engineering],
    why: { mappedGroupsJoined: [{ id: G.engineering, displayName: 'Engineering' }], mappedGroupsLeft: [{ id: G.finance, displayName: 'Finance' }] },
  });
});

it("B's syncNow while A holds the lease answers LEASE_HELD; rounds with nothing changed emit no membership events", async () => {
  const { gwA, gwB } = bench;
  expect(gwA.services.sync.engine.owner).not.toBe(gwB.services.sync.engine.owner);

  // Hold the tenant's sync_state row so that A's lease-taking statement queues on it first and B's behind it.
  // On release A takes the lease; B's statement then re-reads the row, finds A's live lease and takes nothing.
  const lock = gwA.database.dataSource.createQueryRunner();
  await lock.connect();
  let onA: Promise<RoundResult> | undefined;
  let onB: Promise<RoundResult> | undefined;
  try {
    await lock.startTransaction();
    await lock.query(`SELECT lease_owner FROM sync_state WHERE tenant_id = $1 FOR UPDATE`, [tenantId]);
    onA = gwA.services.sync.syncNow(tenantId);
    await untilLeaseWaiters(1);
    onB = gwB.services.sync.syncNow(tenantId);
    await untilLeaseWaiters(2);
  } finally {
    if (lock.isTransactionActive) await lock.commitTransaction();
    await lock.release();
  }
  const [a, b] = await Promise.all([onA, onB]);
  expect(b).toEqual({ ran: false, reason: 'LEASE_HELD' });
  const roundA = ran(a!);
  expect(roundA).toMatchObject({ mode: 'INCREMENTAL', events: 0, objects: 0 });

  // Exactly one round ran: its SYNC_COMPLETED, nothing about memberships or tiers.
  const windowA = await roundWindow(roundA);
  expect(windowA.map((e) => e.type)).toEqual(['SYNC_COMPLETED']);

  // The lease is free again: B runs the next round itself; still nothing changed, still no membership events.
  const [state] = await q(`SELECT lease_owner FROM sync_state WHERE tenant_id = $1`, [tenantId]);
  expect(state.lease_owner).toBeNull();
  const roundB = ran(await gwB.services.sync.syncNow(tenantId));
  expect(roundB).toMatchObject({ mode: 'INCREMENTAL', events: 0, objects: 0 });
  const windowB = await roundWindow(roundB);
  expect(windowB.map((e) => e.type)).toEqual(['SYNC_COMPLETED']);
  // Over the whole stream B delivered: the move's six membership and tier events, nothing else of the kind, none late.
  expect(subscriber.received.filter((e) => MEMBERSHIP_OR_TIER.has(e.type))).toHaveLength(6);
});
