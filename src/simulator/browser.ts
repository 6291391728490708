/**
 * A customer's browser in front of the simulator: one HTTPS request at a time, trusting only the simulator's
 * CA, never following redirects, and able to answer the consent page the way a person would. The local
 * development start-up uses it to connect the Verafield tenant through the real consent flow; tests use it
 * to drive that flow step by step.
 */
import https from 'node:https';

export interface SimulatorEndpoint {
  baseUrl: string;
  caCertPem: string;
}

export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON (throws if it is not JSON). */
  json<T = any>(): T;
}

/**
 * One HTTPS request to the simulator. `url` may be absolute or a path. A `form` body is sent
 * form-urlencoded (as OAuth endpoints expect). Redirects are not followed: callers look at them.
 */
export function simRequest(
  sim: SimulatorEndpoint,
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
  sim: SimulatorEndpoint,
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
