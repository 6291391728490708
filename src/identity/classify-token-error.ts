/**
 * What a failed token acquisition means for the caller, decided from the error alone (classifyTokenError, a
 * pure function), and the typed error it becomes (toIdentityError). Reasons are our own words keyed by code:
 * the platform's error_description is never copied, so a classification can be logged and shown as is.
 */
import {
  IdentityConfigurationError,
  IdentityError,
  ReconsentRequiredError,
  TransientIdentityError,
  UnexpectedIdentityError,
} from './identity.errors';
import type { TenantAuthMode } from './token-provider.types';

export type TokenErrorKind = 'reconsent_required' | 'transient' | 'configuration' | 'unknown';

export interface TokenErrorClassification {
  kind: TokenErrorKind;
  aadsts?: number;
  reason: string;
}

type Rule = { kind: TokenErrorKind; reason: string };

/** AADSTS codes whose meaning does not depend on the auth mode (graph-facts §9). */
const AADSTS_RULES: ReadonlyMap<number, Rule> = new Map([
  [70000, { kind: 'reconsent_required', reason: 'the refresh token is invalid' }],
  [70008, { kind: 'reconsent_required', reason: 'the refresh token has expired or was revoked' }],
  [700082, { kind: 'reconsent_required', reason: 'the refresh token expired after inactivity' }],
  [50173, { kind: 'reconsent_required', reason: 'the grant was revoked (e.g. password reset)' }],
  [65001, { kind: 'reconsent_required', reason: 'consent for the requested permissions is missing' }],
  [7000215, { kind: 'configuration', reason: 'the client secret is invalid' }],
  [7000222, { kind: 'configuration', reason: 'the client secret has expired' }],
]);

const APP_NOT_IN_TENANT = 700016;

/** MSAL's own error codes (not the platform's) that carry a decision. */
const MSAL_CODE_RULES: ReadonlyMap<string, Rule> = new Map([
  ['network_error', { kind: 'transient', reason: 'the identity platform could not be reached' }],
  ['temporarily_unavailable', { kind: 'transient', reason: 'the identity platform is temporarily unavailable' }],
  ['no_tokens_found', { kind: 'reconsent_required', reason: 'no refresh token is cached for the account' }],
  ['refresh_token_expired', { kind: 'reconsent_required', reason: 'the cached refresh token has expired' }],
  ['invalid_grant', { kind: 'reconsent_required', reason: 'the identity platform rejected the grant' }],
]);

export function classifyTokenError(err: unknown, mode: TenantAuthMode = 'DELEGATED'): TokenErrorClassification {
  const fields = errorFields(err);
  const aadsts = fields.aadsts;

  if (aadsts === APP_NOT_IN_TENANT) {
    // Client credentials: the tenant removed our service principal (or never consented). Delegated flows only
    // see it when our client id is wrong for the cloud, which no customer can fix.
    return mode === 'APPLICATION'
      ? { kind: 'reconsent_required', aadsts, reason: 'the application is not present in the tenant' }
      : { kind: 'configuration', aadsts, reason: 'the client id is unknown to this cloud' };
  }
  const byAadsts = aadsts === undefined ? undefined : AADSTS_RULES.get(aadsts);
  if (byAadsts) return { ...byAadsts, aadsts };

  if (fields.status !== undefined && (fields.status >= 500 || fields.status === 429)) {
    return withCode({ kind: 'transient', reason: `the identity platform answered HTTP ${fields.status}` }, aadsts);
  }
  const byCode = fields.errorCode === undefined ? undefined : MSAL_CODE_RULES.get(fields.errorCode);
  if (byCode) return withCode(byCode, aadsts);

  if (fields.name === 'ClientConfigurationError') {
    return withCode({ kind: 'configuration', reason: `MSAL rejected its configuration (${fields.errorCode})` }, aadsts);
  }
  const what = fields.errorCode ? `error code ${fields.errorCode}` : `a ${fields.name ?? typeof err}`;
  return withCode({ kind: 'unknown', reason: `unrecognised failure: ${what}` }, aadsts);
}

interface ErrorFields {
  name?: string;
  errorCode?: string;
  status?: number;
  aadsts?: number;
}

/** Reads the fields MSAL's AuthError family carries, without depending on class identity. */
function errorFields(err: unknown): ErrorFields {
  if (err === null || typeof err !== 'object') return {};
  const e = err as Record<string, unknown>;
  const errorCode = typeof e.errorCode === 'string' && e.errorCode !== '' ? e.errorCode : undefined;
  return {
    name: typeof e.name === 'string' ? e.name : undefined,
    errorCode,
    status: typeof e.status === 'number' ? e.status : undefined,
    aadsts: aadstsOf(e),
  };
}

// MSAL puts error_codes[0] in errorNo (a number in the JSON despite its string type); when a path drops it,
// the code is still the AADSTSnnnn prefix of the description MSAL copies into errorMessage.
function aadstsOf(e: Record<string, unknown>): number | undefined {
  const errorNo = e.errorNo;
  if (typeof errorNo === 'number' || (typeof errorNo === 'string' && /^\d+$/.test(errorNo))) return Number(errorNo);
  const text = typeof e.errorMessage === 'string' ? e.errorMessage : typeof e.message === 'string' ? e.message : '';
  const match = /AADSTS(\d+)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

function withCode(rule: Rule, aadsts: number | undefined): TokenErrorClassification {
  return aadsts === undefined ? rule : { ...rule, aadsts };
}

/** The typed error a failed acquisition surfaces as; our own IdentityErrors pass through unchanged. */
export function toIdentityError(
  err: unknown,
  context: { tenantId: string; mode: TenantAuthMode; attempts: number },
): IdentityError {
  if (err instanceof IdentityError) return err;
  const { kind, reason, aadsts } = classifyTokenError(err, context.mode);
  switch (kind) {
    case 'reconsent_required':
      return new ReconsentRequiredError(context.tenantId, reason, aadsts);
    case 'transient':
      return new TransientIdentityError(reason, context.attempts, aadsts);
    case 'configuration':
      return new IdentityConfigurationError(reason, aadsts);
    case 'unknown':
      return new UnexpectedIdentityError(reason, aadsts);
  }
}
