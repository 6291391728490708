/** GraphClient against the simulator over real HTTPS: reads, paging, typed errors, retries and deadlines. */
import {
  GraphAuthError,
  GraphBadRequestError,
  GraphClient,
  GraphForbiddenError,
  GraphNotFoundError,
  GraphThrottledError,
  ResourceBudget,
  filterEq,
  graphPath,
  queryString,
  startsWith,
} from '../../src/graph';
import { VERAFIELD } from '../../src/simulator/generator';
import { startGraphTestbed, type GraphTestbed } from './support';

interface User {
  id: string;
  displayName: string;
  userPrincipalName: string;
}

let bed: GraphTestbed;
beforeAll(async () => {
  bed = await startGraphTestbed();
});
afterAll(() => bed.close());
beforeEach(() => bed.reset());

/** Short waits so fault tests take milliseconds, not the production policy's seconds. */
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50, budgetMs: 10_000 };

describe('reads', () => {
  test('get returns the JSON object; every request carries a client-request-id that Graph echoes', async () => {
    const client = bed.client();
    const user = await client.get<User>(graphPath`/users/${VERAFIELD.users.salesRep.id}`);
    expect(user).toMatchObject({ id: VERAFIELD.users.salesRep.id, userPrincipalName: VERAFIELD.users.salesRep.userPrincipalName });
    const error = await client.get(graphPath`/users/${'00000000-0000-0000-0000-000000000000'}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphNotFoundError);
    expect((error as GraphNotFoundError).clientRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('a UPN is one encoded path segment', async () => {
    const user = await bed.client().get<User>(graphPath`/users/${VERAFIELD.users.salesRep.userPrincipalName}`);
    expect(user.id).toBe(VERAFIELD.users.salesRep.id);
  });

  test('paging Verafield with $top=7 to the end equals one $top=999 listing', async () => {
    const client = bed.client();
    await bed.sim.control.resetCounters();
    const small = await client.list<User>('/users?$top=7&$select=id,displayName');
    const pagesSent = (await bed.sim.control.counters()).requests;
    const large = await client.list<User>('/users?$top=999&$select=id,displayName');
    expect(large.items.length).toBeGreaterThanOrEqual(VERAFIELD.counts.users);
    expect(pagesSent).toBe(Math.ceil(large.items.length / 7));
    expect(small.items.map((u) => u.id)).toEqual(large.items.map((u) => u.id));
    expect(small.truncated).toBe(false);
  });

  test('list stops at max and says it was truncated', async () => {
    const result = await bed.client().list<User>('/users?$top=7', { max: 10 });
    expect(result.items).toHaveLength(10);
    expect(result.truncated).toBe(true);
  });

  test('count: ConsistencyLevel is re-sent on every page (endsWith needs it), @odata.count comes from page 1', async () => {
    const client = bed.client();
    const path = `/users${queryString({ $filter: `endsWith(userPrincipalName,'@${VERAFIELD.domain}')`, $top: 25 })}`;
    const pages = [];
    for await (const page of client.pages<User>(path, { count: true })) pages.push(page);
    expect(pages.length).toBeGreaterThan(1);
    const total = pages.reduce((n, p) => n + p.items.length, 0);
    expect(pages[0].count).toBe(total);
    expect(pages.slice(1).every((p) => p.count === undefined)).toBe(true);
  });

  test('without ConsistencyLevel the advanced query is a typed 400 Request_UnsupportedQuery', async () => {
    const error = await bed
      .client()
      .get(`/users${queryString({ $filter: "endsWith(mail,'@verafield.com')" })}`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphBadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'Request_UnsupportedQuery' });
    expect((error as GraphBadRequestError).requestId).toBeDefined();
  });

  test("odata escaping: a displayName with a quote is found by eq and startsWith, and ' or 1 eq 1 matches nothing", async () => {
    const name = "Siobhán O'Brien-Test";
    const created = await bed.sim.control.createUser(VERAFIELD.tenantId, {
      accountEnabled: true,
      displayName: name,
      mailNickname: 'sobrien',
      userPrincipalName: `sobrien@${VERAFIELD.domain}`,
      passwordProfile: { password: 'Str0ng!Passphrase-42', forceChangePasswordNextSignIn: false },
    });
    const client = bed.client();
    const byEq = await client.list<User>(`/users${queryString({ $filter: filterEq('displayName', name) })}`);
    expect(byEq.items.map((u) => u.id)).toEqual([created.id]);
    const byPrefix = await client.list<User>(`/users${queryString({ $filter: startsWith('displayName', "Siobhán O'B") })}`);
    expect(byPrefix.items.map((u) => u.id)).toEqual([created.id]);
    const injected = await client.list<User>(`/users${queryString({ $filter: filterEq('displayName', "x' or 1 eq 1 or displayName eq 'y") })}`);
    expect(injected.items).toEqual([]);
  });
});

describe('typed errors', () => {
  test('403 Authorization_RequestDenied for an app without the permission', async () => {
    const narrow = new GraphClient(await bed.appWith(['User.Read.All']));
    try {
      const error = await narrow.get('/groups').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GraphForbiddenError);
      expect(error).toMatchObject({ status: 403, code: 'Authorization_RequestDenied' });
      expect((error as Error).message).toContain('GET /v1.0/groups answered 403 Authorization_RequestDenied');
    } finally {
      narrow.close();
    }
  });

  test('401 InvalidAuthenticationToken: one retry with a forced fresh token, then success', async () => {
    let first = true;
    const tenant = bed.tenant();
    const client = bed.client(undefined, {
      getAccessToken: async (options) => {
        if (first) {
          first = false;
          return 'not-a-valid-token';
        }
        return tenant.getAccessToken(options);
      },
    });
    const user = await client.get<User>(graphPath`/users/${VERAFIELD.users.salesRep.id}`);
    expect(user.id).toBe(VERAFIELD.users.salesRep.id);
    expect(tenant.tokens.forced).toBe(1);
  });

  test('a 401 that a fresh token does not cure is GraphAuthError, without the token in its message', async () => {
    const client = bed.client(undefined, { getAccessToken: async () => 'still-not-a-token' });
    const error = await client.get('/users').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphAuthError);
    expect(error).toMatchObject({ status: 401, code: 'InvalidAuthenticationToken' });
    expect((error as Error).message).not.toContain('still-not-a-token');
    expect(client.counters().requests).toBe(2);
  });
});

describe('retries', () => {
  test('429 with Retry-After is retried and succeeds', async () => {
    await bed.sim.control.setFaults({ throttleNextRequests: 2, retryAfterSeconds: 0.05 });
    const client = bed.client({ retry: FAST_RETRY });
    const user = await client.get<User>(graphPath`/users/${VERAFIELD.users.salesRep.id}`);
    expect(user.id).toBe(VERAFIELD.users.salesRep.id);
    expect(client.counters()).toMatchObject({ requests: 3, retries: 2 });
  });

  test('a 503 storm is ridden out', async () => {
    const client = bed.client({ retry: { ...FAST_RETRY, maxAttempts: 30 } });
    const calm = await client.list<User>('/users?$top=50');
    await bed.sim.control.setFaults({ serverErrorRate: 0.6, retryAfterSeconds: 0.01 });
    const result = await client.list<User>('/users?$top=50');
    expect(result.items).toEqual(calm.items);
    expect(client.counters().retries).toBeGreaterThan(0);
  });

  test('attempts exhausted: GraphThrottledError with the last Retry-After', async () => {
    await bed.sim.control.setFaults({ throttleNextRequests: 100, retryAfterSeconds: 0.02 });
    const client = bed.client({ retry: { ...FAST_RETRY, maxAttempts: 3 } });
    const error = await client.get('/users').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphThrottledError);
    expect(error).toMatchObject({ status: 429, code: 'TooManyRequests', retryAfterMs: 20 });
    expect(client.counters()).toMatchObject({ requests: 3, retries: 2 });
  });

  test('a Retry-After beyond the time budget is not waited for', async () => {
    await bed.sim.control.setFaults({ throttleNextRequests: 1, retryAfterSeconds: 30 });
    const client = bed.client({ retry: { ...FAST_RETRY, budgetMs: 1_000 } });
    await expect(client.get('/users')).rejects.toMatchObject({ status: 429, retryAfterMs: 30_000 });
    expect(client.counters().requests).toBe(1);
  });

  test("a tenant near its resource-unit limit waits before sending; another tenant's client does not", async () => {
    // A 1 s window and a 1-unit limit stand in for 10 s and 5,000: the 2nd request waits for the 1st to age out.
    const budget = new ResourceBudget({ windowMs: 1_000, slowDownAt: 0.8, resourceUnitLimit: 1 });
    const busy = bed.client({ budget });
    const other = bed.client();
    const path = graphPath`/users/${VERAFIELD.users.salesRep.id}` + '?$select=id';
    for (let i = 0; i < 2; i++) await Promise.all([busy.get(path), other.get(path)]);
    expect(busy.counters()).toMatchObject({ budgetWaits: 1, resourceUnits: 2 });
    expect(other.counters()).toMatchObject({ budgetWaits: 0, resourceUnits: 2 });
  });

  test('resource units are read from every response', async () => {
    await bed.sim.control.resetCounters();
    const client = bed.client();
    await client.list('/users?$top=100');
    await client.get(graphPath`/groups/${VERAFIELD.groups.engineering}/members`);
    expect(client.counters().resourceUnits).toBe((await bed.sim.control.counters()).resourceUnits);
    expect(client.counters().resourceUnits).toBeGreaterThan(0);
  });
});
