/** JSON batching (graph-facts §3): envelope validation, routing per step, dependsOn, per-step 429, order. */
import { VERAFIELD } from '../../src/simulator/generator';
import { startGraphSim, type GraphSim } from './graph-client';

let g: GraphSim;
beforeAll(async () => {
  g = await startGraphSim();
});
afterAll(() => g.close());
afterEach(() => {
  g.sim.ctx.faults.throttleNextRequests = 0;
});

const batch = (requests: unknown[], headers?: Record<string, string>) => g.call('POST', '/$batch', { body: { requests }, headers });
const get = (id: string, url: string, extra: Record<string, unknown> = {}) => ({ id, method: 'GET', url, ...extra });
type Sub = { id: string; status: number; headers: Record<string, string>; body?: any };
const byId = (responses: Sub[]) => new Map(responses.map((r) => [r.id, r]));

describe('envelope', () => {
  test('21 requests -> whole batch 400; 20 are fine', async () => {
    const steps = (n: number) => Array.from({ length: n }, (_, i) => get(String(i + 1), `/users/${VERAFIELD.users.globalAdmin.id}?$select=id`));
    const tooMany = await batch(steps(21));
    expect([tooMany.status, tooMany.body.error.code]).toEqual([400, 'BadRequest']);
    expect(tooMany.body.error.message).toContain('maximum number of requests in a batch is 20');
    const ok = await batch(steps(20));
    expect(ok.status).toBe(200);
    expect(ok.body.responses).toHaveLength(20);
  });

  test('duplicate ids, unknown dependsOn, a body without Content-Type, absolute urls -> 400', async () => {
    expect((await batch([get('1', '/users'), get('1', '/groups')])).body.error.message).toBe('Request Id 1 has to be unique in a batch.');
    // Ids are not case-sensitive: 'a' and 'A' collide, and the whole batch is refused before any step runs.
    const before = g.sim.ctx.counters.subRequests;
    const mixedCase = await batch([get('a', '/users?$top=1'), get('A', '/groups?$top=1')]);
    expect([mixedCase.status, mixedCase.body.error.code, mixedCase.body.error.message]).toEqual([400, 'BadRequest', 'Request Id A has to be unique in a batch.']);
    expect(g.sim.ctx.counters.subRequests).toBe(before);
    // ...and dependsOn finds its step whatever the case it is written in.
    const dependent = await batch([get('First', '/organization'), get('second', '/users?$top=1', { dependsOn: ['FIRST'] })]);
    expect(dependent.body.responses.map((r: Sub) => [r.id, r.status]).sort()).toEqual([['First', 200], ['second', 200]]);
    expect((await batch([get('1', '/users', { dependsOn: ['9'] })])).body.error.message).toContain("dependsOn '9'");
    const noContentType = await batch([{ id: '1', method: 'PATCH', url: `/users/${VERAFIELD.users.salesRep.id}`, body: { jobTitle: 'x' } }]);
    expect(noContentType.body.error.message).toBe('Write request id : 1 does not contain Content-Type header or body.');
    expect((await batch([get('1', 'https://graph.microsoft.com/v1.0/users')])).status).toBe(400);
    expect((await g.call('POST', '/$batch', { body: { nope: [] } })).status).toBe(400);
  });
});

