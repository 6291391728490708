/** JSON batching and the per-request loaders against the simulator's $batch (real HTTPS, real tokens). */
import { createGraphLoaders, graphPath, GraphNotFoundError, GraphThrottledError } from '../../src/graph';
import { VERAFIELD } from '../../src/simulator/generator';
import { startGraphTestbed, type GraphTestbed } from './support';

interface User {
  id: string;
  displayName: string;
}

let bed: GraphTestbed;
let userIds: string[];
beforeAll(async () => {
  bed = await startGraphTestbed();
  const all = await bed.client().list<User>('/users?$top=999&$select=id');
  userIds = all.items.map((u) => u.id);
});
afterAll(() => bed.close());
beforeEach(() => bed.reset());

const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50, budgetMs: 10_000 };
const userPath = (id: string) => graphPath`/users/${id}` + '?$select=id,displayName';

test('45 loads in one tick are 3 $batch calls, and each load gets its own user back (matched by id)', async () => {
  const loaders = createGraphLoaders(bed.client());
  const ids = userIds.slice(0, 45);
  const users = (await Promise.all(ids.map((id) => loaders.get.load(userPath(id))))) as User[];
  expect(users.map((u) => u.id)).toEqual(ids);
  const counters = await bed.sim.control.counters();
  expect(counters.byEndpoint).toEqual({ 'POST /$batch': 3, 'GET /users/{id}': 45 });
  expect(counters).toMatchObject({ batches: 3, subRequests: 45 });
});

test('loaders cache per request: a repeated load is not fetched again; a new request fetches afresh', async () => {
  const client = bed.client();
  const first = createGraphLoaders(client);
  const id = userIds[0];
  await Promise.all([first.get.load(userPath(id)), first.get.load(userPath(id))]);
  await first.get.load(userPath(id));
  expect((await bed.sim.control.counters()).subRequests).toBe(1);
  await createGraphLoaders(client).get.load(userPath(id));
  expect((await bed.sim.control.counters()).subRequests).toBe(2);
});

test('a missing object rejects its own load with GraphNotFoundError; the others succeed', async () => {
  const loaders = createGraphLoaders(bed.client());
  const missing = '11111111-2222-3333-4444-555555555555';
  const results = await Promise.allSettled([loaders.get.load(userPath(userIds[0])), loaders.get.load(userPath(missing))]);
  expect(results[0]).toMatchObject({ status: 'fulfilled', value: { id: userIds[0] } });
  expect(results[1].status).toBe('rejected');
  const error = (results[1] as PromiseRejectedResult).reason;
  expect(error).toBeInstanceOf(GraphNotFoundError);
  expect(error).toMatchObject({ status: 404, code: 'Request_ResourceNotFound' });
  expect(error.requestId).toBeDefined();
});

test('throttled sub-requests are re-sent alone after their Retry-After', async () => {
  // The first two sub-requests the simulator dispatches get 429 (Retry-After 0.05 s); the other 8 succeed.
  await bed.sim.control.setFaults({ throttleNextRequests: 2, retryAfterSeconds: 0.05 });
  const client = bed.client({ retry: FAST_RETRY });
  const ids = userIds.slice(0, 10);
  const results = await client.batch<User>(ids.map((id) => ({ method: 'GET', url: userPath(id) })));
  expect(results.map((r) => (r.ok ? r.value.id : r.error))).toEqual(ids);
  expect(await bed.sim.control.counters()).toMatchObject({ batches: 2, subRequests: 12, throttled: 2 });
  expect(client.counters()).toMatchObject({ batches: 2, subRequests: 12, retries: 2 });
});

test('503 sub-responses in a storm are retried until every item succeeds', async () => {
  await bed.sim.control.setFaults({ serverErrorRate: 0.5, retryAfterSeconds: 0.01 });
  const client = bed.client({ retry: { ...FAST_RETRY, maxAttempts: 30 } });
  const ids = userIds.slice(0, 40);
  const results = await client.batch<User>(ids.map((id) => ({ method: 'GET', url: userPath(id) })));
  expect(results.map((r) => (r.ok ? r.value.id : r.error))).toEqual(ids);
  expect(client.counters().retries).toBeGreaterThan(0);
});

test('a sub-request still throttled after the last attempt is a GraphThrottledError for that item only', async () => {
  // 4 forced 429s over a batch of 3 and 2 attempts: round 1 throttles all three, round 2 the first one sent.
  await bed.sim.control.setFaults({ throttleNextRequests: 4, retryAfterSeconds: 0.01 });
  const client = bed.client({ retry: { ...FAST_RETRY, maxAttempts: 2 } });
  const results = await client.batch<User>(userIds.slice(0, 3).map((id) => ({ method: 'GET', url: userPath(id) })));
  const failed = results.filter((r) => !r.ok);
  expect(failed).toHaveLength(1);
  const error = (failed[0] as { ok: false; error: GraphThrottledError }).error;
  expect(error).toBeInstanceOf(GraphThrottledError);
  expect(error).toMatchObject({ status: 429, code: 'TooManyRequests', retryAfterMs: 10 });
  expect(error.requestId).toBeDefined();
});

test('writes go through $batch with their body and Content-Type', async () => {
  const client = bed.client();
  const [created] = await client.batch<User>([
    {
      method: 'POST',
      url: '/users',
      body: {
        accountEnabled: true,
        displayName: 'Batch Created',
        mailNickname: 'batchcreated',
        userPrincipalName: `batch.created@${VERAFIELD.domain}`,
        passwordProfile: { password: 'Str0ng!Passphrase-42', forceChangePasswordNextSignIn: true },
      },
    },
  ]);
  expect(created).toMatchObject({ ok: true, status: 201, value: { displayName: 'Batch Created' } });
});
