/**
 * What arrived at an OAuth callback, decided as a pure function of the query string. Anything malformed is
 * refused here, before the database is asked about the state: a refused callback stores and consumes nothing.
 */
import type { AuthMode } from './features';

export type CallbackParams =
  | { kind: 'refused'; reason: string }
  /** Microsoft ended the flow with an error (graph-facts §9). */
  | { kind: 'microsoft-error'; state: string; error: MicrosoftError }
  | { kind: 'code'; state: string; code: string }
  /** admin_consent=True; `tenant` says only where to ask for the proof token, never who the customer is. */
  | { kind: 'admin-consent'; state: string; tenant: string };

export interface MicrosoftError {
  /** The OAuth error code (access_denied, consent_required, ...), or `unknown_error` when malformed. */
  error: string;
  aadsts?: number;
  /** Our own words: Microsoft's free text is not passed on. */
  description: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_PARAM = 4096;

const MEANINGS: Record<string, string> = {
  access_denied: 'the administrator declined the permissions',
  consent_required: 'an administrator must grant the permissions',
  interaction_required: 'the sign-in needs the user to interact',
  login_required: 'the user must sign in',
  invalid_request: 'Microsoft refused the consent request',
  invalid_scope: 'Microsoft refused the requested permissions',
  unauthorized_client: 'the application may not use this flow in the tenant',
  server_error: 'Microsoft failed while handling the consent',
  temporarily_unavailable: 'Microsoft is temporarily unavailable',
};

type Query = Record<string, unknown>;

export function parseCallback(flow: AuthMode, query: Query): CallbackParams {
  const params = singleValues(query, ['state', 'code', 'error', 'error_description', 'admin_consent', 'tenant']);
  if ('reason' in params) return { kind: 'refused', reason: params.reason };
  const { state, code, error, error_description: description, admin_consent: adminConsent, tenant } = params.values;
  if (state === undefined) {
    return { kind: 'refused', reason: error ? `Microsoft reported ${safeCode(error)}, but the callback has no state` : 'the callback has no state' };
  }
  if (error !== undefined) return { kind: 'microsoft-error', state, error: describeMicrosoftError(error, description) };
  if (flow === 'DELEGATED') {
    return code ? { kind: 'code', state, code } : { kind: 'refused', reason: 'the callback has neither a code nor an error' };
  }
  if (adminConsent?.toLowerCase() !== 'true') return { kind: 'refused', reason: 'the callback does not confirm admin consent' };
  if (!tenant || !GUID.test(tenant)) return { kind: 'refused', reason: 'the callback names no tenant id' };
  return { kind: 'admin-consent', state, tenant: tenant.toLowerCase() };
}

export function describeMicrosoftError(error: string, description: string | undefined): MicrosoftError {
  const code = safeCode(error);
  const aadsts = /^AADSTS(\d{1,9})\b/.exec(description ?? '')?.[1];
  const meaning = MEANINGS[code] ?? 'Microsoft ended the consent with an error';
  return {
    error: code,
    ...(aadsts ? { aadsts: Number(aadsts) } : {}),
    description: `${meaning} (${code}${aadsts ? `, AADSTS${aadsts}` : ''})`,
  };
}

function safeCode(error: string): string {
  return /^[a-z_]{1,64}$/.test(error) ? error : 'unknown_error';
}

/** Each named parameter at most once and of bounded length: repeated or oversized parameters are refused. */
function singleValues<K extends string>(
  query: Query,
  names: readonly K[],
): { values: Partial<Record<K, string>> } | { reason: string } {
  const values: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = query[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') return { reason: `the callback repeats or nests the ${name} parameter` };
    if (value.length > MAX_PARAM) return { reason: `the callback's ${name} parameter is too long` };
    values[name] = value;
  }
  return { values };
}
