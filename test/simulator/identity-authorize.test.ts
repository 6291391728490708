/** The authorize endpoint and its consent page, over real HTTPS, as a browser would drive them. */
import { consentKey } from '../../src/simulator/context';
import { DEFAULT_PRODUCT_APP_ID, VERAFIELD } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import {
  answerConsentPage,
  authorizeUrl,
  consentForm,
  pkcePair,
  redirectParams,
  simRequest,
  startTestSimulator,
  TEST_REDIRECT_URI,
} from '../support/simulator';

const ADMIN = VERAFIELD.users.globalAdmin.userPrincipalName;
const EMPLOYEE = VERAFIELD.users.financeEmployee.userPrincipalName;
const READ_SCOPES = 'User.Read.All GroupMember.Read.All openid profile offline_access';

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startTestSimulator();
});
afterEach(() => sim.close());

const { challenge } = pkcePair();

test('the consent page names the app and each requested scope with its description, and prefills login_hint', async () => {
  const res = await simRequest(sim, authorizeUrl(sim, { scope: READ_SCOPES, challenge, loginHint: ADMIN }));
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/text\/html/);
  expect(res.text).toContain('Gateway Product');
  expect(res.text).toContain('<strong>User.Read.All</strong>: Read all users&#39; full profiles');
  expect(res.text).toContain('<strong>GroupMember.Read.All</strong>: Read group memberships');
  expect(res.text).toContain(`value="${ADMIN}"`);
  const form = consentForm(res.text);
  expect(form.action).toBe(`/${VERAFIELD.tenantId}/oauth2/v2.0/authorize/decision`);
  // The form carries a transaction id, not the request's parameters.
  expect(res.text).not.toContain(challenge);
});

test('reflected input is HTML-escaped on the page', async () => {
  const hostile = '"><script>alert(1)</script>';
  const res = await simRequest(sim, authorizeUrl(sim, { scope: 'User.Read.All', challenge, loginHint: hostile }));
  expect(res.text).not.toContain('<script>');
  expect(res.text).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
});

