/**
 * The events API on one gateway: polling pages to the end and continues from endCursor; the types filter;
 * tenant isolation and the events:read scope; forged and expired cursors; a slow subscriber is ended with the
 * cursor to resume from.
 */
import { GraphQLClient } from 'graphql-request';
import { appendEvents } from '../../src/events/event-log';
import { EventStream } from '../../src/events/event-stream';
import { DirectoryEventType } from '../../src/events/event.types';
import { ApiScope } from '../../src/core/auth/principal';
import { bearer, startTestGateway, TestGateway } from '../support/gateway';
import { commitEvents, EVENT_FIELDS, range, seedTenant, Subscriber } from './event-fixtures';

let gw: TestGateway;
let key: string;
let client: GraphQLClient;
let tenantA: string;
let tenantB: string;
const subscribers: Subscriber[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ env: { EVENT_SUBSCRIBER_QUEUE_LIMIT: '10' } });
  key = await gw.mintKey();
  client = new GraphQLClient(gw.graphqlUrl, { headers: bearer(key) });
  tenantA = await seedTenant(gw.database.dataSource, 'A');
  tenantB = await seedTenant(gw.database.dataSource, 'B');
});

afterAll(async () => {
  await Promise.all(subscribers.map((subscriber) => subscriber.stop()));
  await gw.stop();
});

function subscribe(variables: { tenantId: string; after?: string | null; types?: string[] }, withKey = key): Subscriber {
  const subscriber = new Subscriber(gw.graphqlUrl, withKey).start(variables);
  subscribers.push(subscriber);
  return subscriber;
}

type Page = {
  edges: Array<{ cursor: string; node: { cursor: string; sequence: string; type: string; payload: { n: number } } }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};

async function poll(variables: { tenantId: string; after?: string | null; first?: number; types?: string[] }, as = client): Promise<Page> {
  const data = await as.request<{ events: Page }>(
    `query($tenantId: ID!, $after: String, $first: Int, $types: [DirectoryEventType!]) {
       events(tenantId: $tenantId, after: $after, first: $first, types: $types) { edges { cursor node { ${EVENT_FIELDS} } } pageInfo { hasNextPage endCursor } }
     }`,
    variables,
  );
  return data.events;
}

async function errorOf(request: Promise<unknown>): Promise<{ message: string; code: string; extensions: Record<string, unknown> }> {
  try {
    await request;
  } catch (error) {
    const [first] = (error as { response: { errors: Array<{ message: string; extensions: Record<string, unknown> }> } }).response.errors;
    return { message: first.message, code: first.extensions.code as string, extensions: first.extensions };
  }
  throw new Error('expected the request to fail, but it succeeded');
}

describe('events (polling)', () => {
  it('pages oldest first to the end, then continues from endCursor with what came later', async () => {
    const tenantId = await seedTenant(gw.database.dataSource, 'poller');
    await commitEvents(gw.database.dataSource, tenantId, range(1, 25));
    const seen: number[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: Page = await poll({ tenantId, after, first: 10 });
      pages += 1;
      seen.push(...page.edges.map((edge) => edge.node.payload.n));
      expect(page.edges.every((edge) => edge.cursor === edge.node.cursor)).toBe(true);
      after = page.pageInfo.endCursor;
      if (!page.pageInfo.hasNextPage) break;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(range(1, 25));
    // At the end: an empty page keeps the position.
    const empty = await poll({ tenantId, after, first: 10 });
    expect(empty).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: after } });
    await commitEvents(gw.database.dataSource, tenantId, [26, 27]);
    expect((await poll({ tenantId, after, first: 10 })).edges.map((edge) => edge.node.payload.n)).toEqual([26, 27]);
  });

  it('filters by type', async () => {
    const tenantId = await seedTenant(gw.database.dataSource, 'types');
    await commitEvents(gw.database.dataSource, tenantId, [1, 2]);
    await commitEvents(gw.database.dataSource, tenantId, [3], DirectoryEventType.MEMBERSHIP_ADDED);
    await commitEvents(gw.database.dataSource, tenantId, [4], DirectoryEventType.ACCESS_TIER_CHANGED);
    const page = await poll({ tenantId, types: ['MEMBERSHIP_ADDED', 'ACCESS_TIER_CHANGED'] });
    expect(page.edges.map((edge) => [edge.node.type, edge.node.payload.n])).toEqual([
      ['MEMBERSHIP_ADDED', 3],
      ['ACCESS_TIER_CHANGED', 4],
    ]);
  });

  it('refuses a page size out of range and an unknown tenant', async () => {
    expect(await errorOf(poll({ tenantId: tenantA, first: 0 }))).toMatchObject({ code: 'BAD_USER_INPUT', message: 'first: expected an integer from 1 to 1000, received 0' });
    expect(await errorOf(poll({ tenantId: '00000000-0000-4000-8000-000000000000' }))).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('access', () => {
  it("a key for tenant A gets FORBIDDEN on B's events, polled or subscribed; a key without events:read too", async () => {
    const keyA = await gw.mintKey({ scopes: [ApiScope.EVENTS_READ], tenantIds: [tenantA] });
    const clientA = new GraphQLClient(gw.graphqlUrl, { headers: bearer(keyA) });
    expect((await poll({ tenantId: tenantA }, clientA)).edges).toBeDefined();
    expect(await errorOf(poll({ tenantId: tenantB }, clientA))).toMatchObject({ code: 'FORBIDDEN', message: `this caller may not access tenant ${tenantB}` });

    const refused = subscribe({ tenantId: tenantB }, keyA);
    await refused.untilEnded();
    expect(refused.errors).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })]);
    expect(refused.received).toEqual([]);

    const directoryOnly = await gw.mintKey({ scopes: [ApiScope.DIRECTORY_READ], tenantIds: null });
    const noScope = subscribe({ tenantId: tenantA }, directoryOnly);
    await noScope.untilEnded();
    expect(noScope.errors).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })]);
  });
});

