/**
 * The hosted admin portal over HTTP, against Verafield connected through the real consent flow: the product's
 * backend asks for a link; opening it gives an HttpOnly SameSite cookie (never a key); the link opens once and
 * not after its expiry, nor under another tenant; the session reaches its own tenant and its link's steps only,
 * needs the page's CSRF token, and every change it makes is audited with the session as principal.
 */
import { GraphQLClient } from 'graphql-request';
import { bearer } from '../support/gateway';
import { graphqlError } from '../tenants/tenant-queries';
import { asPortal, createLink, openLink, startPortalBench, VERAFIELD, type PortalBench } from './portal-fixtures';

let bench: PortalBench;
let otherTenant: string;

beforeAll(async () => {
  bench = await startPortalBench();
  const pending = await bench.admin.request<{ connectTenant: { tenant: { id: string } } }>(
    `mutation($i: ConnectTenantInput!) { connectTenant(input: $i) { tenant { id } } }`,
    { i: { displayName: 'Contoso', cloud: 'CUSTOM', authMode: 'APPLICATION', features: ['READ_DIRECTORY'], returnUrl: bench.product.url() } },
  );
  otherTenant = pending.connectTenant.tenant.id;
}, 120_000);

afterAll(async () => {
  await bench?.stop();
});

async function session(steps = ['CONNECT', 'MAP_GROUPS', 'STATUS']): Promise<string> {
  const link = await createLink(bench.admin, { tenantId: bench.tenantId, steps, returnUrl: bench.product.url() });
  const opened = await openLink(link.url);
  expect(opened.status).toBe(303);
  return opened.secret!;
}

describe('links', () => {
  it('a tenants:admin caller gets a single-use URL for its tenant; opening it sets an HttpOnly, SameSite cookie and leaves the token behind', async () => {
    const link = await createLink(bench.admin, { tenantId: bench.tenantId, steps: ['STATUS', 'CONNECT', 'STATUS'], returnUrl: bench.product.url() });
    expect(link).toEqual({ url: expect.stringContaining(`${bench.gw.url}/portal/open?tenant=${bench.tenantId}&token=`), tenantId: bench.tenantId, steps: ['CONNECT', 'STATUS'], expiresAt: expect.any(String) });
    const opened = await openLink(link.url);
    expect(opened).toMatchObject({ status: 303, location: '/portal/' });
    expect(opened.setCookie).toMatch(/^portal_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax$/);
    // Only the token's hash is stored.
    const token = new URL(link.url).searchParams.get('token')!;
    const stored: Array<{ text: string }> = await bench.gw.database.dataSource.query(`SELECT row_to_json(l)::text AS text FROM portal_links l`);
    expect(stored.some((row) => row.text.includes(token))).toBe(false);

    const again = await openLink(link.url);
    expect(again).toMatchObject({ status: 410, setCookie: null });
    expect(again.body).toContain('This link was already used');
  });

  it('refuses an expired link, a link under another tenant, an unknown token, and says which', async () => {
    const link = await createLink(bench.admin, { tenantId: bench.tenantId, returnUrl: bench.product.url() });
    const url = new URL(link.url);
    url.searchParams.set('tenant', otherTenant);
    const foreign = await openLink(url.toString());
    expect(foreign).toMatchObject({ status: 403, setCookie: null });
    expect(foreign.body).toContain('This link is for another organisation');

    url.searchParams.set('token', 'A'.repeat(43));
    expect((await openLink(url.toString())).body).toContain('This link is not valid');

    // Expired: the row's expiry moved into the past (the lifetime itself is PORTAL_LINK_TTL_SECONDS).
    await bench.gw.database.dataSource.query(`UPDATE portal_links SET expires_at = now() - interval '1 second' WHERE tenant_id = $1 AND used_at IS NULL`, [bench.tenantId]);
    const expired = await openLink(link.url);
    expect(expired).toMatchObject({ status: 410, setCookie: null });
    expect(expired.body).toContain('This link has expired');
  });

  it('refuses a returnUrl off the allow-list, no steps, a longer lifetime, and a caller limited to another tenant', async () => {
    const bad = (input: Record<string, unknown>) => graphqlError(createLink(bench.admin, { tenantId: bench.tenantId, returnUrl: bench.product.url(), ...input }));
    expect(await bad({ returnUrl: 'https://evil.example/x' })).toMatchObject({ code: 'BAD_USER_INPUT', message: 'input.returnUrl: returnUrl origin https://evil.example is not in ALLOWED_RETURN_ORIGINS' });
    expect(await bad({ steps: [] })).toMatchObject({ code: 'BAD_USER_INPUT', message: 'input.steps: expected at least one of CONNECT, MAP_GROUPS, STATUS' });
    expect(await bad({ expiresInSeconds: 100_000 })).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('input.expiresInSeconds: expected an integer from 1 to 900') });
    const otherKey = await bench.gw.mintKey({ scopes: ['tenants:admin'] as never, tenantIds: [otherTenant] });
    const other = new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(otherKey) });
    expect(await graphqlError(createLink(other, { tenantId: bench.tenantId, returnUrl: bench.product.url() }))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a link for a new connection stores a PENDING_CONSENT tenant with it (product-wide callers only)', async () => {
    const create = (client: GraphQLClient) =>
      client.request<{ createPortalLinkForNewConnection: { url: string; tenantId: string; steps: string[] } }>(
        `mutation($i: CreatePortalLinkForNewConnectionInput!) { createPortalLinkForNewConnection(input: $i) { url tenantId steps } }`,
        { i: { displayName: 'Fabrikam', authMode: 'DELEGATED', features: ['READ_DIRECTORY'], steps: ['MAP_GROUPS'], returnUrl: bench.product.url() } },
      );
    const { createPortalLinkForNewConnection: link } = await create(bench.admin);
    expect(link.steps).toEqual(['CONNECT', 'MAP_GROUPS']);
    const tenant = await bench.admin.request<{ tenant: { displayName: string; status: string } }>(`query($id: ID!) { tenant(id: $id) { displayName status } }`, { id: link.tenantId });
    expect(tenant.tenant).toEqual({ displayName: 'Fabrikam', status: 'PENDING_CONSENT' });
    const limited = new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(await bench.gw.mintKey({ tenantIds: [bench.tenantId] })) });
    expect(await graphqlError(create(limited))).toMatchObject({ code: 'FORBIDDEN', message: 'connecting a tenant needs a caller allowed on every tenant' });
  });
});

