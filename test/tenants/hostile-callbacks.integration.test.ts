/**
 * Hostile and failed consents, each with a clear outcome and nothing stored: no tenant becomes ACTIVE, no token
 * cache row appears, no status change is recorded, and a refused callback is a plain 400 that redirects nowhere.
 */
import { randomBytes } from 'node:crypto';
import { IsNull } from 'typeorm';
import { TenantTokenCache } from '../../src/identity/token-cache.entity';
import { VERAFIELD } from '../../src/simulator/generator';
import { OAuthState } from '../../src/tenants/oauth-state.entity';
import { stateId } from '../../src/tenants/oauth-state.store';
import { Tenant, TenantStatusChange } from '../../src/tenants/tenant.entity';
import { answerConsentPage } from '../support/simulator';
import { browse, callGateway, GLOBAL_ADMIN, outcome, startConsentBench, type ConsentBench } from './consent-fixtures';
import { connectTenant, graphqlError, readTenant } from './tenant-queries';

let bench: ConsentBench;

beforeAll(async () => {
  bench = await startConsentBench();
});

afterAll(async () => {
  await bench.stop();
});

/** Everything a consent could have stored, to compare before and after. */
async function stored() {
  const db = bench.gw.database.dataSource;
  return {
    tenants: await db.getRepository(Tenant).find({ order: { id: 'ASC' } }),
    changes: await db.getRepository(TenantStatusChange).count(),
    caches: await db.getRepository(TenantTokenCache).count(),
    unusedStates: await db.getRepository(OAuthState).countBy({ consumedAt: IsNull() }),
  };
}

const pendingDelegated = () => connectTenant(bench.admin, { authMode: 'DELEGATED', returnUrl: bench.product.url() });

/** Every code and state Microsoft handed out in these tests: none may reach the log. */
const secrets: string[] = [];

/** Microsoft's redirect to the gateway for `consentUrl`, answered by the global admin, without calling the gateway. */
async function microsoftRedirect(consentUrl: string, decision: 'accept' | 'cancel' = 'accept'): Promise<URL> {
  const res = await answerConsentPage(bench.sim, consentUrl, { login: GLOBAL_ADMIN, decision });
  const callback = new URL(String(res.headers.location));
  secrets.push(...['code', 'state'].flatMap((name) => callback.searchParams.getAll(name)));
  return callback;
}

function gatewayUrl(path: string, query: Record<string, string>): URL {
  const url = new URL(path, bench.gw.url);
  for (const [key, value] of Object.entries(query)) url.searchParams.append(key, value);
  return url;
}

async function expectRefused(url: URL, reason: RegExp): Promise<void> {
  const before = await stored();
  const res = await callGateway(url);
  expect(res.status).toBe(400);
  expect(res.location).toBeNull();
  expect(res.body).toMatch(reason);
  expect(res.body).not.toMatch(/at .*\.ts|Error:/);
  expect(await stored()).toEqual(before);
}

it('asks Microsoft for exactly the features\' permissions, with PKCE S256 and a fresh random state', async () => {
  const { consentUrl } = await pendingDelegated();
  const { consentUrl: other } = await pendingDelegated();
  const url = new URL(consentUrl);
  expect(url.pathname).toBe('/organizations/oauth2/v2.0/authorize');
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  expect(url.searchParams.get('scope')!.split(' ').sort()).toEqual(
    ['https://graph.microsoft.com/GroupMember.Read.All', 'https://graph.microsoft.com/Policy.Read.All', 'https://graph.microsoft.com/User.Read.All', 'offline_access', 'openid', 'profile'].sort(),
  );
  const state = url.searchParams.get('state')!;
  expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(state).not.toBe(new URL(other).searchParams.get('state'));
  // Only the state's hash is stored, and the verifier is encrypted.
  const row = await bench.gw.database.dataSource.getRepository(OAuthState).findOneByOrFail({ id: stateId(state) });
  expect(row.codeVerifier).toMatch(/^v1\./);
  expect(JSON.stringify(await bench.gw.database.dataSource.query('SELECT * FROM oauth_states'))).not.toContain(state);
});

it('refuses a replayed callback: the state is single-use', async () => {
  const { tenant, consentUrl } = await pendingDelegated();
  const callback = await microsoftRedirect(consentUrl);
  const first = await callGateway(callback);
  expect(outcome(first)).toMatchObject({ tenantId: tenant.id, status: 'ACTIVE' });
  const used = await bench.gw.database.dataSource.getRepository(OAuthState).findOneByOrFail({ id: stateId(callback.searchParams.get('state')!) });
  expect(used).toMatchObject({ consumedAt: expect.any(Date), codeVerifier: null });

  await expectRefused(callback, /unknown, has expired or was already used/);
  await bench.gw.services.tenants.disconnect(tenant.id, 'test');
});

