/**
 * The client facing a Graph that misbehaves (a scripted local HTTP server): links to other hosts, bodies of
 * the wrong shape, odd Retry-After values. Each must fail clearly or be survived, never followed blindly.
 */
import { GraphClient, GraphProtocolError, GraphUnavailableError, type GraphClientOptions } from '../../src/graph';
import { startHostileServer, type HostileServer, type ScriptedAnswer, type SeenRequest } from './hostile-server';

const TOKEN = 'secret-bearer-token-value';
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5, budgetMs: 5_000 };

let server: HostileServer | undefined;
let client: GraphClient | undefined;
afterEach(async () => {
  client?.close();
  await server?.close();
  server = client = undefined;
});

async function against(answer: (req: SeenRequest, s: { baseUrl: string }) => ScriptedAnswer, opts: GraphClientOptions = {}): Promise<GraphClient> {
  server = await startHostileServer(answer);
  client = new GraphClient({ tenantKey: 't1', graphBaseUrl: server.baseUrl, getAccessToken: async () => TOKEN }, { retry: FAST_RETRY, ...opts });
  return client;
}

test('a nextLink to another host is refused: the token never leaves for it', async () => {
  const c = await against(() => ({ status: 200, body: { value: [{ id: '1' }], '@odata.nextLink': 'https://graph.evil.example/v1.0/users?$skiptoken=x' } }));
  const error = await c.list('/users').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GraphProtocolError);
  expect(error).toMatchObject({ code: 'UntrustedLink' });
  expect((error as Error).message).toContain('expected a URL under http://127.0.0.1:');
  expect(server!.seen).toHaveLength(1);
});

test.each([
  ['same host, another version', (base: string) => `${base}/beta/users?$skiptoken=x`],
  ['same host, climbing out with dot segments', (base: string) => `${base}/v1.0/../admin?x=1`],
  ['credentials in the URL', (base: string) => base.replace('http://', 'http://user:pw@') + '/v1.0/users'],
  ['not a URL', () => 'javascript:alert(1)'],
])('a nextLink (%s) is refused', async (_name, link) => {
  const c = await against((_req, s) => ({ status: 200, body: { value: [], '@odata.nextLink': link(s.baseUrl) } }));
  await expect(c.list('/users')).rejects.toMatchObject({ name: 'GraphProtocolError', code: 'UntrustedLink' });
  expect(server!.seen).toHaveLength(1);
});

test('a nextLink that repeats a page already read ends the listing with an error instead of looping', async () => {
  const c = await against((req, s) => ({ status: 200, body: { value: [], '@odata.nextLink': `${s.baseUrl}/v1.0/users?$skiptoken=${req.url.includes('skiptoken=a') ? 'b' : 'a'}` } }));
  await expect(c.list('/users')).rejects.toThrow(/repeats a page already read/);
  expect(server!.seen).toHaveLength(3);
});

test.each([
  ['"value" is not an array', { value: { id: '1' } }, /expected "value" to be an array, got an object with keys \[id\]/],
  ['no "value" at all', { items: [] }, /expected "value" to be an array, got nothing/],
  ['the body is an array', [1, 2], /expected a JSON object with a "value" array, got an array of 2/],
  ['@odata.count is text', { value: [], '@odata.count': '12' }, /expected "@odata.count" to be a whole number, got string "12"/],
  ['@odata.nextLink is a number', { value: [], '@odata.nextLink': 7 }, /expected "@odata.nextLink" to be a string, got number 7/],
])('a page where %s fails with what was expected and what arrived', async (_name, body, message) => {
  const c = await against(() => ({ status: 200, body }));
  const error = await c.list('/users').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GraphProtocolError);
  expect((error as Error).message).toMatch(message);
});

test('a body larger than the limit is refused once, not retried', async () => {
  const c = await against(() => ({ status: 200, body: { value: 'x'.repeat(5_000) } }), { maxResponseBytes: 1_000 });
  await expect(c.get('/users')).rejects.toMatchObject({ name: 'GraphProtocolError', message: expect.stringMatching(/expected a body of at most 1000 bytes/) });
  expect(server!.seen).toHaveLength(1);
});

