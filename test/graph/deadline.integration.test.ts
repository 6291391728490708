/**
 * Deadlines and cancellation against the simulator. A file of its own: requests the client abandons keep
 * running in the simulator after its added latency, and must not land in another test's counters.
 */
import { GraphUnavailableError } from '../../src/graph';
import { startGraphTestbed, type GraphTestbed } from './support';

let bed: GraphTestbed;
beforeAll(async () => {
  bed = await startGraphTestbed();
});
afterAll(() => bed.close());
beforeEach(() => bed.reset());

const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50, budgetMs: 60_000 };

// First: the latency tests below leave abandoned requests in flight, which would use up its forced 429.
test("the caller's signal ends the call at once, even while a Retry-After of 30 s is pending", async () => {
  await bed.sim.control.setFaults({ throttleNextRequests: 1, retryAfterSeconds: 30 });
  const controller = new AbortController();
  // The client logs a retry just before it waits: the moment to cancel.
  const client = bed.client({ retry: FAST_RETRY, logger: { warn: () => controller.abort(new Error('request cancelled by the caller')) } });
  await expect(client.get('/users', { signal: controller.signal })).rejects.toThrow('request cancelled by the caller');
  expect(client.counters().requests).toBe(1);
});

test('a deadline missed under added latency is GraphUnavailableError (retried for GETs, then final)', async () => {
  await bed.sim.control.setFaults({ latencyMs: 400 });
  const client = bed.client({ timeoutMs: 50, retry: { ...FAST_RETRY, maxAttempts: 2 } });
  const error = await client.get('/users').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GraphUnavailableError);
  expect(error).toMatchObject({ status: 0, code: 'DeadlineExceeded' });
  expect((error as Error).message).toBe('Graph GET /v1.0/users gave no complete answer within 50 ms');
  expect(client.counters()).toMatchObject({ requests: 2, retries: 1 });
});

test('a POST is not repeated after a missed deadline: it may have reached Graph', async () => {
  await bed.sim.control.setFaults({ latencyMs: 400 });
  const client = bed.client({ timeoutMs: 50, retry: FAST_RETRY });
  const error = await client.post('/users', { displayName: 'never' }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'DeadlineExceeded' });
  expect(client.counters().requests).toBe(1);
});
