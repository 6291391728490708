/**
 * events() against a real gateway (no simulator: events are committed straight into the log): resuming after the
 * network drops the connection, the typed errors it stops with, each carrying the cursor to resume from, and
 * resuming with that cursor. EVENT_SUBSCRIBER_QUEUE_LIMIT is 10, so one transaction of 18 events overflows a
 * subscriber's queue on the gateway.
 */
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { appendEvents } from '../../../src/events/event-log';
import { DirectoryEventType } from '../../../src/events/event.types';
import { commitEvents, range, seedTenant } from '../../../test/events/event-fixtures';
import { startTestGateway, type TestGateway } from '../../../test/support/gateway';
import { createGatewayClient, EventsError, type EventsOptions, type GatewayEvent } from '../src';

let gw: TestGateway;
let key: string;

beforeAll(async () => {
  gw = await startTestGateway({ env: { EVENT_SUBSCRIBER_QUEUE_LIMIT: '10' } });
  key = await gw.mintKey({ scopes: ['events:read'] as never });
});

afterAll(async () => {
  await gw?.stop();
});

// No webSocketImpl: on Node 20 the client falls back to the `ws` package (Node 22 has a global WebSocket).
const client = (credential = key) => createGatewayClient({ url: gw.graphqlUrl, credential });
const n = (event: GatewayEvent) => event.payload.n as number;

/** Runs the iterator to its end (or until `stopAfter` events), returning what it yielded and how it stopped. */
async function drain(tenantId: string, options: EventsOptions, stopAfter = Infinity, onEvent?: (event: GatewayEvent) => Promise<void>): Promise<{ events: GatewayEvent[]; error?: EventsError }> {
  const events: GatewayEvent[] = [];
  try {
    for await (const event of client().events(tenantId, { retry: { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 3 }, ...options })) {
      events.push(event);
      await onEvent?.(event);
      if (events.length >= stopAfter) break;
    }
  } catch (error) {
    if (!(error instanceof EventsError)) throw error;
    return { events, error };
  }
  return { events };
}