it('lets exactly one of two concurrent callbacks with the same state win', async () => {
  const { tenant, consentUrl } = await pendingDelegated();
  const callback = await microsoftRedirect(consentUrl);
  const results = await Promise.all([callGateway(callback), callGateway(callback)]);
  expect(results.map((r) => r.status).sort()).toEqual([303, 400]);
  expect((await readTenant(bench.admin, tenant.id))!.statusHistory.map((c) => c.to)).toEqual(['PENDING_CONSENT', 'ACTIVE']);
  await bench.gw.services.tenants.disconnect(tenant.id, 'test');
});

it('refuses a forged state, well-formed or not', async () => {
  await pendingDelegated();
  await expectRefused(gatewayUrl('/oauth/callback', { code: 'forged-code', state: randomBytes(32).toString('base64url') }), /unknown, has expired/);
  await expectRefused(gatewayUrl('/oauth/callback', { code: 'forged-code', state: '<script>' }), /unknown, has expired/);
  await expectRefused(gatewayUrl('/oauth/admin-callback', { admin_consent: 'True', tenant: VERAFIELD.tenantId, state: 'x' }), /unknown, has expired/);
});

it('refuses an expired state and keeps the tenant waiting', async () => {
  const { tenant, consentUrl } = await pendingDelegated();
  await bench.gw.database.dataSource.getRepository(OAuthState).update({ tenantId: tenant.id }, { expiresAt: new Date(Date.now() - 1_000) });
  const callback = await microsoftRedirect(consentUrl);
  await expectRefused(callback, /unknown, has expired/);
  expect(await readTenant(bench.admin, tenant.id)).toMatchObject({ status: 'PENDING_CONSENT', entraTenantId: null });
});

it('refuses a callback without a code, without using up its state', async () => {
  const { tenant, consentUrl } = await pendingDelegated();
  const callback = await microsoftRedirect(consentUrl);
  const withoutCode = new URL(callback);
  withoutCode.searchParams.delete('code');
  await expectRefused(withoutCode, /neither a code nor an error/);
  // The genuine callback still works afterwards: nothing was consumed.
  expect(outcome(await callGateway(callback))).toMatchObject({ tenantId: tenant.id, status: 'ACTIVE' });
  await bench.gw.services.tenants.disconnect(tenant.id, 'test');
});

it('refuses repeated parameters and error parameters without a state', async () => {
  const { consentUrl } = await pendingDelegated();
  const callback = await microsoftRedirect(consentUrl);
  const doubled = new URL(callback);
  doubled.searchParams.append('state', 'second');
  await expectRefused(doubled, /repeats or nests the state parameter/);
  await expectRefused(gatewayUrl('/oauth/callback', { error: 'access_denied', error_description: 'AADSTS65004: declined' }), /access_denied, but the callback has no state/);
  await expectRefused(gatewayUrl('/oauth/admin-callback', { error: '<b>x</b>' }), /unknown_error, but the callback has no state/);
});

it('refuses a state of the other flow, without using it up', async () => {
  const application = await connectTenant(bench.admin, { authMode: 'APPLICATION', displayName: 'Verafield (app)', returnUrl: bench.product.url() });
  const state = new URL(application.consentUrl).searchParams.get('state')!;
  await expectRefused(gatewayUrl('/oauth/callback', { code: 'some-code', state }), /unknown, has expired/);

  const delegated = await pendingDelegated();
  const callback = await microsoftRedirect(delegated.consentUrl);
  const delegatedState = callback.searchParams.get('state')!;
  await expectRefused(gatewayUrl('/oauth/admin-callback', { admin_consent: 'True', tenant: VERAFIELD.tenantId, state: delegatedState }), /unknown, has expired/);
  expect(outcome(await callGateway(callback))).toMatchObject({ tenantId: delegated.tenant.id, status: 'ACTIVE' });
  await bench.gw.services.tenants.disconnect(delegated.tenant.id, 'test');
});

it('fails a code obtained for another tenant connection: its PKCE verifier does not match', async () => {
  const victim = await pendingDelegated();
  const other = await pendingDelegated();
  const otherCode = (await microsoftRedirect(other.consentUrl)).searchParams.get('code')!;
  const victimState = new URL(victim.consentUrl).searchParams.get('state')!;
  const cachesBefore = (await stored()).caches;

  const result = await callGateway(gatewayUrl('/oauth/callback', { code: otherCode, state: victimState }));

  expect(result.status).toBe(303);
  expect(outcome(result)).toMatchObject({ tenantId: victim.tenant.id, status: 'PENDING_CONSENT', error: 'consent_failed' });
  expect(await readTenant(bench.admin, victim.tenant.id)).toMatchObject({ status: 'PENDING_CONSENT', entraTenantId: null, grantedScopes: [] });
  expect((await stored()).caches).toBe(cachesBefore);
});