test('accept redirects with a code and the state; consent is recorded in ctx and in the directory', async () => {
  const res = await answerConsentPage(sim, authorizeUrl(sim, { scope: READ_SCOPES, challenge, state: 'xyz' }), { login: ADMIN });
  const params = redirectParams(res);
  expect(res.headers.location).toMatch(new RegExp(`^${TEST_REDIRECT_URI}\\?`));
  expect(params.get('code')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  expect(params.get('state')).toBe('xyz');

  const consent = sim.ctx.consents.get(consentKey(VERAFIELD.tenantId, DEFAULT_PRODUCT_APP_ID))!;
  expect([...consent.delegatedScopes]).toEqual(expect.arrayContaining(['User.Read.All', 'GroupMember.Read.All']));
  const tenant = sim.ctx.store.getTenant(VERAFIELD.tenantId)!;
  const grant = [...tenant.oauth2PermissionGrants.values()].find((g) => g.clientId === VERAFIELD.apps.product.servicePrincipalId);
  expect(grant).toMatchObject({ consentType: 'AllPrincipals', principalId: null });
  expect(grant!.scope.split(' ')).toEqual(expect.arrayContaining(['User.Read.All', 'GroupMember.Read.All']));
});

test('cancel redirects with access_denied and AADSTS65004, keeping the state', async () => {
  const res = await answerConsentPage(sim, authorizeUrl(sim, { scope: READ_SCOPES, challenge, state: 'st' }), { login: ADMIN, decision: 'cancel' });
  const params = redirectParams(res);
  expect(params.get('error')).toBe('access_denied');
  expect(params.get('error_description')).toMatch(/^AADSTS65004:/);
  expect(params.get('state')).toBe('st');
  expect(params.get('code')).toBeNull();
});

test('the transaction is one-time: a second decision on it is refused', async () => {
  const page = await simRequest(sim, authorizeUrl(sim, { scope: 'User.Read', challenge }));
  const form = consentForm(page.text);
  const decide = () => simRequest(sim, form.action, { form: { transaction: form.transaction, login: EMPLOYEE, decision: 'accept' } });
  expect((await decide()).status).toBe(302);
  const again = await decide();
  expect(again.status).toBe(400);
  expect(again.text).toContain('expired or was already used');
});

test('an unknown or disabled user gets the page again with an error, and can then sign in', async () => {
  const page = await simRequest(sim, authorizeUrl(sim, { tenant: 'organizations', scope: 'User.Read', challenge }));
  const form = consentForm(page.text);
  const decide = (login: string) => simRequest(sim, form.action, { form: { transaction: form.transaction, login, decision: 'accept' } });

  const unknown = await decide('nobody@verafield.com');
  expect(unknown.status).toBe(200);
  expect(unknown.text).toContain("couldn&#39;t find an account with the username &#39;nobody@verafield.com&#39;");
  const disabled = await decide(VERAFIELD.users.disabledEmployee.userPrincipalName);
  expect(disabled.text).toContain('AADSTS50057');
  expect(redirectParams(await decide(EMPLOYEE)).get('code')).toBeTruthy();
});

test('a redirect_uri that is not registered gets an error page, never a redirect', async () => {
  const res = await simRequest(sim, authorizeUrl(sim, { scope: 'User.Read', challenge, redirectUri: 'https://evil.example/cb' }));
  expect(res.status).toBe(400);
  expect(res.headers.location).toBeUndefined();
  expect(res.text).toContain('AADSTS50011');
});

test('an unknown client gets an error page with AADSTS700016', async () => {
  const res = await simRequest(sim, authorizeUrl(sim, { scope: 'User.Read', challenge, clientId: '00000000-0000-0000-0000-00000000abcd' }));
  expect(res.status).toBe(401);
  expect(res.headers.location).toBeUndefined();
  expect(res.text).toContain('AADSTS700016');
});

test('an unknown tenant gets an error page with AADSTS90002', async () => {
  const res = await simRequest(sim, authorizeUrl(sim, { tenant: 'no-such-tenant.example', scope: 'User.Read', challenge }));
  expect(res.status).toBe(400);
  expect(res.text).toContain('AADSTS90002');
});

test.each([
  ['PKCE missing', { challenge: null }, 'code_challenge'],
  ['plain PKCE', { extra: { code_challenge_method: 'plain' } }, 'code_challenge_method'],
  ['a non-code response_type', { extra: { response_type: 'token' } }, 'response_type'],
  ['no scope', { scope: '' }, 'scope'],
  ['an unknown scope', { scope: 'Mail.Send' }, 'Mail.Send'],
])('%s is redirected back as an error with the state', async (_name, override, mentioned) => {
  const res = await simRequest(sim, authorizeUrl(sim, { scope: 'User.Read', challenge, state: 'keep', ...override }));
  const params = redirectParams(res);
  expect(params.get('error')).toMatch(/^(invalid_request|invalid_scope|unsupported_response_type)$/);
  expect(params.get('error_description')).toContain(mentioned);
  expect(params.get('state')).toBe('keep');
});

test('prompt=none fails with login_required: the simulator keeps no session', async () => {
  const params = redirectParams(await simRequest(sim, authorizeUrl(sim, { scope: 'User.Read', challenge, extra: { prompt: 'none' } })));
  expect(params.get('error')).toBe('login_required');
});

test('admin-only scopes cannot be consented by a non-admin: consent_required', async () => {
  const res = await answerConsentPage(sim, authorizeUrl(sim, { scope: READ_SCOPES, challenge, state: 's' }), { login: EMPLOYEE });
  const params = redirectParams(res);
  expect(params.get('error')).toBe('consent_required');
  expect(params.get('error_description')).toMatch(/^AADSTS65004:.*User\.Read\.All/);
  expect(params.get('state')).toBe('s');
  expect(sim.ctx.consents.get(consentKey(VERAFIELD.tenantId, DEFAULT_PRODUCT_APP_ID))).toBeUndefined();
});

test('once an admin consented for the organization, a non-admin signs in to the same scopes', async () => {
  redirectParams(await answerConsentPage(sim, authorizeUrl(sim, { scope: READ_SCOPES, challenge }), { login: ADMIN }));
  const params = redirectParams(await answerConsentPage(sim, authorizeUrl(sim, { tenant: 'organizations', scope: READ_SCOPES, challenge }), { login: EMPLOYEE }));
  expect(params.get('code')).toBeTruthy();
});

test('a user may consent alone to user-consentable scopes (recorded as a per-user grant)', async () => {
  const params = redirectParams(await answerConsentPage(sim, authorizeUrl(sim, { tenant: 'common', scope: 'User.Read openid', challenge }), { login: EMPLOYEE }));
  expect(params.get('code')).toBeTruthy();
  const tenant = sim.ctx.store.getTenant(VERAFIELD.tenantId)!;
  const grant = [...tenant.oauth2PermissionGrants.values()].find((g) => g.clientId === VERAFIELD.apps.product.servicePrincipalId);
  expect(grant).toMatchObject({ consentType: 'Principal', principalId: VERAFIELD.users.financeEmployee.id });
});
