/**
 * The simulator for tests: startTestSimulator() runs a real HTTPS simulator on a random port with the Verafield
 * tenant and the product's app registered (client id DEFAULT_PRODUCT_APP_ID, so Verafield's conditional-access
 * policies name it). Helpers speak real HTTPS trusting the simulator's CA, and drive its consent page the way a
 * browser would. Close the simulator in afterAll/afterEach: `await sim.close()`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { answerConsentPage, simRequest, type HttpsResponse } from '../../src/simulator/browser';
import { DEFAULT_PRODUCT_APP_ID, VERAFIELD } from '../../src/simulator/generator';
import { startSimulator, type RunningSimulator, type StartSimulatorOptions } from '../../src/simulator/server';

export { answerConsentPage, consentForm, simRequest, type HttpsResponse } from '../../src/simulator/browser';

export const TEST_REDIRECT_URI = 'http://localhost:4000/oauth/callback';
export const TEST_ADMIN_REDIRECT_URI = 'http://localhost:4000/oauth/admin-callback';

export function startTestSimulator(opts: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({
    port: 0,
    tenants: [{ preset: 'verafield' }],
    apps: [{ clientId: DEFAULT_PRODUCT_APP_ID, displayName: 'Gateway Product', redirectUris: [TEST_REDIRECT_URI, TEST_ADMIN_REDIRECT_URI] }],
    ...opts,
  });
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The query parameters of a redirect response's Location. */
export function redirectParams(res: HttpsResponse): URLSearchParams {
  const location = res.headers.location;
  if (res.status !== 302 || typeof location !== 'string') {
    throw new Error(`expected a 302 redirect, got ${res.status}: ${res.text.slice(0, 300)}`);
  }
  return new URL(location).searchParams;
}

type SimEndpoint = Pick<RunningSimulator, 'baseUrl' | 'caCertPem'>;

export interface AuthorizeParams {
  /** GUID, domain, organizations or common; default Verafield's tenant id. */
  tenant?: string;
  clientId?: string;
  redirectUri?: string;
  scope: string;
  /** PKCE S256 challenge; pass `null` to leave PKCE out. */
  challenge: string | null;
  state?: string;
  nonce?: string;
  loginHint?: string;
  /** Further or overriding query parameters. */
  extra?: Record<string, string>;
}

export function authorizeUrl(sim: SimEndpoint, p: AuthorizeParams): string {
  const query: Record<string, string> = {
    client_id: p.clientId ?? DEFAULT_PRODUCT_APP_ID,
    response_type: 'code',
    redirect_uri: p.redirectUri ?? TEST_REDIRECT_URI,
    scope: p.scope,
    state: p.state ?? 'state-1',
  };
  if (p.challenge !== null) Object.assign(query, { code_challenge: p.challenge, code_challenge_method: 'S256' });
  if (p.nonce) query.nonce = p.nonce;
  if (p.loginHint) query.login_hint = p.loginHint;
  const url = new URL(`/${p.tenant ?? VERAFIELD.tenantId}/oauth2/v2.0/authorize`, sim.baseUrl);
  for (const [k, v] of Object.entries({ ...query, ...p.extra })) url.searchParams.set(k, v);
  return url.toString();
}

/** Runs the authorization-code front channel as `login` and returns the code with its PKCE verifier. */
export async function signInForCode(
  sim: SimEndpoint,
  p: Omit<AuthorizeParams, 'challenge'> & { login: string },
): Promise<{ code: string; verifier: string; redirectUri: string }> {
  const { verifier, challenge } = pkcePair();
  const params = redirectParams(await answerConsentPage(sim, authorizeUrl(sim, { ...p, challenge }), { login: p.login }));
  const code = params.get('code');
  if (!code) throw new Error(`expected a code in the redirect, got ${params.toString()}`);
  return { code, verifier, redirectUri: p.redirectUri ?? TEST_REDIRECT_URI };
}

export function tokenRequest(sim: SimEndpoint, tenant: string, form: Record<string, string>, headers?: Record<string, string>): Promise<HttpsResponse> {
  return simRequest(sim, `/${tenant}/oauth2/v2.0/token`, { form, headers });
}

/** Grants the app its application permissions in a tenant through the admin-consent page, as `login`. */
export async function grantAdminConsent(
  sim: SimEndpoint,
  p: { tenant?: string; login?: string; clientId?: string; decision?: 'accept' | 'cancel' } = {},
): Promise<URLSearchParams> {
  const url = new URL(`/${p.tenant ?? VERAFIELD.tenantId}/v2.0/adminconsent`, sim.baseUrl);
  url.searchParams.set('client_id', p.clientId ?? DEFAULT_PRODUCT_APP_ID);
  url.searchParams.set('scope', 'https://graph.microsoft.com/.default');
  url.searchParams.set('redirect_uri', TEST_ADMIN_REDIRECT_URI);
  url.searchParams.set('state', 'admin-state');
  const res = await answerConsentPage(sim, url.toString(), {
    login: p.login ?? VERAFIELD.users.globalAdmin.userPrincipalName,
    decision: p.decision,
  });
  return redirectParams(res);
}
