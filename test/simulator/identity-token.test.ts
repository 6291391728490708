/** The token endpoint: the three grants, client authentication and Entra's error bodies, over real HTTPS. */
import { createPublicKey } from 'node:crypto';
import { decodeJwt, jwtVerify } from 'jose';
import type { RegisteredApp } from '../../src/simulator/context';
import { DEFAULT_PRODUCT_APP_ID, VERAFIELD } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import { verifyAccessToken } from '../../src/simulator/tokens';
import { grantAdminConsent, signInForCode, simRequest, startTestSimulator, tokenRequest, type HttpsResponse } from '../support/simulator';

const TENANT = VERAFIELD.tenantId;
const ADMIN = VERAFIELD.users.globalAdmin;
const SCOPES = 'User.Read.All GroupMember.Read.All openid profile offline_access';
const DAY_MS = 24 * 60 * 60 * 1000;

let sim: RunningSimulator;
let app: RegisteredApp;
beforeEach(async () => {
  sim = await startTestSimulator();
  app = sim.apps[0];
});
afterEach(() => sim.close());

function clientAuth(): Record<string, string> {
  return { client_id: app.clientId, client_secret: app.secrets[0].secretText };
}

async function redeem(overrides: Record<string, string> = {}, tenant = TENANT): Promise<HttpsResponse> {
  const { code, verifier, redirectUri } = await signInForCode(sim, { scope: SCOPES, login: ADMIN.userPrincipalName, nonce: 'nonce-1' });
  return tokenRequest(sim, tenant, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, ...clientAuth(), ...overrides });
}

function expectAadError(res: HttpsResponse, status: number, error: string, code: number): void {
  expect({ status: res.status, error: res.json().error }).toEqual({ status, error });
  const body = res.json();
  expect(body.error_codes).toEqual([code]);
  expect(body.error_description).toMatch(new RegExp(`^AADSTS${code}: `));
  expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
}

describe('authorization_code', () => {
  test('returns Bearer access, refresh and id tokens and client_info per graph-facts §9', async () => {
    const res = await redeem();
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    expect(body.scope.split(' ')).toEqual(expect.arrayContaining(['User.Read.All', 'GroupMember.Read.All']));
    expect(body.scope).not.toContain('offline_access');
    expect(typeof body.refresh_token).toBe('string');

    const access = await verifyAccessToken(sim.ctx, body.access_token);
    expect(access).toMatchObject({ tid: TENANT, oid: ADMIN.id, appid: DEFAULT_PRODUCT_APP_ID });
    expect(access.scp!.split(' ')).toEqual(expect.arrayContaining(['User.Read.All', 'GroupMember.Read.All']));

    const keys = (await simRequest(sim, `/${TENANT}/discovery/v2.0/keys`)).json().keys;
    const { payload } = await jwtVerify(body.id_token, createPublicKey({ key: keys[0], format: 'jwk' }), {
      audience: app.clientId,
      issuer: `${sim.baseUrl}/${TENANT}/v2.0`,
      currentDate: new Date(sim.ctx.now()),
    });
    expect(payload).toMatchObject({ tid: TENANT, oid: ADMIN.id, preferred_username: ADMIN.userPrincipalName, nonce: 'nonce-1' });
    expect(typeof payload.sub).toBe('string');
    expect(JSON.parse(Buffer.from(body.client_info, 'base64url').toString())).toEqual({ uid: ADMIN.id, utid: TENANT });
  });

  test('no refresh token without offline_access, no id_token without openid', async () => {
    const { code, verifier, redirectUri } = await signInForCode(sim, { scope: 'User.Read.All', login: ADMIN.userPrincipalName });
    const body = (await tokenRequest(sim, TENANT, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, ...clientAuth() })).json();
    expect(body.access_token).toBeTruthy();
    expect(body.refresh_token).toBeUndefined();
    expect(body.id_token).toBeUndefined();
  });

  test('a wrong PKCE verifier is AADSTS501481', async () => {
    expectAadError(await redeem({ code_verifier: 'x'.repeat(43) }), 400, 'invalid_grant', 501481);
  });

  test('a redirect_uri other than the authorize one is AADSTS50011 invalid_grant', async () => {
    expectAadError(await redeem({ redirect_uri: 'http://localhost:4000/oauth/admin-callback' }), 400, 'invalid_grant', 50011);
  });

  test('a code is single use: the second redemption is AADSTS54005', async () => {
    const { code, verifier, redirectUri } = await signInForCode(sim, { scope: SCOPES, login: ADMIN.userPrincipalName });
    const form = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, ...clientAuth() };
    expect((await tokenRequest(sim, TENANT, form)).status).toBe(200);
    expectAadError(await tokenRequest(sim, TENANT, form), 400, 'invalid_grant', 54005);
  });

  test('a code older than 10 minutes is AADSTS70008', async () => {
    const { code, verifier, redirectUri } = await signInForCode(sim, { scope: SCOPES, login: ADMIN.userPrincipalName });
    sim.ctx.advanceClock(10 * 60 * 1000 + 1000);
    const res = await tokenRequest(sim, TENANT, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, ...clientAuth() });
    expectAadError(res, 400, 'invalid_grant', 70008);
  });

  test('a code redeemed on another tenant is AADSTS700005; an unknown code is AADSTS70000', async () => {
    const other = await startTestSimulator({ tenants: [{ preset: 'verafield' }, { preset: 'scale', users: 5, groups: 2 }] });
    try {
      const otherTenant = [...other.ctx.store.tenants.keys()].find((id) => id !== TENANT)!;
      const { code, verifier, redirectUri } = await signInForCode(other, { scope: SCOPES, login: ADMIN.userPrincipalName });
      const auth = { client_id: other.apps[0].clientId, client_secret: other.apps[0].secrets[0].secretText };
      const form = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, ...auth };
      expectAadError(await tokenRequest(other, otherTenant, form), 400, 'invalid_grant', 700005);
      expectAadError(await tokenRequest(other, TENANT, { ...form, code: 'not-a-code' }), 400, 'invalid_grant', 70000);
    } finally {
      await other.close();
    }
  });
});

