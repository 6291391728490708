/**
 * Verified callers cached in process, across two gateway instances on one database (each with its own pool and
 * LISTEN connection): no SQL per request in the steady state; a revocation or a change of a key's rights made
 * through one instance (or by an operator straight in the database) reaches the other within moments, over HTTP
 * and on its open WebSocket connections, which are closed (issue 11 item 12: sockets opened before the
 * revocation); a lost LISTEN connection empties the cache.
 */
import type { Client } from 'graphql-ws';
import { parseApiKey } from '../../src/callers/api-key-secret';
import { ApiScope } from '../../src/core/auth/principal';
import type { Invalidation } from '../../src/core/invalidation';
import { createTestDatabase } from '../support/db';
import { bearer, startTestGateway, type TestGateway } from '../support/gateway';
import { secondHandle } from '../events/event-fixtures';
import { codesAt, overHttp, wsClient } from './support/clients';
import { countStatements, type StatementCounter } from './support/sql-count';

let gwA: TestGateway;
let gwB: TestGateway;
let sqlB: StatementCounter;
const sockets: Client[] = [];

const TYPENAME = { query: '{ __typename }' };
const KEYS_PAGE = { query: '{ apiKeys(first: 1) { hasNextPage } }' };

beforeAll(async () => {
  const database = await createTestDatabase();
  gwA = await startTestGateway({ database });
  gwB = await startTestGateway({ database: await secondHandle(database) });
  await Promise.all([gwA.services.events.hub.whenListening(), gwB.services.events.hub.whenListening()]);
  sqlB = countStatements('entra-gateway-test-2');
});

afterAll(async () => {
  sqlB?.stop();
  await Promise.all(sockets.map((socket) => socket.dispose()));
  await gwB.stop();
  await gwA.stop();
});

/** Resolves when B's bus has delivered a matching message (call before the change). */
const heardOnB = (test: (message: Invalidation) => boolean) => gwB.services.invalidation.next(test);
const keyIdOf = (key: string) => parseApiKey(key)!.id;

/** A heartbeat subscription on B that runs until the server ends it; resolves with how the socket closed. */
async function openSocketOnB(key: string): Promise<{ ticks: () => number; closed: Promise<{ code: number; reason: string }> }> {
  const socket = wsClient(gwB.graphqlUrl, bearer(key));
  sockets.push(socket);
  let ticks = 0;
  let firstTick!: () => void;
  const ticking = new Promise<void>((resolve) => (firstTick = resolve));
  const closed = new Promise<{ code: number; reason: string }>((resolve, reject) => {
    socket.subscribe(
      { query: 'subscription { heartbeat(intervalMs: 1000, count: 1000) { sequence } }' },
      {
        next: () => {
          ticks += 1;
          firstTick();
        },
        error: (error) => resolve(error as { code: number; reason: string }),
        complete: () => reject(new Error('the subscription completed instead of its socket being closed')),
      },
    );
  });
  await ticking;
  return { ticks: () => ticks, closed };
}

it('verifies a key without SQL once it is cached, and writes last_used_at in the background', async () => {
  const key = await gwA.mintKey();
  sqlB.reset();
  expect(await overHttp(gwB.graphqlUrl, TYPENAME, bearer(key))).toEqual({ data: { __typename: 'Query' } });
  // The first use reads the row (the counter does see B's statements).
  expect(sqlB.texts).toEqual([expect.stringContaining('api_keys')]);
  await gwB.services.apiKeys.flushUsage();
  sqlB.reset();
  for (let i = 0; i < 5; i += 1) expect(await overHttp(gwB.graphqlUrl, TYPENAME, bearer(key))).toEqual({ data: { __typename: 'Query' } });
  expect(sqlB.texts).toEqual([]);
  const [row] = await gwA.database.dataSource.query(`SELECT last_used_at FROM api_keys WHERE id = $1`, [keyIdOf(key)]);
  expect(row.last_used_at).toBeInstanceOf(Date);
});

it('a wrong secret never hits the cache of a verified key', async () => {
  const key = await gwA.mintKey();
  expect(await overHttp(gwB.graphqlUrl, TYPENAME, bearer(key))).toEqual({ data: { __typename: 'Query' } });
  const wrong = `${key.slice(0, -4)}${key.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  expect((await overHttp(gwB.graphqlUrl, KEYS_PAGE, bearer(wrong))).errors).toEqual([
    expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', credential: 'unknown' } }),
  ]);
});

it('a key revoked through one instance stops working on the other, and its open sockets there are closed', async () => {
  const key = await gwA.mintKey();
  const id = keyIdOf(key);
  expect(codesAt(await overHttp(gwB.graphqlUrl, KEYS_PAGE, bearer(key)), 'apiKeys')).toEqual([]);
  const socket = await openSocketOnB(key);
  const heard = heardOnB((m) => m.kind === 'api_key' && m.id === id);
  const admin = await gwA.mintKey();
  expect(await overHttp(gwA.graphqlUrl, { query: `mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, variables: { id } }, bearer(admin))).toMatchObject({
    data: { revokeApiKey: { revokedAt: expect.any(String) } },
  });
  await heard;
  expect(await socket.closed).toMatchObject({ code: 4403, reason: 'Forbidden: the API key was revoked' });
  expect((await overHttp(gwB.graphqlUrl, KEYS_PAGE, bearer(key))).errors).toEqual([
    expect.objectContaining({ message: 'the API key was revoked', extensions: { code: 'UNAUTHENTICATED', credential: 'revoked' } }),
  ]);
});

