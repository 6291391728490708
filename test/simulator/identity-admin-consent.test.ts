/** Admin consent (v2 adminconsent endpoint): who may grant application permissions, and what gets recorded. */
import { consentKey } from '../../src/simulator/context';
import { appRoleNameOf, DEFAULT_PRODUCT_APP_ID, VERAFIELD } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import { answerConsentPage, grantAdminConsent, redirectParams, simRequest, startTestSimulator, TEST_ADMIN_REDIRECT_URI } from '../support/simulator';

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startTestSimulator();
});
afterEach(() => sim.close());

function adminConsentUrl(tenant: string, scope = 'https://graph.microsoft.com/.default'): string {
  const url = new URL(`/${tenant}/v2.0/adminconsent`, sim.baseUrl);
  url.search = new URLSearchParams({ client_id: DEFAULT_PRODUCT_APP_ID, scope, redirect_uri: TEST_ADMIN_REDIRECT_URI, state: 'st-9' }).toString();
  return url.toString();
}

function productRoleAssignments(): string[] {
  const tenant = sim.ctx.store.getTenant(VERAFIELD.tenantId)!;
  return [...tenant.appRoleAssignments.values()]
    .filter((a) => a.principalId === VERAFIELD.apps.product.servicePrincipalId)
    .map((a) => appRoleNameOf(a.appRoleId)!);
}

test('the page lists the app and its application permissions', async () => {
  const res = await simRequest(sim, adminConsentUrl('organizations'));
  expect(res.status).toBe(200);
  expect(res.text).toContain('Gateway Product');
  expect(res.text).toContain('<strong>Policy.Read.All (application)</strong>');
  expect(res.text).toContain('/organizations/v2.0/adminconsent/decision');
});

test('a Global Administrator accepts: redirect with admin_consent=True, tenant and state; grants recorded', async () => {
  const params = await grantAdminConsent(sim, { tenant: 'organizations' });
  expect(Object.fromEntries(params)).toEqual({
    admin_consent: 'True',
    tenant: VERAFIELD.tenantId,
    scope: 'https://graph.microsoft.com/.default',
    state: 'admin-state',
  });
  const app = sim.apps[0];
  const consent = sim.ctx.consents.get(consentKey(VERAFIELD.tenantId, app.clientId))!;
  expect([...consent.applicationPermissions].sort()).toEqual([...app.applicationPermissions].sort());
  expect(productRoleAssignments().sort()).toEqual([...app.applicationPermissions].sort());
});

test('a user who is not a Global Administrator gets consent_required with AADSTS65004', async () => {
  const params = await grantAdminConsent(sim, { login: VERAFIELD.users.userAdmin.userPrincipalName });
  expect(params.get('error')).toBe('consent_required');
  expect(params.get('error_description')).toMatch(/^AADSTS65004:/);
  expect(params.get('state')).toBe('admin-state');
  expect(sim.ctx.consents.size).toBe(0);
  expect(productRoleAssignments()).toEqual([]);
});

test('cancel is access_denied with AADSTS65004', async () => {
  const params = await grantAdminConsent(sim, { decision: 'cancel' });
  expect(params.get('error')).toBe('access_denied');
  expect(params.get('error_description')).toMatch(/^AADSTS65004:/);
});

test('the common alias is refused with an error page', async () => {
  const res = await simRequest(sim, adminConsentUrl('common'));
  expect(res.status).toBe(400);
  expect(res.headers.location).toBeUndefined();
  expect(res.text).toContain('common');
});

test('delegated scopes named in the scope parameter are granted tenant-wide', async () => {
  const res = await answerConsentPage(sim, adminConsentUrl(VERAFIELD.domain, 'https://graph.microsoft.com/User.Read.All openid'), {
    login: VERAFIELD.users.secondGlobalAdmin.userPrincipalName,
  });
  expect(redirectParams(res).get('admin_consent')).toBe('True');
  const consent = sim.ctx.consents.get(consentKey(VERAFIELD.tenantId, DEFAULT_PRODUCT_APP_ID))!;
  expect([...consent.delegatedScopes]).toEqual(['User.Read.All', 'openid']);
  expect([...consent.applicationPermissions]).toEqual([]);
});
