/**
 * The simulator against the real @azure/msal-node, configured as stack-notes describes: knownAuthorities with
 * host:port (no cloud instance discovery), authority `${baseUrl}/${tenantId}`, and a network client over
 * https.request that trusts the simulator's CA.
 */
import https from 'node:https';
import { ConfidentialClientApplication, CryptoProvider, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';
import { VERAFIELD } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import { verifyAccessToken } from '../../src/simulator/tokens';
import { answerConsentPage, grantAdminConsent, redirectParams, startTestSimulator, TEST_REDIRECT_URI } from '../support/simulator';

/** Access tokens this short are "expired" to MSAL at once (it renews 5 minutes before expiry). */
const SHORT_LIFETIME_SECONDS = 120;
const SCOPES = ['User.Read.All', 'GroupMember.Read.All'];

function networkClient(ca: string): INetworkModule {
  const send = <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> =>
    new Promise((resolve, reject) => {
      const req = https.request(url, { method, headers: options?.headers, ca, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
          resolve({ status: res.statusCode ?? 0, headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T });
        });
      });
      req.on('error', reject);
      req.end(options?.body);
    });
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

let sim: RunningSimulator;
let cca: ConfidentialClientApplication;
beforeEach(async () => {
  sim = await startTestSimulator({ accessTokenLifetimeSeconds: SHORT_LIFETIME_SECONDS });
  const app = sim.apps[0];
  cca = new ConfidentialClientApplication({
    auth: {
      clientId: app.clientId,
      clientSecret: app.secrets[0].secretText,
      authority: `${sim.baseUrl}/${VERAFIELD.tenantId}`,
      knownAuthorities: [new URL(sim.baseUrl).host],
    },
    system: { networkClient: networkClient(sim.caCertPem) },
  });
});
afterEach(() => sim.close());

test('acquireTokenByCode, then acquireTokenSilent after expiry refreshes to a new token', async () => {
  const pkce = await new CryptoProvider().generatePkceCodes();
  const url = await cca.getAuthCodeUrl({
    scopes: SCOPES,
    redirectUri: TEST_REDIRECT_URI,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: 'S256',
    state: 'msal-state',
  });
  const params = redirectParams(await answerConsentPage(sim, url, { login: VERAFIELD.users.globalAdmin.userPrincipalName }));
  expect(params.get('state')).toBe('msal-state');

  const first = await cca.acquireTokenByCode({ code: params.get('code')!, scopes: SCOPES, redirectUri: TEST_REDIRECT_URI, codeVerifier: pkce.verifier });
  expect(first.account?.homeAccountId).toBe(`${VERAFIELD.users.globalAdmin.id}.${VERAFIELD.tenantId}`);
  expect(first.account?.username).toBe(VERAFIELD.users.globalAdmin.userPrincipalName);
  expect((await verifyAccessToken(sim.ctx, first.accessToken)).oid).toBe(VERAFIELD.users.globalAdmin.id);

  sim.ctx.advanceClock((SHORT_LIFETIME_SECONDS + 1) * 1000);
  await expect(verifyAccessToken(sim.ctx, first.accessToken)).rejects.toThrow();
  const second = await cca.acquireTokenSilent({ account: first.account!, scopes: SCOPES });
  expect(second.accessToken).not.toBe(first.accessToken);
  await expect(verifyAccessToken(sim.ctx, second.accessToken)).resolves.toMatchObject({ oid: VERAFIELD.users.globalAdmin.id });
  expect(sim.ctx.counters.tokenRequests).toEqual({ authorization_code: 1, refresh_token: 1 });
});

test('acquireTokenByClientCredential against the tenant authority after admin consent', async () => {
  await grantAdminConsent(sim);
  const result = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
  const claims = await verifyAccessToken(sim.ctx, result!.accessToken);
  expect(claims.roles).toEqual(expect.arrayContaining(['User.Read.All', 'Policy.Read.All']));
});
