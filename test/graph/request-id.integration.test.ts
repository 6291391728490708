/**
 * Graph's request-id of successful answers: GraphClient.request and each $batch item report exactly the id the
 * simulator put in its response (a direct response's header, a sub-response's own Request-Id header), seen on
 * the wire through a recording proxy. Audited writes depend on it.
 */
import { graphPath, type GraphClient } from '../../src/graph';
import { headerValue } from '../../src/graph/headers';
import { VERAFIELD } from '../../src/simulator/generator';
import { startRecordingProxy, type RecordedExchange, type RecordingProxy } from './recording-proxy';
import { startGraphTestbed, type GraphTestbed } from './support';

interface User {
  id: string;
  displayName: string;
}

interface SubResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let bed: GraphTestbed;
let proxy: RecordingProxy;
let client: GraphClient;
beforeAll(async () => {
  bed = await startGraphTestbed();
  proxy = await startRecordingProxy(bed.sim);
  client = bed.client({}, { graphBaseUrl: proxy.baseUrl, caPem: undefined });
});
afterAll(async () => {
  await proxy?.close();
  await bed?.close();
});
beforeEach(async () => {
  await bed.reset();
  proxy.exchanges.length = 0;
});

const newUserBody = (nick: string) => ({
  accountEnabled: true,
  displayName: `Request Id ${nick}`,
  mailNickname: nick,
  userPrincipalName: `${nick}@${VERAFIELD.domain}`,
  passwordProfile: { password: 'Str0ng!Passphrase-42', forceChangePasswordNextSignIn: true },
});

/** The one recorded exchange for `method` on a path (query left out). */
function exchange(method: string, path: string): RecordedExchange {
  const found = proxy.exchanges.filter((e) => e.method === method && e.url.split('?')[0] === `/v1.0${path}`);
  expect(found).toHaveLength(1);
  return found[0];
}

const wireRequestId = (e: RecordedExchange) => headerValue(e.headers, 'request-id');

describe('GraphClient.request', () => {
  test('a create, update, read, member add and member removal each report the request-id the simulator answered with', async () => {
    const created = await client.request<User>('POST', '/users', { body: newUserBody('rid.direct') });
    expect(created).toMatchObject({ status: 201, value: { displayName: 'Request Id rid.direct' } });
    expect(created.requestId).toMatch(UUID);
    expect(created.requestId).toBe(wireRequestId(exchange('POST', '/users')));

    const userPath = graphPath`/users/${created.value.id}`;
    const patched = await client.request('PATCH', userPath, { body: { jobTitle: 'Tracer' } });
    expect(patched).toEqual({ status: 204, value: undefined, requestId: wireRequestId(exchange('PATCH', userPath)) });

    const read = await client.request<User & { jobTitle: string }>('GET', `${userPath}?$select=id,jobTitle`);
    expect(read).toEqual({ status: 200, value: expect.objectContaining({ id: created.value.id, jobTitle: 'Tracer' }), requestId: wireRequestId(exchange('GET', userPath)) });

    const refPath = graphPath`/groups/${VERAFIELD.groups.engineering}/members/$ref`;
    const added = await client.request('POST', refPath, { body: { '@odata.id': `${bed.sim.baseUrl}/v1.0/directoryObjects/${created.value.id}` } });
    expect(added).toEqual({ status: 204, value: undefined, requestId: wireRequestId(exchange('POST', refPath)) });

    const memberRef = `${graphPath`/groups/${VERAFIELD.groups.engineering}/members/${created.value.id}`}/$ref`;
    const removed = await client.request('DELETE', memberRef);
    expect(removed).toEqual({ status: 204, value: undefined, requestId: wireRequestId(exchange('DELETE', memberRef)) });

    // Every answer had its own id.
    const ids = [created, patched, read, added, removed].map((r) => r.requestId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('get/post/patch/delete still resolve to the bare value', async () => {
    const user = await client.post<User>('/users', newUserBody('rid.bare'));
    expect(user).toMatchObject({ displayName: 'Request Id rid.bare' });
    expect(user).not.toHaveProperty('requestId');
    await expect(client.patch(graphPath`/users/${user.id}`, { jobTitle: 'Bare' })).resolves.toBeUndefined();
    await expect(client.get<User>(graphPath`/users/${user.id}`)).resolves.toMatchObject({ id: user.id });
  });
});

describe('$batch items', () => {
  test("each successful item reports its own sub-response's Request-Id, not the $batch call's", async () => {
    const readIds = [VERAFIELD.users.salesRep.id, VERAFIELD.users.financeEmployee.id];
    const results = await client.batch<User>([
      ...readIds.map((id) => ({ method: 'GET' as const, url: graphPath`/users/${id}` + '?$select=id,displayName' })),
      { method: 'POST', url: '/users', body: newUserBody('rid.batched') },
    ]);
    expect(results.map((r) => r.ok && r.status)).toEqual([200, 200, 201]);

    const envelope = exchange('POST', '/$batch');
    const subResponses = (JSON.parse(envelope.body) as { responses: SubResponse[] }).responses;
    // One round: the client numbers sub-requests 1..n in request order.
    const wire = new Map(subResponses.map((s) => [s.id, headerValue(s.headers ?? {}, 'request-id')]));
    results.forEach((result, i) => {
      if (!result.ok) throw result.error;
      expect(result.requestId).toMatch(UUID);
      expect(result.requestId).toBe(wire.get(String(i + 1)));
      expect(result.requestId).not.toBe(wireRequestId(envelope));
    });
    expect(new Set(results.map((r) => r.ok && r.requestId)).size).toBe(results.length);
  });
});
