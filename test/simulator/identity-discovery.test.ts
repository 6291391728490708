/** Discovery: OpenID configuration per {tenant} form, instance discovery and the JWKS. */
import { VERAFIELD } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import { simRequest, startTestSimulator } from '../support/simulator';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startTestSimulator();
});
afterAll(() => sim.close());

const configUrl = (tenant: string) => `/${tenant}/v2.0/.well-known/openid-configuration`;

test.each([VERAFIELD.tenantId, VERAFIELD.domain])('the configuration of %s names the tenant GUID everywhere', async (tenant) => {
  const res = await simRequest(sim, configUrl(tenant));
  expect(res.status).toBe(200);
  const doc = res.json();
  const t = VERAFIELD.tenantId;
  expect(doc).toMatchObject({
    issuer: `${sim.baseUrl}/${t}/v2.0`,
    authorization_endpoint: `${sim.baseUrl}/${t}/oauth2/v2.0/authorize`,
    token_endpoint: `${sim.baseUrl}/${t}/oauth2/v2.0/token`,
    jwks_uri: `${sim.baseUrl}/${t}/discovery/v2.0/keys`,
    end_session_endpoint: `${sim.baseUrl}/${t}/oauth2/v2.0/logout`,
    msgraph_host: new URL(sim.baseUrl).host,
    response_types_supported: ['code'],
    id_token_signing_alg_values_supported: ['RS256'],
  });
  for (const field of ['response_modes_supported', 'scopes_supported', 'subject_types_supported', 'token_endpoint_auth_methods_supported', 'claims_supported']) {
    expect(Array.isArray(doc[field])).toBe(true);
  }
  expect(typeof doc.cloud_instance_name).toBe('string');
  expect(typeof doc.tenant_region_scope).toBe('string');
});

test.each(['common', 'organizations'])('the %s configuration has the {tenantid} placeholder issuer', async (alias) => {
  const doc = (await simRequest(sim, configUrl(alias))).json();
  expect(doc.issuer).toBe(`${sim.baseUrl}/{tenantid}/v2.0`);
  expect(doc.token_endpoint).toBe(`${sim.baseUrl}/${alias}/oauth2/v2.0/token`);
});

test('an unknown tenant is 400 with AADSTS90002', async () => {
  const res = await simRequest(sim, configUrl('contoso.example'));
  expect(res.status).toBe(400);
  expect(res.json()).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
});

test('instance discovery answers with the simulator as its own only alias', async () => {
  const authorize = `${sim.baseUrl}/${VERAFIELD.tenantId}/oauth2/v2.0/authorize`;
  const res = await simRequest(sim, `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(authorize)}`);
  const host = new URL(sim.baseUrl).host;
  expect(res.json()).toEqual({
    tenant_discovery_endpoint: `${sim.baseUrl}/${VERAFIELD.tenantId}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  });
});

test('the JWKS publishes the signing key as an RS256 signature key', async () => {
  const { keys } = (await simRequest(sim, `/${VERAFIELD.tenantId}/discovery/v2.0/keys`)).json();
  expect(keys).toHaveLength(1);
  expect(keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', kid: sim.ctx.signingKey.kid });
  expect(keys[0].d).toBeUndefined();
});
