/**
 * Upstream work per operation (issue 11, item 7): aliases cannot multiply Graph requests, token requests or
 * provisioning items past the operation's budget; the refusal names the limit, and comes before the work.
 */
import { connectVerafield, VERAFIELD } from '../directory/directory-fixtures';
import { newUser } from '../provisioning/provisioning-fixtures';
import { startConsentBench, type ConsentBench } from '../tenants/consent-fixtures';
import { overHttp } from '../auth/support/clients';
import { bearer } from '../support/gateway';

const LIMITS = { OPERATION_MAX_GRAPH_REQUESTS: '20', OPERATION_MAX_TOKEN_REQUESTS: '3', OPERATION_MAX_PROVISIONING_ITEMS: '5' };

describe('the operation budget', () => {
  let bench: ConsentBench;
  let tenantId: string;
  const admin = () => bearer(bench.adminKey);

  beforeAll(async () => {
    bench = await startConsentBench({ env: LIMITS });
    tenantId = await connectVerafield(bench, { features: ['READ_DIRECTORY', 'PROVISIONING'] });
  });

  afterAll(async () => {
    await bench?.stop();
  });

  // Each alias asks for another user: the request's DataLoader fetches a URL asked twice only once.
  const aliasedReads = (count: number, round = 0) =>
    `query ($t: ID!) { ${Array.from({ length: count }, (_, i) => `a${i}: tenant(id: $t) { user(userPrincipalName: "nobody.${round}.${i}@${VERAFIELD.domain}") { id } }`).join(' ')} }`;

  it('lets an operation within the Graph budget run, and gives the next operation a budget of its own', async () => {
    for (let round = 0; round < 2; round += 1) {
      const outcome = await overHttp(bench.gw.graphqlUrl, { query: aliasedReads(15, round), variables: { t: tenantId } }, admin());
      expect(outcome.errors).toBeUndefined();
      expect(Object.values(outcome.data as object)).toEqual(Array.from({ length: 15 }, () => ({ user: null })));
    }
  });

  it('refuses aliased reads past OPERATION_MAX_GRAPH_REQUESTS, naming the limit, without sending them', async () => {
    await bench.sim.control.resetCounters();
    const outcome = await overHttp(bench.gw.graphqlUrl, { query: aliasedReads(60, 2), variables: { t: tenantId } }, admin());
    const refused = (outcome.errors ?? []).filter((e) => e.extensions?.code === 'LIMIT_EXCEEDED');
    expect(refused.length).toBeGreaterThanOrEqual(40);
    expect(outcome.errors?.filter((e) => e.extensions?.code !== 'LIMIT_EXCEEDED')).toEqual([]);
    expect(refused[0]).toEqual(
      expect.objectContaining({
        message: expect.stringMatching(/^this operation: expected at most 20 Microsoft Graph requests \(OPERATION_MAX_GRAPH_REQUESTS\), received work for \d+/),
        extensions: { code: 'LIMIT_EXCEEDED', limit: 'OPERATION_MAX_GRAPH_REQUESTS', max: 20 },
      }),
    );
    const counters = await bench.sim.control.counters();
    // Graph saw at most the budget: as direct GETs or as $batch sub-requests.
    expect((counters.byEndpoint['GET /users'] ?? 0) + counters.subRequests).toBeLessThanOrEqual(20);
  });

  it('refuses connection checks past OPERATION_MAX_TOKEN_REQUESTS, without asking the identity platform', async () => {
    await bench.sim.control.resetCounters();
    const checks = Array.from({ length: 5 }, (_, i) => `v${i}: verifyTenantConnection(id: $id) { tokenAcquired problem }`).join(' ');
    const outcome = await overHttp(bench.gw.graphqlUrl, { query: `mutation ($id: ID!) { ${checks} }`, variables: { id: tenantId } }, admin());
    const data = outcome.data as Record<string, { tokenAcquired: boolean; problem: string | null }>;
    expect(Object.values(data).map((check) => check.tokenAcquired)).toEqual([true, true, true, false, false]);
    expect(data.v3.problem).toBe(
      'this operation: expected at most 3 token requests to the identity platform (OPERATION_MAX_TOKEN_REQUESTS), received work for 4; split it into smaller operations (fewer aliases or items each)',
    );
    const tokenRequests = Object.values((await bench.sim.control.counters()).tokenRequests).reduce((a, b) => a + b, 0);
    expect(tokenRequests).toBe(3);
    // The tenant is untouched by a refusal of ours.
    const status = await overHttp(bench.gw.graphqlUrl, { query: 'query ($id: ID!) { tenant(id: $id) { status } }', variables: { id: tenantId } }, admin());
    expect(status.data).toEqual({ tenant: { status: 'ACTIVE' } });
  });

  it('counts provisioning items across aliases: the second bulk run is refused whole, before anything is written', async () => {
    const users = (prefix: string) => Array.from({ length: 4 }, (_, i) => ({ ...newUser(`${prefix}.${i}`), groupIds: [] }));
    const result = '{ __typename ... on ProvisionedUsers { created failed } }';
    const query = `mutation ($t: ID!, $first: [ProvisionUserInput!]!, $second: [ProvisionUserInput!]!) {
      first: provisionUsers(tenantId: $t, users: $first) ${result}
      second: provisionUsers(tenantId: $t, users: $second) ${result}
    }`;
    const outcome = await overHttp(bench.gw.graphqlUrl, { query, variables: { t: tenantId, first: users('budget.one'), second: users('budget.two') } }, admin());
    // The result is non-null, so the refused second run nulls the whole answer; the first run stands.
    expect(outcome.data).toBeNull();
    expect(outcome.errors).toEqual([
      expect.objectContaining({
        path: ['second'],
        message: 'this operation: expected at most 5 provisioning items (OPERATION_MAX_PROVISIONING_ITEMS), received work for 8; split it into smaller operations (fewer aliases or items each)',
        extensions: { code: 'LIMIT_EXCEEDED', limit: 'OPERATION_MAX_PROVISIONING_ITEMS', max: 5 },
      }),
    ]);
    const lookup = await overHttp(
      bench.gw.graphqlUrl,
      {
        query: 'query ($t: ID!, $one: String!, $two: String!) { one: tenant(id: $t) { user(userPrincipalName: $one) { id } } two: tenant(id: $t) { user(userPrincipalName: $two) { id } } }',
        variables: { t: tenantId, one: `budget.one.3@${VERAFIELD.domain}`, two: `budget.two.0@${VERAFIELD.domain}` },
      },
      admin(),
    );
    expect(lookup.data).toEqual({ one: { user: { id: expect.any(String) } }, two: { user: null } });
  });
});