describe('cursors', () => {
  it('refuses a forged cursor and a cursor of another tenant with BAD_USER_INPUT, polled or subscribed', async () => {
    const [event] = await commitEvents(gw.database.dataSource, tenantA, [1]);
    const good = gw.services.events.cursors.encode(tenantA, event.sequence);
    const bytes = Buffer.from(good, 'base64url');
    bytes.writeBigUInt64BE(1n, 5);
    const forged = bytes.toString('base64url');
    for (const [tenantId, after] of [
      [tenantA, forged],
      [tenantB, good],
    ]) {
      expect(await errorOf(poll({ tenantId, after }))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('after: expected a cursor this gateway returned') });
      const subscriber = subscribe({ tenantId, after });
      await subscriber.untilEnded();
      expect(subscriber.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } })]);
    }
  });

  it('tells a client whose cursor is behind the retention purge to resync, and keeps later cursors valid', async () => {
    const tenantId = await seedTenant(gw.database.dataSource, 'retention');
    const old = await commitEvents(gw.database.dataSource, tenantId, range(1, 3));
    const recent = await commitEvents(gw.database.dataSource, tenantId, [4, 5]);
    await gw.database.dataSource.query(`UPDATE directory_events SET occurred_at = now() - interval '31 days' WHERE sequence = ANY ($1::bigint[])`, [old.map((e) => e.sequence)]);
    expect(await gw.services.events.purgeExpired()).toBe(3);

    const stale = gw.services.events.cursors.encode(tenantId, old[0].sequence);
    const expired = await errorOf(poll({ tenantId, after: stale }));
    expect(expired).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { reason: 'EVENTS_EXPIRED' } });
    expect(expired.message).toMatch(/older than the event retention \(30 days\).*Resync/);
    const subscriber = subscribe({ tenantId, after: stale });
    await subscriber.untilEnded();
    expect(subscriber.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', reason: 'EVENTS_EXPIRED' } })]);

    // The cursor of the last purged event missed nothing; nor did a later one.
    const edge = gw.services.events.cursors.encode(tenantId, old[2].sequence);
    expect((await poll({ tenantId, after: edge })).edges.map((e) => e.node.payload.n)).toEqual([4, 5]);
    expect((await poll({ tenantId })).edges.map((e) => e.node.sequence)).toEqual(recent.map((e) => e.sequence));
  });
});