it("a key's rights changed in the database (by an operator) reach the other instance and its sockets", async () => {
  const key = await gwA.mintKey({ scopes: [ApiScope.TENANTS_ADMIN, ApiScope.EVENTS_READ] });
  const id = keyIdOf(key);
  expect(codesAt(await overHttp(gwB.graphqlUrl, KEYS_PAGE, bearer(key)), 'apiKeys')).toEqual([]);
  const socket = await openSocketOnB(key);
  const heard = heardOnB((m) => m.kind === 'api_key' && m.id === id);
  await gwA.database.dataSource.query(`UPDATE api_keys SET scopes = '{events:read}' WHERE id = $1`, [id]);
  await heard;
  expect(codesAt(await overHttp(gwB.graphqlUrl, KEYS_PAGE, bearer(key)), 'apiKeys')).toEqual(['FORBIDDEN']);
  expect(await socket.closed).toMatchObject({ code: 4403, reason: "Forbidden: the API key's rights changed; reconnect" });
});

it("a key's rights changed through updateApiKey on one instance reach the other within moments: its HTTP requests and its open sockets", async () => {
  const key = await gwA.mintKey({ scopes: [ApiScope.TENANTS_ADMIN, ApiScope.EVENTS_READ] });
  const id = keyIdOf(key);
  expect(codesAt(await overHttp(gwB.graphqlUrl, KEYS_PAGE, bearer(key)), 'apiKeys')).toEqual([]);
  const socket = await openSocketOnB(key);
  const heard = heardOnB((m) => m.kind === 'api_key' && m.id === id);
  const admin = await gwA.mintKey();
  const update = `mutation($id: ID!) { updateApiKey(id: $id, input: { scopes: [EVENTS_READ] }) { scopes } }`;
  expect(await overHttp(gwA.graphqlUrl, { query: update, variables: { id } }, bearer(admin))).toEqual({ data: { updateApiKey: { scopes: ['EVENTS_READ'] } } });
  await heard;
  expect(codesAt(await overHttp(gwB.graphqlUrl, KEYS_PAGE, bearer(key)), 'apiKeys')).toEqual(['FORBIDDEN']);
  expect(await socket.closed).toMatchObject({ code: 4403, reason: "Forbidden: the API key's rights changed; reconnect" });
  // The key itself still works, with its new rights.
  expect(await overHttp(gwB.graphqlUrl, TYPENAME, bearer(key))).toEqual({ data: { __typename: 'Query' } });
});

it('a rolled-back change invalidates nothing, and last_used_at writes do not empty the cache', async () => {
  const key = await gwA.mintKey();
  const id = keyIdOf(key);
  // The key's own creation NOTIFY may reach B while B reads the key for its first use: B then (rightly) does not
  // cache that read. So wait until everything sent so far has arrived (a marker key's NOTIFY), then use the key.
  const settled = heardOnB((m) => m.kind === 'api_key' && m.id !== id);
  await gwA.mintKey();
  await settled;
  expect(await overHttp(gwB.graphqlUrl, TYPENAME, bearer(key))).toEqual({ data: { __typename: 'Query' } });
  const delivered = gwB.services.invalidation.delivered;
  await gwA.database.dataSource
    .transaction(async (manager) => {
      await manager.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [id]);
      throw new Error('rolled back');
    })
    .catch(() => undefined);
  await gwA.database.dataSource.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [id]);
  // A change that does notify, after the two that must not: once it arrives, anything sent before it has too.
  // Listen before the change (a fast NOTIFY can arrive before the mint returns): the only api_key message
  // about another key than `id` is the marker's.
  const markerHeard = heardOnB((m) => m.kind === 'api_key' && m.id !== id);
  await gwA.mintKey();
  await markerHeard;
  expect(gwB.services.invalidation.delivered).toBe(delivered + 1);
  // The first use's last_used_at write, now rather than by its timer during the counted request.
  await gwB.services.apiKeys.flushUsage();
  sqlB.reset();
  expect(await overHttp(gwB.graphqlUrl, TYPENAME, bearer(key))).toEqual({ data: { __typename: 'Query' } });
  expect(sqlB.texts).toEqual([]);
});

it('a lost LISTEN connection empties the cache: the next request reads the key again, then it is cached again', async () => {
  const key = await gwA.mintKey();
  expect(await overHttp(gwB.graphqlUrl, TYPENAME, bearer(key))).toEqual({ data: { __typename: 'Query' } });
  const hub = gwB.services.events.hub;
  const before = hub.connections;
  await gwA.database.dataSource.query(`SELECT pg_terminate_backend($1)`, [hub.listenerPid]);
  const deadline = Date.now() + 15_000;
  while ((hub.connections === before || !gwB.services.invalidation.live) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(hub.connections).toBe(before + 1);
  const reads = gwB.services.apiKeys.reads;
  expect(await overHttp(gwB.graphqlUrl, TYPENAME, bearer(key))).toEqual({ data: { __typename: 'Query' } });
  expect(gwB.services.apiKeys.reads).toBe(reads + 1);
  expect(await overHttp(gwB.graphqlUrl, TYPENAME, bearer(key))).toEqual({ data: { __typename: 'Query' } });
  expect(gwB.services.apiKeys.reads).toBe(reads + 1);
});