it('carries Microsoft\'s error to returnUrl in its own words when the administrator cancels', async () => {
  const { tenant, consentUrl } = await pendingDelegated();
  const result = await browse(bench, consentUrl, { decision: 'cancel' });
  expect(result.status).toBe(303);
  const params = outcome(result);
  expect(params).toMatchObject({ tenantId: tenant.id, status: 'PENDING_CONSENT', error: 'access_denied' });
  expect(params.error_description).toMatch(/^the administrator declined the permissions \(access_denied(, AADSTS\d+)?\)$/);
  expect(bench.product.visits.at(-1)?.get('error')).toBe('access_denied');
  expect((await readTenant(bench.admin, tenant.id))!.statusHistory).toHaveLength(1);
});

describe('admin consent', () => {
  const pendingApplication = () =>
    connectTenant(bench.admin, { authMode: 'APPLICATION', displayName: 'Verafield (application)', returnUrl: bench.product.url() });

  it('ends in consent_required when someone other than a global admin answers', async () => {
    const { tenant, consentUrl } = await pendingApplication();
    const result = await browse(bench, consentUrl, { login: VERAFIELD.users.financeEmployee.userPrincipalName });
    expect(outcome(result)).toEqual({
      tenantId: tenant.id,
      status: 'PENDING_CONSENT',
      error: 'consent_required',
      error_description: 'an administrator must grant the permissions (consent_required, AADSTS65004)',
    });
  });

  it('never takes the customer from the callback: a forged tenant parameter gets no token and stores nothing', async () => {
    const { tenant, consentUrl } = await pendingApplication();
    const callback = await microsoftRedirect(consentUrl);
    expect(callback.searchParams.get('admin_consent')).toBe('True');
    const forged = new URL(callback);
    forged.searchParams.set('tenant', '11111111-2222-4333-8444-555555555555');

    const result = await callGateway(forged);

    expect(outcome(result)).toMatchObject({ tenantId: tenant.id, status: 'PENDING_CONSENT', error: 'consent_failed' });
    expect(await readTenant(bench.admin, tenant.id)).toMatchObject({ status: 'PENDING_CONSENT', entraTenantId: null, grantedScopes: [] });
    // The state went with the forged attempt: the genuine redirect cannot be played afterwards either.
    await expectRefused(callback, /unknown, has expired or was already used/);
  });
});

it('refuses to connect an Entra tenant twice, storing nothing for the second attempt', async () => {
  const first = await pendingDelegated();
  expect(outcome(await browse(bench, first.consentUrl))).toMatchObject({ status: 'ACTIVE' });
  const second = await pendingDelegated();

  const result = await browse(bench, second.consentUrl);

  expect(outcome(result)).toMatchObject({ tenantId: second.tenant.id, status: 'PENDING_CONSENT', error: 'tenant_already_connected' });
  expect(await readTenant(bench.admin, second.tenant.id)).toMatchObject({ status: 'PENDING_CONSENT', entraTenantId: null });
  expect(await bench.gw.database.dataSource.getRepository(TenantTokenCache).countBy({ tenantId: second.tenant.id })).toBe(0);
  await bench.gw.services.tenants.disconnect(first.tenant.id, 'test');
});

describe('connectTenant input', () => {
  it.each([
    [{ returnUrl: 'https://evil.example/steal' }, 'input.returnUrl', /origin https:\/\/evil.example is not in ALLOWED_RETURN_ORIGINS/],
    [{ returnUrl: 'javascript:alert(1)' }, 'input.returnUrl', /scheme javascript: is not allowed/],
    [{ cloud: 'GLOBAL' }, 'input.cloud', /app registration is in the custom cloud \(ENTRA_CLOUD\); expected custom, got global/],
    [{ displayName: '   ' }, 'input.displayName', /expected 1 to 200 characters, got 0/],
    [{ features: [] }, 'input.features', /expected at least one feature/],
    [{ loginHint: 'not a upn' }, 'input.loginHint', /expected a user principal name/],
  ])('refuses %j naming %s, before anything is stored', async (change, field, message) => {
    const before = await stored();
    const error = await graphqlError(
      connectTenant(bench.admin, { authMode: 'DELEGATED', returnUrl: bench.product.url(), ...(change as object) }),
    );
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field } });
    expect(error.message).toMatch(message);
    expect(await stored()).toEqual(before);
  });
});

it('never writes a code or state to the log', () => {
  const log = JSON.stringify(bench.gw.logs.entries());
  expect(secrets.length).toBeGreaterThan(10);
  for (const secret of secrets) expect(log).not.toContain(secret);
});
