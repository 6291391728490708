/** Resource units, throttling windows, conditional-access rate, injected faults and counters (graph-facts §5). */
import { VERAFIELD } from '../../src/simulator/generator';
import { GRAPH_ROUTES } from '../../src/simulator/graph/router';
import { baseCost, charge, DOCUMENTED_COSTS, requestCost, resourceUnitLimit, ThrottleState, windowsFor } from '../../src/simulator/graph/throttle';
import { startGraphSim, type GraphSim } from './graph-client';

describe('cost and windows (pure)', () => {
  test.each([
    [2, '', 2],
    [2, '$select=id', 1],
    [3, '$top=5', 2],
    [3, '$top=50', 3],
    [5, '$expand=members', 6],
    [1, '$select=id&$top=1', 1],
  ])('base %p with %p costs %p', (base, query, cost) => {
    expect(requestCost(base, new URLSearchParams(query))).toBe(cost);
  });

  test("every row of the documented cost table is a route the simulator serves, and every other read costs 1", () => {
    const served = new Set(GRAPH_ROUTES.map((r) => `${r.method} ${r.template}`));
    for (const key of Object.keys(DOCUMENTED_COSTS)) expect(served).toContain(key);
    const costs = Object.fromEntries(GRAPH_ROUTES.filter((r) => r.method === 'GET' || r.readsOnly).map((r) => [`${r.method} ${r.template}`, baseCost(r.method, r.template)]));
    expect(Object.fromEntries(Object.entries(costs).filter(([, cost]) => cost !== 1))).toEqual(DOCUMENTED_COSTS);
    // Not in Microsoft's table, so the base cost of 1 (graph-facts §5 and §12).
    expect(costs['GET /groups/{id}/memberOf']).toBe(1);
    expect(costs['GET /servicePrincipals']).toBe(1);
    expect(costs['GET /servicePrincipals/{id}/oauth2PermissionGrants']).toBe(1);
  });

  test('limits by tenant size', () => {
    expect([resourceUnitLimit(49), resourceUnitLimit(50), resourceUnitLimit(500), resourceUnitLimit(501)]).toEqual([3_500, 5_000, 5_000, 8_000]);
  });

  test('a sliding window refuses what does not fit and says when it will', () => {
    const state = new ThrottleState();
    const [window] = windowsFor('read', 'app', 'tenant', 10);
    expect(charge(state, [window], 3_000, 0).allowed).toBe(true);
    expect(charge(state, [window], 400, 4_000)).toMatchObject({ allowed: true, usedAfter: 3_400 });
    const refused = charge(state, [window], 200, 5_000);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 5, usedAfter: 3_600, limit: 3_500, scope: 'Tenant_Application/Read/app/tenant' });
    expect(charge(state, [window], 200, 10_001).allowed).toBe(true);
  });

  test('writes are charged to the app+tenant and the tenant windows, or to neither', () => {
    const state = new ThrottleState();
    const windows = windowsFor('write', 'app', 'tenant', 10);
    expect(windows.map((w) => [w.windowMs, w.limit])).toEqual([[150_000, 3_000], [300_000, 18_000]]);
    expect(charge(state, windows, 3_000, 0).allowed).toBe(true);
    expect(charge(state, windows, 1, 1)).toMatchObject({ allowed: false, scope: 'Tenant_Application/Write/app/tenant' });
    expect(state.windows.get('Tenant/Write/tenant')!.reduce((n, u) => n + u.units, 0)).toBe(3_000);
    // Five more apps fill the tenant's 18,000 writes per 5 minutes; a seventh app is refused for the tenant.
    for (const app of ['b', 'c', 'd', 'e', 'f']) expect(charge(state, windowsFor('write', app, 'tenant', 10), 3_000, 2).allowed).toBe(true);
    expect(charge(state, windowsFor('write', 'g', 'tenant', 10), 1, 3)).toMatchObject({ allowed: false, scope: 'Tenant/Write/tenant' });
  });
});

