/**
 * Who may see and change tenants: a key limited to tenant A never reaches tenant B, directory readers may read
 * but not change, callers without a key are UNAUTHENTICATED. Also paging, updates and their validation.
 */
import { GraphQLClient } from 'graphql-request';
import { ApiScope } from '../../src/core/auth/principal';
import { bearer } from '../support/gateway';
import { startConsentBench, type ConsentBench } from './consent-fixtures';
import { connectTenant, graphqlError, readTenant, reconsentUrl, TENANT_FIELDS, type TenantView } from './tenant-queries';

let bench: ConsentBench;
let tenantA: TenantView;
let tenantB: TenantView;

beforeAll(async () => {
  bench = await startConsentBench();
  tenantA = (await connectTenant(bench.admin, { authMode: 'DELEGATED', displayName: 'Tenant A', returnUrl: bench.product.url() })).tenant;
  tenantB = (await connectTenant(bench.admin, { authMode: 'APPLICATION', displayName: 'Tenant B', returnUrl: bench.product.url() })).tenant;
});

afterAll(async () => {
  await bench.stop();
});

async function clientFor(scopes: ApiScope[], tenantIds: string[] | null): Promise<GraphQLClient> {
  return new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(await bench.gw.mintKey({ scopes, tenantIds })) });
}

