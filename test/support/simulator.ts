/**
 * The simulator for tests: startTestSimulator() runs a real HTTPS simulator on a random port with the Verafield
 * tenant and the product's app registered (client id DEFAULT_PRODUCT_APP_ID, so Verafield's conditional-access
 * policies name it). Helpers speak real HTTPS trusting the simulator's CA, and drive its consent page the way a
 * browser would. Close the simulator in afterAll/afterEach: `await sim.close()`.
 */
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import { DEFAULT_PRODUCT_APP_ID, VERAFIELD } from '../../src/simulator/generator';
import { startSimulator, type RunningSimulator, type StartSimulatorOptions } from '../../src/simulator/server';

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

export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON (throws if it is not JSON). */
  json<T = any>(): T;
}

/**
 * One HTTPS request to the simulator, trusting only its CA. `url` may be absolute or a path. A `form` body
 * is sent form-urlencoded (as OAuth endpoints expect). Redirects are not followed: tests look at them.
 */
export function simRequest(
  sim: Pick<RunningSimulator, 'baseUrl' | 'caCertPem'>,
  url: string,
  init: { method?: string; headers?: Record<string, string>; form?: Record<string, string> } = {},
): Promise<HttpsResponse> {
  const target = new URL(url, sim.baseUrl);
  const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
  const headers: Record<string, string> = { ...init.headers };
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  return new Promise((resolve, reject) => {
    const req = https.request(target, { method: init.method ?? (body ? 'POST' : 'GET'), headers, ca: sim.caCertPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The consent page's form: where it posts and its one-time transaction id. */
export function consentForm(html: string): { action: string; transaction: string } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const transaction = /name="transaction" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !transaction) throw new Error(`expected a consent page with a form, got: ${html.slice(0, 300)}`);
  return { action: action.replace(/&amp;/g, '&'), transaction };
}

/**
 * Opens an authorize or adminconsent URL and answers its page like a user would: signs in as `login` and
 * accepts (or cancels). Returns the decision's response: a 302 to the redirect URI, or the page again (200)
 * when the sign-in failed.
 */
export async function answerConsentPage(
  sim: Pick<RunningSimulator, 'baseUrl' | 'caCertPem'>,
  pageUrl: string,
  answer: { login: string; decision?: 'accept' | 'cancel' },
): Promise<HttpsResponse> {
  const page = await simRequest(sim, pageUrl);
  if (page.status !== 200) throw new Error(`expected the consent page (200), got ${page.status}: ${page.text.slice(0, 300)}`);
  const form = consentForm(page.text);
  return simRequest(sim, form.action, {
    form: { transaction: form.transaction, login: answer.login, decision: answer.decision ?? 'accept' },
  });
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