describe('over HTTPS with throttling enabled', () => {
  let g: GraphSim;
  beforeAll(async () => {
    g = await startGraphSim({ throttlingEnabled: true });
  });
  afterAll(() => g.close());
  afterEach(() => {
    g.sim.ctx.advanceClock(60_000);
    Object.assign(g.sim.ctx.faults, { serverErrorRate: 0, throttleNextRequests: 0 });
  });

  test('every charged response says its resource units; counters add them up', async () => {
    const before = g.sim.ctx.counters.resourceUnits;
    const costs = [];
    for (const path of ['/users', '/users?$select=id', `/groups/${VERAFIELD.groups.finance}/members?$top=5`, `/groups/${VERAFIELD.groups.finance}/transitiveMembers`]) {
      costs.push(Number((await g.get(path)).headers['x-ms-resource-unit']));
    }
    expect(costs).toEqual([2, 1, 2, 5]);
    expect(g.sim.ctx.counters.resourceUnits - before).toBe(10);
  });

  test('endpoints missing from the documented table cost 1 over HTTP', async () => {
    const sp = VERAFIELD.apps.product.servicePrincipalId;
    const paths = [`/groups/${VERAFIELD.groups.finance}/memberOf`, '/servicePrincipals', `/servicePrincipals/${sp}/oauth2PermissionGrants`, '/oauth2PermissionGrants'];
    const costs = [];
    for (const path of paths) {
      const res = await g.get(path);
      expect(res.status).toBe(200);
      costs.push(Number(res.headers['x-ms-resource-unit']));
    }
    expect(costs).toEqual([1, 1, 1, 2]);
  });

  test('past the tenant limit -> 429 with Retry-After, scope and information; fine again once the window slides', async () => {
    // Verafield has 50-500 users: 5,000 units per 10 s. Each step below costs 5. The simulator's clock stands still
    // while the window fills (on a loaded machine 50 batches can take longer than the 10 s window itself).
    const realNow = g.sim.ctx.now;
    const frozenAt = realNow();
    g.sim.ctx.now = () => frozenAt;
    const steps = Array.from({ length: 20 }, (_, i) => ({ id: String(i), method: 'GET', url: `/groups/${VERAFIELD.groups.finance}/transitiveMembers` }));
    let last: { status: number; headers: Record<string, string>; body: any }[] = [];
    for (let n = 0; n < 50; n++) last = (await g.call('POST', '/$batch', { body: { requests: steps } })).body.responses;
    expect(last.every((s) => s.status === 200)).toBe(true);
    expect(last.some((s) => s.headers['x-ms-throttle-limit-percentage'] === '1')).toBe(true);

    const throttled = await g.get(`/groups/${VERAFIELD.groups.finance}/transitiveMembers`);
    expect(throttled.status).toBe(429);
    expect(throttled.body.error).toMatchObject({ code: 'TooManyRequests', message: 'Please retry again later.' });
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(throttled.headers['x-ms-throttle-scope']).toBe(`Tenant_Application/Read/${VERAFIELD.productAppId}/${VERAFIELD.tenantId}`);
    expect(throttled.headers['x-ms-throttle-information']).toBe('ResourceUnitLimitExceeded');

    const otherApp = await g.tokenWith(['Directory.Read.All'], '11111111-2222-3333-4444-555555555555');
    expect((await g.call('GET', '/organization', { token: otherApp })).status).toBe(200);
    g.sim.ctx.now = realNow;
    g.sim.ctx.advanceClock(Number(throttled.headers['retry-after']) * 1000);
    expect((await g.get('/organization')).status).toBe(200);
  });

  test('conditional-access policies: 1 request per second per tenant, 429 without Retry-After', async () => {
    expect((await g.get('/identity/conditionalAccess/policies')).status).toBe(200);
    const second = await g.get(`/identity/conditionalAccess/policies/${VERAFIELD.policies.productMfa}`);
    expect([second.status, second.body.error.code]).toEqual([429, 'TooManyRequests']);
    expect(second.headers['retry-after']).toBeUndefined();
    g.sim.ctx.advanceClock(1_000);
    expect((await g.get(`/identity/conditionalAccess/policies/${VERAFIELD.policies.productMfa}`)).status).toBe(200);
  });

  test('injected faults: forced 429s count down; serverErrorRate 1 -> 503 ServiceUnavailable', async () => {
    const throttledBefore = g.sim.ctx.counters.throttled;
    Object.assign(g.sim.ctx.faults, { throttleNextRequests: 1, retryAfterSeconds: 3 });
    const forced = await g.get('/organization');
    expect([forced.status, forced.headers['retry-after']]).toEqual([429, '3']);
    expect((await g.get('/organization')).status).toBe(200);
    expect(g.sim.ctx.counters.throttled - throttledBefore).toBe(1);
    g.sim.ctx.faults.serverErrorRate = 1;
    const failed = await g.get('/organization');
    expect([failed.status, failed.body.error.code]).toEqual([503, 'ServiceUnavailable']);
  });

  test('requests are counted under their path template', async () => {
    const before = { ...g.sim.ctx.counters.byEndpoint };
    await g.get(`/users/${VERAFIELD.users.globalAdmin.id}/memberOf`);
    await g.get(`/users/${VERAFIELD.users.userAdmin.id}/memberOf`);
    expect(g.sim.ctx.counters.byEndpoint['GET /users/{id}/memberOf'] - (before['GET /users/{id}/memberOf'] ?? 0)).toBe(2);
  });
});