describe('retention racing a replay', () => {
  it('ends the subscription with EVENTS_EXPIRED, rather than skipping, when a purge deletes events it has yet to replay', async () => {
    const tenantId = await seedTenant(gw.database.dataSource, 'purged mid-replay');
    const [seed] = await commitEvents(gw.database.dataSource, tenantId, [0]);
    const events = await commitEvents(gw.database.dataSource, tenantId, range(1, 12));
    // Pages of 5 (half the queue of 10): before the second page, events 1..8 age out and are purged.
    gw.services.events.testHooks.beforeReplayPage = async (id, page) => {
      if (id !== tenantId || page !== 1) return;
      await gw.database.dataSource.query(`UPDATE directory_events SET occurred_at = now() - interval '31 days' WHERE sequence = ANY ($1::bigint[])`, [
        events.slice(0, 8).map((event) => event.sequence),
      ]);
      await gw.services.events.purgeExpired();
    };
    try {
      const subscriber = subscribe({ tenantId, after: gw.services.events.cursors.encode(tenantId, seed.sequence) });
      await subscriber.untilEnded();
      expect(subscriber.ns()).toEqual(range(1, 5));
      expect(subscriber.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', reason: 'EVENTS_EXPIRED' } })]);
    } finally {
      delete gw.services.events.testHooks.beforeReplayPage;
    }
  });
});

describe('directoryEvents (one gateway)', () => {
  it('replays after the cursor, then streams live, filtered by type', async () => {
    const tenantId = await seedTenant(gw.database.dataSource, 'live');
    const [first] = await commitEvents(gw.database.dataSource, tenantId, [1]);
    await commitEvents(gw.database.dataSource, tenantId, [2], DirectoryEventType.MEMBERSHIP_ADDED);
    await commitEvents(gw.database.dataSource, tenantId, [3]);
    const all = subscribe({ tenantId, after: gw.services.events.cursors.encode(tenantId, first.sequence) });
    const membership = subscribe({ tenantId, after: gw.services.events.cursors.encode(tenantId, first.sequence), types: ['MEMBERSHIP_ADDED'] });
    await all.untilN(3);
    await membership.untilN(2);
    await commitEvents(gw.database.dataSource, tenantId, [4]);
    await commitEvents(gw.database.dataSource, tenantId, [5], DirectoryEventType.MEMBERSHIP_ADDED);
    await all.untilN(5);
    await membership.untilN(5);
    expect(all.ns()).toEqual([2, 3, 4, 5]);
    expect(membership.ns()).toEqual([2, 5]);
    expect(membership.received.every((event) => event.type === 'MEMBERSHIP_ADDED' && event.tenantId === tenantId)).toBe(true);
    expect(all.received[0]).toMatchObject({ subjectId: 'user-2', payload: { n: 2 }, occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('without a cursor, streams only what is committed after it went live', async () => {
    const tenantId = await seedTenant(gw.database.dataSource, 'live only');
    await commitEvents(gw.database.dataSource, tenantId, [1]);
    const live = waitForLive(tenantId);
    const subscriber = subscribe({ tenantId });
    await live;
    await commitEvents(gw.database.dataSource, tenantId, [2]);
    await subscriber.untilN(2);
    expect(subscriber.ns()).toEqual([2]);
  });

  it('ends a subscriber that falls more than the queue limit behind, naming the cursor to resume from', async () => {
    const tenantId = await seedTenant(gw.database.dataSource, 'slow');
    const [first] = await commitEvents(gw.database.dataSource, tenantId, [1]);
    // A stream nobody reads (what a client with a full socket looks like from here).
    const live = waitForLive(tenantId);
    const stream: EventStream = await gw.services.events.subscribe({ tenantId, types: null, after: gw.services.events.cursors.encode(tenantId, first.sequence) });
    await commitEvents(gw.database.dataSource, tenantId, [2]);
    const taken = await stream.next();
    expect(taken.value).toMatchObject({ event: { payload: { n: 2 } } });
    await live;
    await gw.database.dataSource.transaction((manager) =>
      appendEvents(manager, range(3, 20).map((n) => ({ tenantId, type: DirectoryEventType.USER_UPDATED, payload: { n } }))),
    );
    await stream.ended;
    const ended = await stream.next();
    expect(ended.value).toMatchObject({ error: { extensions: { code: 'BAD_USER_INPUT', reason: 'SUBSCRIBER_TOO_SLOW' } } });
    const resumeAfter = (ended.value as { error: { extensions: { resumeAfter: string } } }).error.extensions.resumeAfter;
    expect(gw.services.events.cursors.decode(tenantId, resumeAfter, 'after')).toBe((taken.value as { event: { sequence: string } }).event.sequence);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    // Resuming from there gets everything after the last event taken.
    expect((await poll({ tenantId, after: resumeAfter, first: 100 })).edges.map((edge) => edge.node.payload.n)).toEqual(range(3, 20));
  });
});

function waitForLive(tenantId: string): Promise<void> {
  return new Promise((resolve) => {
    const off = gw.services.events.onLive((id) => {
      if (id !== tenantId) return;
      off();
      resolve();
    });
  });
}
