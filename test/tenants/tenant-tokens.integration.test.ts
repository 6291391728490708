/**
 * TenantTokens, the rest of the gateway's way to a Graph token: lost consent becomes RECONSENT_REQUIRED (with
 * the AADSTS code as the recorded reason and a coded error that says what to do); an outage changes nothing;
 * consent restored at Microsoft makes the tenant ACTIVE again at the next token use.
 */
import { ErrorCode, GatewayError } from '../../src/core/errors';
import { VERAFIELD } from '../../src/simulator/generator';
import { callbackUris } from '../../src/tenants/consent-requests';
import { answerConsentPage } from '../support/simulator';
import { countStatements } from '../auth/support/sql-count';
import { browse, GLOBAL_ADMIN, outcome, startConsentBench, type ConsentBench } from './consent-fixtures';
import { connectTenant, readTenant, verifyConnection } from './tenant-queries';

let bench: ConsentBench;
let tenantId: string;

beforeAll(async () => {
  bench = await startConsentBench();
  const { tenant, consentUrl } = await connectTenant(bench.admin, { authMode: 'DELEGATED', returnUrl: bench.product.url() });
  expect(outcome(await browse(bench, consentUrl))).toMatchObject({ status: 'ACTIVE' });
  tenantId = tenant.id;
});

afterAll(async () => {
  await bench.stop();
});

it('gives a delegated token carrying the granted scopes', async () => {
  const token = await bench.gw.services.tenantTokens.getAccessToken(tenantId);
  const claims = JSON.parse(Buffer.from(token.accessToken.split('.')[1]!, 'base64url').toString('utf8'));
  expect(claims).toMatchObject({ tid: VERAFIELD.tenantId });
  expect(String(claims.scp).split(' ')).toEqual(expect.arrayContaining(['GroupMember.Read.All', 'Policy.Read.All', 'User.Read.All']));
});

it("takes the tenant's record from the per-process cache: once held, a token costs no read of the tenant", async () => {
  await bench.gw.services.tenantTokens.getAccessToken(tenantId);
  const sql = countStatements('entra-gateway-test');
  try {
    await bench.gw.services.tenantTokens.getAccessToken(tenantId);
    await bench.gw.services.tenantTokens.getAccessToken(tenantId);
  } finally {
    sql.stop();
  }
  expect(sql.texts.filter((text) => /\btenants\b/i.test(text))).toEqual([]);
});

it('changes no status when the identity platform is down', async () => {
  await bench.sim.control.setFaults({ tokenServerErrorRate: 1 });
  try {
    const check = await verifyConnection(bench.admin, tenantId);
    expect(check).toMatchObject({ tokenAcquired: false, tenant: { status: 'ACTIVE' } });
    expect(check.problem).toMatch(/Identity platform unavailable after 4 attempt\(s\)/);
  } finally {
    await bench.sim.control.setFaults({ tokenServerErrorRate: 0 });
  }
  expect((await readTenant(bench.admin, tenantId))!.statusHistory.map((change) => change.to)).toEqual(['PENDING_CONSENT', 'ACTIVE']);
});

it('moves the tenant to RECONSENT_REQUIRED once consent is revoked, and says what to do', async () => {
  await bench.sim.control.revokeConsent(VERAFIELD.tenantId, bench.sim.apps[0]!.clientId);

  // Forced, as the Graph client asks once Graph refuses the cached token: only the token endpoint knows.
  const failure = await bench.gw.services.tenantTokens.getAccessToken(tenantId, { forceRefresh: true }).catch((err: unknown) => err);

  expect(failure).toBeInstanceOf(GatewayError);
  expect((failure as GatewayError).extensions).toEqual({ code: ErrorCode.RECONSENT_REQUIRED, tenantId, aadsts: 50173 });
  expect((failure as GatewayError).message).toMatch(/needs consent again \(AADSTS50173: .*\): .*Tenant\.reconsentUrl/);
  const history = (await readTenant(bench.admin, tenantId))!.statusHistory;
  expect(history.at(-1)).toMatchObject({ from: 'ACTIVE', to: 'RECONSENT_REQUIRED', reason: expect.stringMatching(/^AADSTS50173: /) });

  // Asking again records nothing new: the tenant already waits for consent.
  await bench.gw.services.tenantTokens.getAccessToken(tenantId, { forceRefresh: true }).catch(() => undefined);
  expect((await readTenant(bench.admin, tenantId))!.statusHistory).toHaveLength(history.length);
});

it('makes an application tenant ACTIVE again once consent is restored at Microsoft, at the next token use', async () => {
  await bench.gw.services.tenants.disconnect(tenantId, 'test');
  const { tenant, consentUrl } = await connectTenant(bench.admin, { authMode: 'APPLICATION', returnUrl: bench.product.url() });
  expect(outcome(await browse(bench, consentUrl))).toMatchObject({ status: 'ACTIVE' });
  await bench.sim.control.revokeConsent(VERAFIELD.tenantId, bench.sim.apps[0]!.clientId);
  expect(await verifyConnection(bench.admin, tenant.id)).toMatchObject({ tenant: { status: 'RECONSENT_REQUIRED' } });

  // An administrator grants consent again in Microsoft's own portal, not through the gateway.
  const adminConsent = new URL(`/${VERAFIELD.tenantId}/v2.0/adminconsent`, bench.sim.baseUrl);
  adminConsent.search = new URLSearchParams({
    client_id: bench.sim.apps[0]!.clientId,
    scope: 'https://graph.microsoft.com/.default',
    redirect_uri: callbackUris(bench.gw.url).APPLICATION,
  }).toString();
  expect((await answerConsentPage(bench.sim, adminConsent.toString(), { login: GLOBAL_ADMIN })).status).toBe(302);

  expect(await verifyConnection(bench.admin, tenant.id)).toMatchObject({ tokenAcquired: true, tenant: { status: 'ACTIVE' } });
  expect((await readTenant(bench.admin, tenant.id))!.statusHistory.at(-1)).toMatchObject({
    from: 'RECONSENT_REQUIRED',
    to: 'ACTIVE',
    reason: 'a token request succeeded again',
  });
});