type Page = { edges: Array<{ cursor: string; node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

async function listIds(client: GraphQLClient, first: number, after?: string): Promise<Page> {
  const data = await client.request<{ tenants: Page }>(
    `query List($first: Int!, $after: String) { tenants(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
    { first, after },
  );
  return data.tenants;
}

describe('a key limited to tenant A', () => {
  it('reads A and lists only A', async () => {
    const reader = await clientFor([ApiScope.DIRECTORY_READ], [tenantA.id]);
    expect(await readTenant(reader, tenantA.id)).toMatchObject({ id: tenantA.id, displayName: 'Tenant A' });
    expect((await listIds(reader, 10)).edges.map((edge) => edge.node.id)).toEqual([tenantA.id]);
  });

  it('gets FORBIDDEN for tenant B, whatever the field', async () => {
    const admin = await clientFor([ApiScope.TENANTS_ADMIN, ApiScope.DIRECTORY_READ], [tenantA.id]);
    for (const request of [
      readTenant(admin, tenantB.id),
      reconsentUrl(admin, tenantB.id, bench.product.url()),
      admin.request(`mutation($id: ID!) { updateTenant(id: $id, input: { displayName: "mine" }) { id } }`, { id: tenantB.id }),
      admin.request(`mutation($id: ID!) { disconnectTenant(id: $id) { id } }`, { id: tenantB.id }),
      admin.request(`mutation($id: ID!) { verifyTenantConnection(id: $id) { tokenAcquired } }`, { id: tenantB.id }),
    ]) {
      expect(await graphqlError(request)).toMatchObject({ code: 'FORBIDDEN', message: `this caller may not access tenant ${tenantB.id}` });
    }
    expect(await readTenant(bench.admin, tenantB.id)).toMatchObject({ displayName: 'Tenant B', status: 'PENDING_CONSENT' });
  });

  it('cannot connect new tenants, which it could not see', async () => {
    const admin = await clientFor([ApiScope.TENANTS_ADMIN], [tenantA.id]);
    const error = await graphqlError(connectTenant(admin, { authMode: 'DELEGATED', returnUrl: bench.product.url() }));
    expect(error).toMatchObject({ code: 'FORBIDDEN', message: 'connecting a tenant needs a caller allowed on every tenant' });
  });
});

describe('a directory reader', () => {
  it('reads tenants and their history but may not change them or ask for consent URLs', async () => {
    const reader = await clientFor([ApiScope.DIRECTORY_READ], null);
    expect((await readTenant(reader, tenantB.id))!.statusHistory).toEqual([
      { from: null, to: 'PENDING_CONSENT', reason: expect.stringMatching(/^connect requested by api_key:/), at: expect.any(String) },
    ]);
    expect(await graphqlError(reconsentUrl(reader, tenantA.id, bench.product.url()))).toMatchObject({ code: 'FORBIDDEN' });
    expect(
      await graphqlError(reader.request(`mutation($id: ID!) { updateTenant(id: $id, input: { displayName: "x" }) { id } }`, { id: tenantA.id })),
    ).toMatchObject({ code: 'FORBIDDEN', message: 'this caller lacks the tenants:admin scope' });
  });
});

it('answers UNAUTHENTICATED without a key, and FORBIDDEN to a key with neither tenant scope', async () => {
  const anonymous = new GraphQLClient(bench.gw.graphqlUrl);
  expect(await graphqlError(readTenant(anonymous, tenantA.id))).toMatchObject({ code: 'UNAUTHENTICATED' });
  expect(await graphqlError(listIds(anonymous, 1))).toMatchObject({ code: 'UNAUTHENTICATED' });
  const events = await clientFor([ApiScope.EVENTS_READ], null);
  expect(await graphqlError(listIds(events, 1))).toMatchObject({ code: 'FORBIDDEN', message: 'this caller lacks the directory:read scope' });
});

it('pages through tenants with opaque cursors, and refuses a cursor it did not issue', async () => {
  const first = await listIds(bench.admin, 1);
  expect(first.pageInfo).toEqual({ hasNextPage: true, endCursor: first.edges[0]!.cursor });
  expect(first.edges[0]!.cursor).not.toContain(first.edges[0]!.node.id);
  const second = await listIds(bench.admin, 1, first.pageInfo.endCursor!);
  expect(second.pageInfo.hasNextPage).toBe(false);
  expect([first, second].flatMap((page) => page.edges.map((edge) => edge.node.id)).sort()).toEqual([tenantA.id, tenantB.id].sort());

  expect(await graphqlError(listIds(bench.admin, 1, 'bm90LWEtY3Vyc29y'))).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'after' } });
  expect(await graphqlError(listIds(bench.admin, 0))).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'first' } });
});

it('answers null for an unknown tenant, and BAD_USER_INPUT for something that is not a tenant id (README, "Errors")', async () => {
  expect(await readTenant(bench.admin, '00000000-0000-4000-8000-000000000000')).toBeNull();
  expect(await graphqlError(readTenant(bench.admin, 'not-a-uuid'))).toMatchObject({
    code: 'BAD_USER_INPUT',
    message: 'id: expected a tenant id (a GUID like 00000000-0000-0000-0000-000000000000), got "not-a-uuid"',
  });
});

describe('updateTenant', () => {
  const update = (id: string, input: Record<string, unknown>) =>
    bench.admin.request<{ updateTenant: TenantView }>(
      `mutation Update($id: ID!, $input: UpdateTenantInput!) { updateTenant(id: $id, input: $input) { ${TENANT_FIELDS} } }`,
      { id, input },
    );

  it('changes name, features and sync interval; new features show as missing scopes', async () => {
    const { updateTenant } = await update(tenantA.id, { displayName: 'Tenant A (renamed)', features: ['READ_DIRECTORY', 'READ_APPS'], syncIntervalSeconds: 300 });
    expect(updateTenant).toMatchObject({
      displayName: 'Tenant A (renamed)',
      features: ['READ_APPS', 'READ_DIRECTORY'],
      syncIntervalSeconds: 300,
      missingScopes: ['Application.Read.All', 'GroupMember.Read.All', 'User.Read.All'],
    });
  });

  it.each([
    [{ syncIntervalSeconds: 5 }, 'input.syncIntervalSeconds', 'expected an integer from 60 to 86400, got 5'],
    [{ displayName: 'x'.repeat(201) }, 'input.displayName', 'expected 1 to 200 characters, got 201'],
    [{ features: [] }, 'input.features', 'expected at least one feature, got none'],
  ])('refuses %j naming %s', async (input, field, problem) => {
    const before = await readTenant(bench.admin, tenantB.id);
    expect(await graphqlError(update(tenantB.id, input))).toMatchObject({ code: 'BAD_USER_INPUT', message: `${field}: ${problem}`, extensions: { field } });
    expect(await readTenant(bench.admin, tenantB.id)).toEqual(before);
  });
});