test('a body that claims JSON but is not fails clearly', async () => {
  const c = await against(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"value": [' }));
  await expect(c.get('/users')).rejects.toThrow(/expected a JSON body as its content-type says/);
});

test('a 502 with an HTML body is GraphUnavailableError naming what arrived; every attempt had a client-request-id and the token', async () => {
  const c = await against(() => ({ status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad gateway</html>' }), { retry: { ...FAST_RETRY, maxAttempts: 2 } });
  const error = await c.get('/users').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GraphUnavailableError);
  expect(error).toMatchObject({ status: 502, code: 'UnknownError' });
  expect((error as Error).message).toContain('without a Graph error body (got "<html>Bad gateway</html>")');
  expect((error as Error).message).not.toContain(TOKEN);
  // 502 is not retried (only 429, 503, 504 are).
  expect(server!.seen).toHaveLength(1);
  expect(server!.seen[0].headers['client-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(server!.seen[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
});

test('Retry-After as an HTTP date is honoured; the same client-request-id is kept across attempts', async () => {
  let calls = 0;
  const c = await against(() => {
    calls += 1;
    return calls === 1
      ? { status: 503, headers: { 'retry-after': new Date(Date.now() - 1000).toUTCString() }, body: { error: { code: 'ServiceUnavailable', message: 'later' } } }
      : { status: 200, body: { id: 'me' } };
  });
  expect(await c.get('/me')).toEqual({ id: 'me' });
  expect(server!.seen).toHaveLength(2);
  expect(server!.seen[1].headers['client-request-id']).toBe(server!.seen[0].headers['client-request-id']);
});

test('conditional access 429s without Retry-After back off exponentially and then succeed', async () => {
  let calls = 0;
  const c = await against(() => {
    calls += 1;
    return calls <= 2 ? { status: 429, body: { error: { code: 'TooManyRequests', message: 'Please retry again later.' } } } : { status: 200, body: { value: [] } };
  });
  await expect(c.list('/identity/conditionalAccess/policies')).resolves.toEqual({ items: [], truncated: false, count: undefined });
  expect(c.counters().retries).toBe(2);
});

test('a $batch answer with an id we did not send, or a missing id, fails clearly', async () => {
  const c = await against((req) => {
    const ids = (JSON.parse(req.body).requests as { id: string }[]).map((r) => r.id);
    return ids.length === 2
      ? { status: 200, body: { responses: [{ id: ids[0], status: 200, body: { id: 'a' } }] } }
      : { status: 200, body: { responses: [{ id: 'evil', status: 200, body: {} }] } };
  });
  const partial = await c.batch([
    { method: 'GET', url: '/users/a' },
    { method: 'GET', url: '/users/b' },
  ]);
  expect(partial[0]).toEqual({ ok: true, status: 200, value: { id: 'a' } });
  expect(partial[1]).toMatchObject({ ok: false, error: { name: 'GraphProtocolError', message: expect.stringMatching(/expected a sub-response with id 2, got an array of 1/) } });

  const foreign = await c.batch([{ method: 'GET', url: '/users/a' }]);
  expect(foreign[0]).toMatchObject({ ok: false, error: { name: 'GraphProtocolError', message: expect.stringMatching(/expected a response id among \[1\], got string "evil"/) } });
});

test('$batch sub-requests use relative URLs and carry per-request headers', async () => {
  const c = await against(() => ({ status: 200, body: { responses: [{ id: '1', status: 200, body: { value: [] } }] } }));
  await c.batch([{ method: 'GET', url: '/users?$search="displayName:ann"', consistencyLevel: 'eventual' }]);
  expect(JSON.parse(server!.seen[0].body)).toEqual({
    requests: [{ id: '1', method: 'GET', url: '/users?$search="displayName:ann"', headers: { ConsistencyLevel: 'eventual' } }],
  });
  expect(server!.seen[0].url).toBe('/v1.0/$batch');
});