describe('refresh_token', () => {
  async function refresh(token: string, extra: Record<string, string> = {}): Promise<HttpsResponse> {
    return tokenRequest(sim, TENANT, { grant_type: 'refresh_token', refresh_token: token, ...clientAuth(), ...extra });
  }

  test('rotates: each use returns a new refresh token; the old one dies after the 30 s grace', async () => {
    const first = (await redeem()).json().refresh_token;
    const second = await refresh(first);
    expect(second.status).toBe(200);
    const next = second.json().refresh_token;
    expect(next).toBeTruthy();
    expect(next).not.toBe(first);
    expect(second.json().id_token).toBeTruthy();

    // Within the grace period a concurrent user of the old token still succeeds.
    sim.ctx.advanceClock(10 * 1000);
    expect((await refresh(first)).status).toBe(200);
    sim.ctx.advanceClock(30 * 1000);
    expectAadError(await refresh(first), 400, 'invalid_grant', 70000);
    expect((await refresh(next)).status).toBe(200);
  });

  test('consent revoked through the control API is AADSTS50173 with suberror bad_token', async () => {
    const token = (await redeem()).json().refresh_token;
    await sim.control.revokeConsent(TENANT, app.clientId);
    const res = await refresh(token);
    expectAadError(res, 400, 'invalid_grant', 50173);
    expect(res.json().suberror).toBe('bad_token');
  });

  test('tokens issued before a revocation stay dead after the tenant consents again', async () => {
    const token = (await redeem()).json().refresh_token;
    await sim.control.revokeConsent(TENANT, app.clientId);
    const fresh = (await redeem()).json().refresh_token;
    expectAadError(await refresh(token), 400, 'invalid_grant', 50173);
    expect((await refresh(fresh)).status).toBe(200);
  });

  test('scopes beyond the consent are AADSTS65001 with suberror consent_required', async () => {
    const token = (await redeem()).json().refresh_token;
    const res = await refresh(token, { scope: 'Policy.Read.All offline_access' });
    expectAadError(res, 400, 'invalid_grant', 65001);
    expect(res.json().error_description).toContain('Policy.Read.All');
  });

  test('a refresh token unused for more than 90 days is AADSTS700082', async () => {
    const token = (await redeem()).json().refresh_token;
    sim.ctx.advanceClock(91 * DAY_MS);
    expectAadError(await refresh(token), 400, 'invalid_grant', 700082);
  });
});

