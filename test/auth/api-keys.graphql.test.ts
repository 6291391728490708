import { ApiScope } from '../../src/core/auth/principal';
import { Tenant } from '../../src/tenants/tenant.entity';
import { bearer, startTestGateway, TestGateway } from '../support/gateway';
import { codesAt, overHttp } from './support/clients';

const CREATE = `mutation ($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id name scopes tenantIds createdBy revokedAt lastUsedAt } }
}`;
const LIST = `query ($first: Int, $after: ID) { apiKeys(first: $first, after: $after) { nodes { id name revokedAt } hasNextPage endCursor } }`;
const REVOKE = `mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id name scopes tenantIds revokedAt } }`;

interface Created {
  createApiKey: { secret: string; apiKey: { id: string; name: string; scopes: string[]; tenantIds: string[] | null; createdBy: string } };
}

describe('managing API keys through GraphQL', () => {
  let gw: TestGateway;
  let admin: Record<string, string>;
  let tenantA: string;

  const call = (query: string, variables: Record<string, unknown>, headers = admin) => overHttp(gw.graphqlUrl, { query, variables }, headers);

  beforeAll(async () => {
    gw = await startTestGateway();
    admin = bearer(await gw.mintKey());
    const tenants = gw.database.dataSource.getRepository(Tenant);
    tenantA = (
      await tenants.save(
        tenants.create({ displayName: 'A', entraTenantId: null, cloud: 'global', authMode: 'DELEGATED', status: 'ACTIVE', grantedScopes: [], features: [], syncIntervalSeconds: 900 }),
      )
    ).id;
  });

  afterAll(async () => {
    await gw.stop();
  });

  it('creates a key whose secret works at once, lists it without the secret, and revokes it', async () => {
    const created = await call(CREATE, { input: { name: 'frontend', scopes: ['DIRECTORY_READ'], tenantIds: [tenantA] } });
    const { secret, apiKey } = (created.data as Created).createApiKey;
    expect(apiKey).toEqual({ id: expect.stringMatching(/^[a-z2-7]{12}$/), name: 'frontend', scopes: ['DIRECTORY_READ'], tenantIds: [tenantA], createdBy: expect.stringMatching(/^api_key:/), revokedAt: null, lastUsedAt: null });
    expect(secret).toMatch(new RegExp(`^egk_${apiKey.id}_`));

    expect(await overHttp(gw.graphqlUrl, { query: '{ gateway { simulator } }' }, bearer(secret))).toEqual({ data: { gateway: { simulator: false } } });
    const listed = await call(LIST, { first: 100 });
    expect(JSON.stringify(listed)).not.toContain(secret.slice(-43));
    expect((listed.data as { apiKeys: { nodes: Array<{ id: string }> } }).apiKeys.nodes.map((n) => n.id)).toContain(apiKey.id);

    const revoked = await call(REVOKE, { id: apiKey.id });
    expect(revoked.data).toEqual({ revokeApiKey: { id: apiKey.id, revokedAt: expect.any(String) } });
    expect(codesAt(await overHttp(gw.graphqlUrl, { query: '{ gateway { simulator } }' }, bearer(secret)), 'gateway')).toEqual(['UNAUTHENTICATED']);
  });

  it('pages with first and after', async () => {
    for (const name of ['p1', 'p2', 'p3']) await call(CREATE, { input: { name, scopes: ['EVENTS_READ'] } });
    type Page = { apiKeys: { nodes: Array<{ id: string; name: string }>; hasNextPage: boolean; endCursor: string | null } };
    const names: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages += 1) {
      const page: Page = (await call(LIST, { first: 2, after })).data as Page;
      names.push(...page.apiKeys.nodes.map((n) => n.name));
      if (!page.apiKeys.hasNextPage) break;
      after = page.apiKeys.endCursor;
    }
    expect(names.slice(-3)).toEqual(['p1', 'p2', 'p3']);
    expect(new Set(names).size).toBe(names.length);
    expect(codesAt(await call(LIST, { first: 1000 }), 'apiKeys')).toEqual(['BAD_USER_INPUT']);
  });

  it('lets a key hand out only rights it holds', async () => {
    const adminOfA = bearer(
      ((await call(CREATE, { input: { name: 'admin of A', scopes: ['TENANTS_ADMIN', 'DIRECTORY_READ'], tenantIds: [tenantA] } })).data as Created).createApiKey.secret,
    );
    const attempt = (input: Record<string, unknown>) => call(CREATE, { input: { name: 'child', ...input } }, adminOfA);
    expect((await attempt({ scopes: ['DIRECTORY_READ'], tenantIds: [tenantA] })).errors).toBeUndefined();
    const refusals = await Promise.all([
      attempt({ scopes: ['DIRECTORY_WRITE'], tenantIds: [tenantA] }),
      attempt({ scopes: ['DIRECTORY_READ'] }),
      attempt({ scopes: ['DIRECTORY_READ'], tenantIds: ['00000000-0000-4000-8000-000000000000'] }),
    ]);
    expect(refusals.map((outcome) => outcome.errors?.map((e) => [e.extensions?.code, e.message]))).toEqual([
      [['FORBIDDEN', `this caller lacks the scope(s) ${ApiScope.DIRECTORY_WRITE} and cannot grant them`]],
      [['FORBIDDEN', 'this caller is confined to some tenants and cannot grant access to all tenants']],
      [['FORBIDDEN', 'this caller may not access tenant 00000000-0000-4000-8000-000000000000']],
    ]);
  });

  it("changes a key's name, scopes and tenants at once (its secret keeps working with the new rights), and audits each change", async () => {
    const created = (await call(CREATE, { input: { name: 'reporting', scopes: ['DIRECTORY_READ'], tenantIds: [tenantA] } })).data as Created;
    const { id } = created.createApiKey.apiKey;
    const key = bearer(created.createApiKey.secret);
    expect(codesAt(await call(LIST, { first: 1 }, key), 'apiKeys')).toEqual(['FORBIDDEN']);

    const widened = await call(UPDATE, { id, input: { name: ' reporting v2 ', scopes: ['DIRECTORY_READ', 'TENANTS_ADMIN'] } });
    expect(widened).toEqual({ data: { updateApiKey: { id, name: 'reporting v2', scopes: ['DIRECTORY_READ', 'TENANTS_ADMIN'], tenantIds: [tenantA], revokedAt: null } } });
    expect(codesAt(await call(LIST, { first: 1 }, key), 'apiKeys')).toEqual([]);

    const everyTenant = await call(UPDATE, { id, input: { tenantIds: null } });
    expect((everyTenant.data as { updateApiKey: { tenantIds: string[] | null } }).updateApiKey.tenantIds).toBeNull();
    const narrowed = await call(UPDATE, { id, input: { scopes: ['EVENTS_READ'], tenantIds: [tenantA.toUpperCase()] } });
    expect((narrowed.data as { updateApiKey: unknown }).updateApiKey).toMatchObject({ scopes: ['EVENTS_READ'], tenantIds: [tenantA] });
    expect(codesAt(await call(LIST, { first: 1 }, key), 'apiKeys')).toEqual(['FORBIDDEN']);

    const audit = await gw.database.dataSource.query(`SELECT changed_by, before, after FROM api_key_changes WHERE key_id = $1 ORDER BY id`, [id]);
    // As stored (the scopes' wire names).
    expect(audit).toEqual([
      { changed_by: expect.stringMatching(/^api_key:/), before: { name: 'reporting', scopes: ['directory:read'], tenantIds: [tenantA] }, after: { name: 'reporting v2', scopes: ['directory:read', 'tenants:admin'], tenantIds: [tenantA] } },
      { changed_by: expect.stringMatching(/^api_key:/), before: { name: 'reporting v2', scopes: ['directory:read', 'tenants:admin'], tenantIds: [tenantA] }, after: { name: 'reporting v2', scopes: ['directory:read', 'tenants:admin'], tenantIds: null } },
      { changed_by: expect.stringMatching(/^api_key:/), before: { name: 'reporting v2', scopes: ['directory:read', 'tenants:admin'], tenantIds: null }, after: { name: 'reporting v2', scopes: ['events:read'], tenantIds: [tenantA] } },
    ]);
  });

  it('refuses a change beyond the caller\'s rights, of a key it cannot see, of a revoked key, or with bad input, and changes nothing then', async () => {
    const adminOfA = bearer(
      ((await call(CREATE, { input: { name: 'admin of A (update)', scopes: ['TENANTS_ADMIN', 'DIRECTORY_READ'], tenantIds: [tenantA] } })).data as Created).createApiKey.secret,
    );
    const child = ((await call(CREATE, { input: { name: 'child', scopes: ['DIRECTORY_READ'], tenantIds: [tenantA] } }, adminOfA)).data as Created).createApiKey.apiKey.id;
    const everyTenantKey = ((await call(CREATE, { input: { name: 'wide', scopes: ['DIRECTORY_READ'] } })).data as Created).createApiKey.apiKey.id;
    const revoked = ((await call(CREATE, { input: { name: 'gone', scopes: ['EVENTS_READ'] } })).data as Created).createApiKey.apiKey.id;
    await call(REVOKE, { id: revoked });
    const outcomes = await Promise.all([
      call(UPDATE, { id: child, input: { scopes: ['DIRECTORY_WRITE'] } }, adminOfA),
      call(UPDATE, { id: child, input: { tenantIds: null } }, adminOfA),
      call(UPDATE, { id: everyTenantKey, input: { name: 'mine now' } }, adminOfA),
      call(UPDATE, { id: revoked, input: { name: 'back' } }),
      call(UPDATE, { id: child, input: { scopes: [] } }),
      call(UPDATE, { id: child, input: {} }),
      call(UPDATE, { id: child, input: { name: null } }),
      call(UPDATE, { id: child, input: { tenantIds: ['00000000-0000-4000-8000-000000000000'] } }),
    ]);
    expect(outcomes.map((outcome) => outcome.errors?.map((e) => [e.extensions?.code, e.message]))).toEqual([
      [['FORBIDDEN', `this caller lacks the scope(s) ${ApiScope.DIRECTORY_WRITE} and cannot grant them`]],
      [['FORBIDDEN', 'this caller is confined to some tenants and cannot grant access to all tenants']],
      [['NOT_FOUND', `API key ${everyTenantKey}: expected an existing key, found none`]],
      [['BAD_USER_INPUT', expect.stringMatching(new RegExp(`^id: API key ${revoked} was revoked at .*; a revoked key cannot be changed$`))]],
      [['BAD_USER_INPUT', 'scopes: expected at least one scope, received none']],
      [['BAD_USER_INPUT', 'input: expected at least one of name, scopes and tenantIds to change, received none']],
      [['BAD_USER_INPUT', 'input.name: expected a name or nothing, received null (a key always has a name)']],
      [['BAD_USER_INPUT', 'tenantIds: expected existing tenants, found none with id 00000000-0000-4000-8000-000000000000']],
    ]);
    const [row] = await gw.database.dataSource.query(`SELECT name, scopes, tenant_ids FROM api_keys WHERE id = $1`, [child]);
    expect(row).toEqual({ name: 'child', scopes: ['directory:read'], tenant_ids: [tenantA] });
    expect(await gw.database.dataSource.query(`SELECT 1 FROM api_key_changes WHERE key_id = ANY($1)`, [[child, everyTenantKey, revoked]])).toEqual([]);
  });

  it('reports bad input as BAD_USER_INPUT', async () => {
    const outcome = await call(CREATE, { input: { name: 'empty', scopes: [] } });
    expect(outcome.errors).toEqual([expect.objectContaining({ message: 'scopes: expected at least one scope, received none', extensions: { code: 'BAD_USER_INPUT' } })]);
  });
});
