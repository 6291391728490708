/**
 * Who may read a directory and what it may ask: directory:read on the tenant, the tenant's own Graph
 * permissions (a delegated connection lacking one gets UPSTREAM_FORBIDDEN naming it), and the query limits
 * (over HTTP and over WebSocket), all checked before any Graph call.
 */
import { createClient } from 'graphql-ws';
import { GraphQLClient } from 'graphql-request';
import WebSocket from 'ws';
import { bearer, startTestGateway } from '../support/gateway';
import { graphqlError } from '../tenants/tenant-queries';
import { connectVerafield, startDirectoryBench, tenantReader, type DirectoryBench } from './directory-fixtures';

let bench: DirectoryBench;

beforeAll(async () => {
  bench = await startDirectoryBench({ authMode: 'DELEGATED' });
}, 60_000);

afterAll(async () => {
  await bench?.stop();
});

it('reads the directory of a delegated connection as the administrator who consented', async () => {
  const t = await bench.read<{ users: { totalCount: number }; groups: { edges: unknown[] } }>('users { totalCount } groups(first: 3) { edges { node { id memberCount } } }');
  expect(t.users.totalCount).toBeGreaterThan(300);
  expect(t.groups.edges).toHaveLength(3);
});

it('needs directory:read on the tenant', async () => {
  const adminOnly = new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(await bench.gw.mintKey({ scopes: ['tenants:admin'] as never })) });
  const error = await graphqlError(tenantReader(adminOnly, bench.tenantId)('users { totalCount }'));
  expect(error.code).toBe('FORBIDDEN');
});

it('answers UPSTREAM_FORBIDDEN naming the missing permission when the connection lacks it, nulling only that field', async () => {
  // The same Entra tenant cannot be connected twice: free it for a connection with policies only.
  await bench.admin.request('mutation Disconnect($id: ID!) { disconnectTenant(id: $id) { status } }', { id: bench.tenantId });
  const policiesOnly = await connectVerafield(bench, { authMode: 'DELEGATED', features: ['READ_POLICIES'] });
  const res = await fetch(bench.gw.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(bench.adminKey) },
    body: JSON.stringify({ query: `{ tenant(id: "${policiesOnly}") { displayName users { totalCount } groups { totalCount } } }` }),
  });
  const body = (await res.json()) as {
    data: { tenant: Record<string, unknown> };
    errors: Array<{ message: string; path: string[]; extensions: Record<string, unknown> }>;
  };
  expect(body.data.tenant).toEqual({ displayName: 'Verafield Technologies', users: null, groups: null });
  const byField = Object.fromEntries(body.errors.map((e) => [e.path.join('.'), e]));
  expect(byField['tenant.users'].extensions).toMatchObject({ code: 'UPSTREAM_FORBIDDEN', missingPermission: 'User.Read.All', tenantId: policiesOnly });
  expect(byField['tenant.users'].message).toMatch(/needs the Graph permission User\.Read\.All; .*Tenant\.reconsentUrl/);
  expect(byField['tenant.groups'].extensions).toMatchObject({ code: 'UPSTREAM_FORBIDDEN', missingPermission: 'GroupMember.Read.All' });
});

describe('query limits', () => {
  it('refuse an over-deep query before any Graph call, naming the limit', async () => {
    await bench.sim.control.resetCounters();
    const deep = 'groups { edges { node { members { edges { node { ... on Group { members { edges { node { ... on Group { members { edges { node { ... on User { id } } } } } } } } } } } } } } }';
    const error = await graphqlError(bench.read(deep));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', message: 'query depth 14 exceeds the limit of 12' });
    expect((await bench.sim.control.counters()).requests).toBe(0);
  });

  it('refuse an over-costly query, counting page sizes', async () => {
    const error = await graphqlError(bench.read('users(first: 500) { edges { node { groups(first: 100) { edges { node { id } } } } } }'));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/^query cost \d+ exceeds the limit of 20000$/);
  });

  it('apply to subscriptions over WebSocket too', async () => {
    const gw = await startTestGateway({ env: { GRAPHQL_MAX_DEPTH: '1' } });
    const client = createClient({ url: gw.graphqlUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: bearer(await gw.mintKey()) });
    try {
      const outcome = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: 'subscription { heartbeat(intervalMs: 10, count: 1) { sequence } }' }, { next: resolve, error: resolve, complete: () => resolve('completed') });
      });
      expect(outcome).toEqual([{ message: 'query depth 2 exceeds the limit of 1', extensions: { code: 'BAD_USER_INPUT' } }]);
    } finally {
      await client.dispose();
      await gw.stop();
    }
  });
});