describe('the portal session', () => {
  it('serves the page with a strict Content-Security-Policy and the CSRF token; without a session, says so', async () => {
    const secret = await session();
    const res = await fetch(`${bench.gw.url}/portal/`, { headers: { cookie: `portal_session=${secret}` } });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await res.text();
    expect(html).toMatch(/<meta name="portal-csrf" content="[A-Za-z0-9_-]{43}">/);
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script
    const none = await fetch(`${bench.gw.url}/portal/`);
    expect(none.status).toBe(401);
    expect(await none.text()).toContain('Open the portal from the link the application gave you');
  });

  it('needs the CSRF header with the cookie; with both it is its own tenant and steps', async () => {
    const secret = await session();
    const query = `{ portalSession { tenantId steps tenant { id status } branding { productName accentColor } permissions { permission meaning } productAppId } }`;
    const withoutCsrf = await asPortal(bench.gw.graphqlUrl, secret, query, {}, { csrf: null });
    expect(withoutCsrf.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringContaining('x-portal-csrf') });
    const wrongCsrf = await asPortal(bench.gw.graphqlUrl, secret, query, {}, { csrf: 'x'.repeat(43) });
    expect(wrongCsrf.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const ok = await asPortal(bench.gw.graphqlUrl, secret, query);
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.portalSession).toMatchObject({
      tenantId: bench.tenantId,
      steps: ['CONNECT', 'MAP_GROUPS', 'STATUS'],
      tenant: { id: bench.tenantId, status: 'ACTIVE' },
      branding: { productName: 'Your product', accentColor: '#0f6cbd' },
      permissions: expect.arrayContaining([{ permission: 'Policy.Read.All', meaning: expect.stringContaining('MFA') }]),
    });
  });

  it('is refused on another tenant, on fields its steps do not list, and on everything else', async () => {
    const secret = await session(['STATUS']);
    const call = (query: string, variables: Record<string, unknown> = {}) => asPortal(bench.gw.graphqlUrl, secret, query, variables);
    const codeOf = async (query: string, variables: Record<string, unknown> = {}) => (await call(query, variables)).errors?.[0];
    expect(await codeOf(`query($t: ID!) { tenant(id: $t) { id } }`, { t: otherTenant })).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: `this caller may not access tenant ${otherTenant}` });
    expect(await codeOf(`mutation($t: ID!, $g: ID!, $tier: ID!) { setTierMapping(tenantId: $t, groupId: $g, tierId: $tier) { groupId } }`, { t: bench.tenantId, g: VERAFIELD.groups.finance, tier: bench.tiers.finance })).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: 'this portal session may not use setTierMapping: it needs the MAP_GROUPS step, and the link allowed STATUS',
    });
    expect(await codeOf(`mutation($t: ID!) { disconnectTenant(id: $t) { id } }`, { t: bench.tenantId })).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: 'a portal session may not use disconnectTenant' });
    expect(await codeOf(`mutation { createApiKey(input: { name: "x", scopes: [DIRECTORY_READ] }) { __typename } }`)).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: 'a portal session may not use createApiKey' });
    const ok = await call(`query($t: ID!) { tenant(id: $t) { status } driftFindings(tenantId: $t, open: true) { rule } }`, { t: bench.tenantId });
    expect(ok.errors).toBeUndefined();
  });

  it('maps groups through the API, audited with the portal session as principal', async () => {
    const secret = await session(['MAP_GROUPS']);
    const me = await asPortal(bench.gw.graphqlUrl, secret, `{ portalSession { id } }`);
    const sessionId = (me.data!.portalSession as { id: string }).id;
    const set = await asPortal(bench.gw.graphqlUrl, secret, `mutation($t: ID!, $g: ID!, $tier: ID!) { setTierMapping(tenantId: $t, groupId: $g, tierId: $tier) { groupId createdBy } }`, {
      t: bench.tenantId,
      g: VERAFIELD.groups.finance,
      tier: bench.tiers.finance,
    });
    expect(set.errors).toBeUndefined();
    expect(set.data!.setTierMapping).toEqual({ groupId: VERAFIELD.groups.finance, createdBy: `portal:${sessionId}` });
    const removed = await asPortal(bench.gw.graphqlUrl, secret, `mutation($t: ID!, $g: ID!) { removeTierMapping(tenantId: $t, groupId: $g) { groupId } }`, { t: bench.tenantId, g: VERAFIELD.groups.finance });
    expect(removed.errors).toBeUndefined();
    const audit = await bench.admin.request<{ auditLog: { edges: Array<{ node: { principal: string; operation: string; target: string; result: string } }> } }>(
      `query($t: ID!) { auditLog(tenantId: $t, first: 10) { edges { node { principal operation target result } } } }`,
      { t: bench.tenantId },
    );
    expect(audit.auditLog.edges.map((e) => e.node).filter((n) => n.principal === `portal:${sessionId}`)).toEqual([
      { principal: `portal:${sessionId}`, operation: 'REMOVE_TIER_MAPPING', target: `group:${VERAFIELD.groups.finance} (was tier:${bench.tiers.finance})`, result: 'SUCCESS' },
      { principal: `portal:${sessionId}`, operation: 'SET_TIER_MAPPING', target: `group:${VERAFIELD.groups.finance} tier:${bench.tiers.finance}`, result: 'SUCCESS' },
      { principal: `portal:${sessionId}`, operation: 'OPEN_PORTAL_SESSION', target: expect.stringMatching(/^portal-link:/), result: 'SUCCESS' },
    ]);
  });

  it('asks for consent with a URL that returns to the portal, audited; an ended session is UNAUTHENTICATED', async () => {
    const secret = await session(['CONNECT']);
    const started = await asPortal(bench.gw.graphqlUrl, secret, `mutation($t: ID!) { startPortalConsent(tenantId: $t) }`, { t: bench.tenantId });
    expect(started.errors).toBeUndefined();
    expect(new URL(started.data!.startPortalConsent as string).origin).toBe(new URL(bench.sim.baseUrl).origin);
    const keyed = await graphqlError(bench.admin.request(`mutation($t: ID!) { startPortalConsent(tenantId: $t) }`, { t: bench.tenantId }));
    expect(keyed).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('startPortalConsent is for portal sessions') });
    await bench.gw.database.dataSource.query(`UPDATE portal_sessions SET expires_at = now() - interval '1 second'`);
    const ended = await asPortal(bench.gw.graphqlUrl, secret, `{ portalSession { id } }`);
    expect(ended.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringContaining('the portal session has ended') });
  });
});