describe('client_credentials', () => {
  const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';

  test('without admin consent in the tenant the app is unknown there: AADSTS700016', async () => {
    const res = await tokenRequest(sim, TENANT, { grant_type: 'client_credentials', scope: GRAPH_DEFAULT, ...clientAuth() });
    expectAadError(res, 401, 'invalid_client', 700016);
  });

  test('after admin consent: roles = the granted application permissions, no refresh token', async () => {
    expect((await grantAdminConsent(sim)).get('admin_consent')).toBe('True');
    const res = await tokenRequest(sim, VERAFIELD.domain, { grant_type: 'client_credentials', scope: GRAPH_DEFAULT, ...clientAuth() });
    expect(res.status).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
    const claims = await verifyAccessToken(sim.ctx, body.access_token);
    expect(claims).toMatchObject({ tid: TENANT, oid: VERAFIELD.apps.product.servicePrincipalId, appid: app.clientId });
    expect([...claims.roles!].sort()).toEqual([...app.applicationPermissions].sort());
    expect(claims.scp).toBeUndefined();
  });

  test('revoked admin consent removes the app from the tenant again: AADSTS700016', async () => {
    await grantAdminConsent(sim);
    await sim.control.revokeConsent(TENANT, app.clientId);
    const res = await tokenRequest(sim, TENANT, { grant_type: 'client_credentials', scope: GRAPH_DEFAULT, ...clientAuth() });
    expectAadError(res, 401, 'invalid_client', 700016);
  });

  test('HTTP Basic client authentication works like client_secret in the body', async () => {
    await grantAdminConsent(sim);
    const basic = Buffer.from(`${app.clientId}:${encodeURIComponent(app.secrets[0].secretText)}`).toString('base64');
    const res = await tokenRequest(sim, TENANT, { grant_type: 'client_credentials', scope: GRAPH_DEFAULT }, { authorization: `Basic ${basic}` });
    expect(res.status).toBe(200);
  });

  test.each([
    ['a delegated scope', 'User.Read.All', 1002012, 'invalid_scope'],
    ['another resource', 'https://management.azure.com/.default', 70011, 'invalid_scope'],
  ])('%s as scope is refused', async (_name, scope, code, error) => {
    await grantAdminConsent(sim);
    expectAadError(await tokenRequest(sim, TENANT, { grant_type: 'client_credentials', scope, ...clientAuth() }), 400, error, code);
  });

  test('the common and organizations aliases are refused: a tenant must be named', async () => {
    for (const alias of ['common', 'organizations']) {
      const res = await tokenRequest(sim, alias, { grant_type: 'client_credentials', scope: GRAPH_DEFAULT, ...clientAuth() });
      expectAadError(res, 400, 'invalid_request', 50059);
    }
  });
});

describe('client authentication and request errors', () => {
  const form = () => ({ grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' });

  test('a bad secret is 401 invalid_client AADSTS7000215', async () => {
    expectAadError(await tokenRequest(sim, TENANT, { ...form(), client_id: app.clientId, client_secret: 'wrong' }), 401, 'invalid_client', 7000215);
  });

  test('an expired secret is 401 invalid_client AADSTS7000222', async () => {
    app.secrets[0].endDateTime = new Date(sim.ctx.now() - 1000).toISOString();
    expectAadError(await tokenRequest(sim, TENANT, { ...form(), ...clientAuth() }), 401, 'invalid_client', 7000222);
  });

  test('an unknown client is 401 invalid_client AADSTS700016', async () => {
    const res = await tokenRequest(sim, TENANT, { ...form(), client_id: '11111111-2222-3333-4444-555555555555', client_secret: 'x' });
    expectAadError(res, 401, 'invalid_client', 700016);
  });

  test('an unknown tenant is 400 invalid_request AADSTS90002 (discovery says invalid_tenant)', async () => {
    expectAadError(await tokenRequest(sim, 'unknown.example', { ...form(), ...clientAuth() }), 400, 'invalid_request', 90002);
  });

  test('an unsupported grant type is unsupported_grant_type', async () => {
    const res = await tokenRequest(sim, TENANT, { grant_type: 'password', username: 'a', password: 'b', ...clientAuth() });
    expect(res.status).toBe(400);
    expect(res.json().error).toBe('unsupported_grant_type');
  });

  test("the caller's client-request-id comes back as correlation_id", async () => {
    const res = await tokenRequest(sim, TENANT, { ...form(), client_id: app.clientId, client_secret: 'wrong' }, { 'client-request-id': 'a1b2c3d4-0000-4000-8000-000000000001' });
    expect(res.json().correlation_id).toBe('a1b2c3d4-0000-4000-8000-000000000001');
  });

  test('injected token-server faults answer 503 temporarily_unavailable; every call is counted by grant type', async () => {
    sim.ctx.faults.tokenServerErrorRate = 1;
    const res = await tokenRequest(sim, TENANT, { ...form(), ...clientAuth() });
    expect(res.status).toBe(503);
    expect(res.json()).toMatchObject({ error: 'temporarily_unavailable', error_codes: [90033] });
    sim.ctx.faults.tokenServerErrorRate = 0;
    await tokenRequest(sim, TENANT, { ...form(), ...clientAuth() });
    await tokenRequest(sim, TENANT, { grant_type: 'refresh_token', refresh_token: 'x', ...clientAuth() });
    expect(sim.ctx.counters.tokenRequests).toEqual({ client_credentials: 2, refresh_token: 1 });
  });

  test('the access token is signed by the key the JWKS publishes', async () => {
    await grantAdminConsent(sim);
    const token = (await tokenRequest(sim, TENANT, { ...form(), ...clientAuth() })).json().access_token;
    const keys = (await simRequest(sim, `/${TENANT}/discovery/v2.0/keys`)).json().keys;
    expect(keys[0].kid).toBe(sim.ctx.signingKey.kid);
    await expect(jwtVerify(token, createPublicKey({ key: keys[0], format: 'jwk' }), { currentDate: new Date(sim.ctx.now()) })).resolves.toBeDefined();
    expect(decodeJwt(token).aud).toBe('https://graph.microsoft.com');
  });
});