/** A TCP proxy in front of the gateway whose connections can be cut, and new ones refused, as a flaky network would. */
async function startProxy(target: URL): Promise<{ url: string; cut(): void; refuse(on: boolean): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let refusing = false;
  const server: Server = createServer((inbound) => {
    if (refusing) return inbound.destroy();
    const outbound = connect(Number(target.port), target.hostname);
    for (const [a, b] of [[inbound, outbound], [outbound, inbound]] as const) {
      sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => (sockets.delete(a), b.destroy()));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    cut: () => sockets.forEach((socket) => socket.destroy()),
    refuse: (on) => (refusing = on),
    close: () => new Promise((resolve) => (sockets.forEach((socket) => socket.destroy()), server.close(() => resolve()))),
  };
}

it('resumes from the last cursor after the network drops the connection: what was committed meanwhile, then live, each once', async () => {
  const tenantId = await seedTenant(gw.database.dataSource, 'flaky network');
  const [first] = await commitEvents(gw.database.dataSource, tenantId, [1]);
  const proxy = await startProxy(new URL(gw.graphqlUrl));
  const retries: string[] = [];
  const onRetry = ({ why }: { why: string }) => void retries.push(why);
  const stream = createGatewayClient({ url: proxy.url, credential: key }).events(tenantId, {
    after: gw.services.events.cursors.encode(tenantId, first!.sequence),
    retry: { initialDelayMs: 10, maxDelayMs: 50 },
    onRetry,
  });
  const iterator = stream[Symbol.asyncIterator]();
  try {
    await commitEvents(gw.database.dataSource, tenantId, [2]);
    expect(n((await iterator.next()).value!)).toBe(2);
    // The network fails: the connection is cut and new ones are refused while events 3..5 are committed.
    proxy.refuse(true);
    proxy.cut();
    await commitEvents(gw.database.dataSource, tenantId, [3, 4, 5]);
    const subscribedAgain = new Promise<void>((resolve) => {
      const off = gw.services.events.onLive((t) => t === tenantId && (off(), resolve()));
    });
    proxy.refuse(false);
    const yielded: number[] = [];
    for (let i = 0; i < 3; i++) yielded.push(n((await iterator.next()).value!));
    await subscribedAgain;
    await commitEvents(gw.database.dataSource, tenantId, [6]);
    yielded.push(n((await iterator.next()).value!));
    expect(yielded).toEqual([3, 4, 5, 6]);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toMatch(/1006|unreachable|closed/);
  } finally {
    stream.close();
    await iterator.return?.();
    await proxy.close();
  }
});

/** Resolves once the gateway holds no subscription (polls its count between event-loop turns; no sleeps). */
function untilNoSubscriptions(): Promise<void> {
  return new Promise<void>((resolve) => {
    const check = () => (gw.services.events.subscriptionCount === 0 ? resolve() : setImmediate(check));
    check();
  });
}

it('bounds its own buffer: a loop that does not keep up is served again from its cursor, nothing lost or repeated', async () => {
  const tenantId = await seedTenant(gw.database.dataSource, 'busy loop');
  const [first] = await commitEvents(gw.database.dataSource, tenantId, [1]);
  await commitEvents(gw.database.dataSource, tenantId, [2]);
  const retries: string[] = [];
  const stream = client().events(tenantId, { after: gw.services.events.cursors.encode(tenantId, first!.sequence), maxBuffered: 3, onRetry: ({ why }) => void retries.push(why) });
  const iterator = stream[Symbol.asyncIterator]();
  try {
    const live = new Promise<void>((resolve) => {
      const off = gw.services.events.onLive((t) => t === tenantId && (off(), resolve()));
    });
    expect(n((await iterator.next()).value!)).toBe(2);
    await live;
    // Eight events at once (within the gateway's queue of 10) while the loop is busy: the client's buffer of 3
    // fills, so it lets the subscription go (the gateway's count drops to zero) and keeps what it has.
    await gw.database.dataSource.transaction((manager) => appendEvents(manager, range(3, 10).map((i) => ({ tenantId, type: DirectoryEventType.USER_UPDATED, payload: { n: i } }))));
    await untilNoSubscriptions();
    const yielded: number[] = [];
    for (let i = 3; i <= 10; i++) yielded.push(n((await iterator.next()).value!));
    expect(yielded).toEqual(range(3, 10));
    expect(retries[0]).toMatch(/buffer full/);
  } finally {
    stream.close();
    await iterator.return?.();
  }
});

it('stops with SUBSCRIBER_TOO_SLOW and the cursor of the last event yielded; resuming from it yields the rest exactly once', async () => {
  const tenantId = await seedTenant(gw.database.dataSource, 'slow');
  const [first] = await commitEvents(gw.database.dataSource, tenantId, [1]);
  await commitEvents(gw.database.dataSource, tenantId, [2]);
  const live = new Promise<void>((resolve) => {
    const off = gw.services.events.onLive((t) => t === tenantId && (off(), resolve()));
  });
  const firstRun = drain(tenantId, { after: gw.services.events.cursors.encode(tenantId, first!.sequence) }, Infinity, async (event) => {
    if (n(event) !== 2) return;
    // Live now, with event 2 handed out: 18 events in one transaction reach the gateway's queue at once.
    await live;
    await gw.database.dataSource.transaction((manager) => appendEvents(manager, range(3, 20).map((i) => ({ tenantId, type: DirectoryEventType.USER_UPDATED, payload: { n: i } }))));
  });
  const { events, error } = await firstRun;
  expect(error).toBeInstanceOf(EventsError);
  expect(error).toMatchObject({ code: 'SUBSCRIBER_TOO_SLOW', extensions: { reason: 'SUBSCRIBER_TOO_SLOW' } });
  expect(error!.resumeAfter).toBe(events.at(-1)!.cursor);
  expect(events.map(n)).toEqual(range(2, events.length + 1));

  const resumed = await drain(tenantId, { after: error!.resumeAfter }, 20 - events.length - 1);
  expect([...events, ...resumed.events].map(n)).toEqual(range(2, 20));
});

it('stops with EVENTS_EXPIRED when the cursor is older than the retention', async () => {
  const tenantId = await seedTenant(gw.database.dataSource, 'retention');
  const old = await commitEvents(gw.database.dataSource, tenantId, range(1, 3));
  await commitEvents(gw.database.dataSource, tenantId, [4]);
  await gw.database.dataSource.query(`UPDATE directory_events SET occurred_at = now() - interval '31 days' WHERE sequence = ANY ($1::bigint[])`, [old.map((e) => e.sequence)]);
  expect(await gw.services.events.purgeExpired()).toBe(3);
  const stale = gw.services.events.cursors.encode(tenantId, old[0]!.sequence);
  const { events, error } = await drain(tenantId, { after: stale });
  expect(events).toEqual([]);
  expect(error).toMatchObject({ code: 'EVENTS_EXPIRED', resumeAfter: stale });
  expect(error!.message).toMatch(/older than the event retention/);
});

it.each([
  ['a forged cursor', async (tenantId: string) => ({ tenantId, options: { after: 'not-a-cursor' } }), 'BAD_USER_INPUT'],
  ['an unknown tenant', async () => ({ tenantId: randomUUID(), options: {} }), 'NOT_FOUND'],
])('stops at once with a typed error for %s', async (_name, setup, code) => {
  const { tenantId, options } = await setup(await seedTenant(gw.database.dataSource, 'refused'));
  const { events, error } = await drain(tenantId, options);
  expect(events).toEqual([]);
  expect(error).toMatchObject({ code });
});

it('stops with FORBIDDEN (close 4403) for a key the gateway does not accept, without retrying', async () => {
  const tenantId = await seedTenant(gw.database.dataSource, 'bad key');
  const retries: unknown[] = [];
  const events: GatewayEvent[] = [];
  const stream = client('egk_nosuchkey_nosecret').events(tenantId, { onRetry: (r) => retries.push(r) });
  const error = await (async () => {
    try {
      for await (const event of stream) events.push(event);
    } catch (e) {
      return e;
    }
  })();
  expect(error).toMatchObject({ name: 'EventsError', code: 'FORBIDDEN', closeCode: 4403 });
  expect(retries).toEqual([]);
});

it('close() ends a waiting iteration', async () => {
  const tenantId = await seedTenant(gw.database.dataSource, 'closed');
  const stream = client().events(tenantId);
  const live = new Promise<void>((resolve) => {
    const off = gw.services.events.onLive((t) => t === tenantId && (off(), resolve()));
  });
  const iterator = stream[Symbol.asyncIterator]();
  const pending = iterator.next();
  await live;
  stream.close();
  expect(await pending).toEqual({ value: undefined, done: true });
  // The gateway's side of the subscription ends too.
  await untilNoSubscriptions();
});
