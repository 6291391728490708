/**
 * The whole connection life, end to end: connectTenant, Microsoft's consent page answered by Verafield's global
 * admin, the redirect to the gateway's callback and on to the product's returnUrl; then consent revoked at
 * Microsoft (RECONSENT_REQUIRED at the next token use) and given again through reconsentUrl (ACTIVE again).
 */
import { TenantTokenCache } from '../../src/identity/token-cache.entity';
import { VERAFIELD } from '../../src/simulator/generator';
import { OAuthState } from '../../src/tenants/oauth-state.entity';
import { browse, outcome, startConsentBench, type ConsentBench } from './consent-fixtures';
import { connectTenant, readTenant, reconsentUrl, verifyConnection } from './tenant-queries';

describe.each([
  {
    authMode: 'DELEGATED' as const,
    granted: ['GroupMember.Read.All', 'Policy.Read.All', 'User.Read.All'],
    lostWith: /AADSTS50173/,
  },
  {
    authMode: 'APPLICATION' as const,
    // /.default grants every application permission the app registration lists.
    granted: ['Application.Read.All', 'GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'Policy.Read.All', 'RoleManagement.Read.Directory', 'User.Read.All', 'User.ReadWrite.All'],
    lostWith: /AADSTS700016/,
  },
])('connecting Verafield ($authMode)', ({ authMode, granted, lostWith }) => {
  let bench: ConsentBench;

  beforeAll(async () => {
    bench = await startConsentBench();
  });

  afterAll(async () => {
    await bench.stop();
  });

  it('connects through the consent page, loses consent when it is revoked, and gets it back through reconsentUrl', async () => {
    const returnUrl = bench.product.url('/onboarding/done?step=3');
    const connected = await connectTenant(bench.admin, { authMode, returnUrl });
    expect(connected.tenant).toMatchObject({ status: 'PENDING_CONSENT', entraTenantId: null, grantedScopes: [], cloud: 'CUSTOM', authMode });
    const id = connected.tenant.id;

    const consent = await browse(bench, connected.consentUrl);
    expect(consent.status).toBe(303);
    expect(outcome(consent)).toEqual({ step: '3', tenantId: id, status: 'ACTIVE' });
    expect(bench.product.visits.at(-1)?.get('status')).toBe('ACTIVE');

    const active = await readTenant(bench.admin, id);
    expect(active).toMatchObject({ status: 'ACTIVE', entraTenantId: VERAFIELD.tenantId, grantedScopes: granted, missingScopes: [] });
    expect(await verifyConnection(bench.admin, id)).toMatchObject({ tokenAcquired: true, problem: null, tenant: { status: 'ACTIVE' } });

    await bench.sim.control.revokeConsent(VERAFIELD.tenantId, bench.sim.apps[0]!.clientId);
    const lost = await verifyConnection(bench.admin, id);
    expect(lost).toMatchObject({ tokenAcquired: false, tenant: { status: 'RECONSENT_REQUIRED' } });
    expect(lost.problem).toMatch(lostWith);
    expect(lost.problem).toMatch(/Tenant.reconsentUrl/);

    const again = await browse(bench, await reconsentUrl(bench.admin, id, returnUrl));
    expect(outcome(again)).toEqual({ step: '3', tenantId: id, status: 'ACTIVE' });
    expect(await verifyConnection(bench.admin, id)).toMatchObject({ tokenAcquired: true, tenant: { status: 'ACTIVE', missingScopes: [] } });

    const history = (await readTenant(bench.admin, id))!.statusHistory;
    expect(history.map(({ from, to }) => [from, to])).toEqual([
      [null, 'PENDING_CONSENT'],
      ['PENDING_CONSENT', 'ACTIVE'],
      ['ACTIVE', 'RECONSENT_REQUIRED'],
      ['RECONSENT_REQUIRED', 'ACTIVE'],
    ]);
    expect(history[2]!.reason).toMatch(lostWith);
  });

  it('disconnects with nothing secret left, after which the same Entra tenant can be connected again', async () => {
    const { tenants } = await bench.admin.request<{ tenants: { edges: Array<{ node: { id: string; status: string } }> } }>(
      `query { tenants(first: 10) { edges { node { id status } } } }`,
    );
    const active = tenants.edges.map((edge) => edge.node).find((tenant) => tenant.status === 'ACTIVE')!;
    const pendingReconsent = await reconsentUrl(bench.admin, active.id, bench.product.url());
    const db = bench.gw.database.dataSource;
    expect(await db.getRepository(TenantTokenCache).countBy({ tenantId: active.id })).toBe(authMode === 'DELEGATED' ? 1 : 0);

    const data = await bench.admin.request<{ disconnectTenant: { status: string } }>(
      `mutation Disconnect($id: ID!) { disconnectTenant(id: $id) { status } }`,
      { id: active.id },
    );

    expect(data.disconnectTenant.status).toBe('DISCONNECTED');
    expect(await db.getRepository(TenantTokenCache).countBy({ tenantId: active.id })).toBe(0);
    expect(await db.getRepository(OAuthState).countBy({ tenantId: active.id })).toBe(0);
    expect(await verifyConnection(bench.admin, active.id)).toMatchObject({ tokenAcquired: false, problem: expect.stringMatching(/DISCONNECTED/) });
    // The consent URL handed out before the disconnect leads nowhere now.
    expect((await browse(bench, pendingReconsent)).status).toBe(400);

    const reconnected = await connectTenant(bench.admin, { authMode, returnUrl: bench.product.url() });
    expect(outcome(await browse(bench, reconnected.consentUrl))).toMatchObject({ tenantId: reconnected.tenant.id, status: 'ACTIVE' });
  });
});