describe('steps', () => {
  test('each step is routed like a direct request; urls with or without a leading slash; order differs from the request', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const urls = ['/users?$top=2', 'groups?$top=1', '/users/00000000-0000-0000-0000-000000000001', 'nothingHere', '/organization', `users/${VERAFIELD.users.financeEmployee.id}`];
    const res = await batch(ids.map((id, i) => get(id, urls[i])));
    const responses: Sub[] = res.body.responses;
    expect(responses.map((r) => r.id)).not.toEqual(ids);
    const r = byId(responses);
    expect(r.get('a')!.body.value).toHaveLength(2);
    expect(r.get('b')!.status).toBe(200);
    expect([r.get('c')!.status, r.get('c')!.body.error.code]).toEqual([404, 'Request_ResourceNotFound']);
    expect([r.get('d')!.status, r.get('d')!.body.error.code]).toEqual([400, 'BadRequest']);
    expect(r.get('f')!.body.id).toBe(VERAFIELD.users.financeEmployee.id);
  });

  test('ConsistencyLevel is per step', async () => {
    const res = await batch([
      get('1', '/users/$count', { headers: { ConsistencyLevel: 'eventual' } }),
      get('2', '/users/$count'),
    ]);
    const r = byId(res.body.responses);
    expect(r.get('1')!.status).toBe(200);
    expect(Number(r.get('1')!.body)).toBeGreaterThan(0);
    expect(r.get('2')!.status).toBe(400);
  });

  test('a failed step makes its dependents 424; independent steps still run', async () => {
    const res = await batch([
      { id: '1', method: 'PATCH', url: '/users/00000000-0000-0000-0000-000000000001', headers: { 'Content-Type': 'application/json' }, body: { jobTitle: 'x' } },
      get('2', `/users/${VERAFIELD.users.salesRep.id}`, { dependsOn: ['1'] }),
      get('3', '/organization', { dependsOn: ['2'] }),
      get('4', '/organization'),
    ]);
    const r = byId(res.body.responses);
    expect(r.get('1')!.status).toBe(404);
    expect([r.get('2')!.status, r.get('2')!.body.error.code]).toEqual([424, 'FailedDependency']);
    expect(r.get('3')!.status).toBe(424);
    expect(r.get('4')!.status).toBe(200);
  });

  test('dependsOn runs steps in dependency order (a write, then a read of it)', async () => {
    const user = VERAFIELD.users.dataEngineer.id;
    const res = await batch([
      get('read', `/users/${user}?$select=jobTitle`, { dependsOn: ['write'] }),
      { id: 'write', method: 'PATCH', url: `/users/${user}`, headers: { 'Content-Type': 'application/json' }, body: { jobTitle: 'Principal Data Engineer' } },
    ]);
    const r = byId(res.body.responses);
    expect(r.get('write')!.status).toBe(204);
    expect(r.get('read')!.body.jobTitle).toBe('Principal Data Engineer');
  });

  test('throttling is per step: a 429 sub-response carries its own Retry-After', async () => {
    g.sim.ctx.faults.throttleNextRequests = 2;
    g.sim.ctx.faults.retryAfterSeconds = 7;
    const res = await batch(['1', '2', '3', '4'].map((id) => get(id, '/organization')));
    expect(res.status).toBe(200);
    const throttled = (res.body.responses as Sub[]).filter((s) => s.status === 429);
    expect(throttled).toHaveLength(2);
    for (const s of throttled) {
      expect(s.headers['Retry-After']).toBe('7');
      expect(s.body.error.code).toBe('TooManyRequests');
    }
  });

  test('counters: one batch, its sub-requests, each under its own endpoint', async () => {
    const before = structuredClone(g.sim.ctx.counters);
    await batch([get('1', '/organization'), get('2', `/groups/${VERAFIELD.groups.finance}/members`)]);
    const after = g.sim.ctx.counters;
    expect(after.batches - before.batches).toBe(1);
    expect(after.subRequests - before.subRequests).toBe(2);
    expect(after.requests - before.requests).toBe(3);
    expect(after.byEndpoint['GET /groups/{id}/members'] - (before.byEndpoint['GET /groups/{id}/members'] ?? 0)).toBe(1);
    expect(after.byEndpoint['POST /$batch'] - (before.byEndpoint['POST /$batch'] ?? 0)).toBe(1);
  });

  test('scopes are checked per step', async () => {
    const token = await g.tokenWith(['User.Read.All']);
    const res = await g.call('POST', '/$batch', { token, body: { requests: [get('u', '/users?$top=1'), get('p', '/identity/conditionalAccess/policies')] } });
    const r = byId(res.body.responses);
    expect(r.get('u')!.status).toBe(200);
    expect([r.get('p')!.status, r.get('p')!.body.error.code]).toEqual([403, 'Authorization_RequestDenied']);
  });
});
