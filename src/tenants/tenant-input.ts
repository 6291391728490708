/**
 * Validation of what callers send for a tenant, as pure functions. Each failure is a BAD_USER_INPUT that
 * names the field, what was expected and what arrived, and is raised before anything is stored.
 */
import { ErrorCode, GatewayError } from '../core/errors';
import type { AuthMode, Feature } from './features';
import { checkReturnUrl } from './return-url';
import type { EntraCloud } from './tenant.entity';

export const DISPLAY_NAME_MAX = 200;
export const SYNC_INTERVAL_SECONDS = { min: 60, max: 86_400, default: 300 } as const;
const LOGIN_HINT_MAX = 320;

export interface ConnectTenantFields {
  displayName: string;
  cloud: EntraCloud;
  authMode: AuthMode;
  features: Feature[];
  returnUrl: string;
  loginHint?: string | null;
}

export interface UpdateTenantFields {
  displayName?: string | null;
  features?: Feature[] | null;
  syncIntervalSeconds?: number | null;
}

/** What connectTenant needs to know about this gateway to judge an input. */
export interface ConnectRules {
  /** The one cloud this gateway's app registration lives in. */
  cloud: EntraCloud;
  allowedReturnOrigins: readonly string[];
}

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Our tenant ids are UUIDs; anything else cannot name a tenant (and must not reach a uuid column). */
export function isTenantId(value: string): boolean {
  return TENANT_ID.test(value);
}

export function invalidInput(field: string, problem: string): GatewayError {
  return new GatewayError(ErrorCode.BAD_USER_INPUT, `${field}: ${problem}`, { field });
}

export function validateConnect(input: ConnectTenantFields, rules: ConnectRules): Required<ConnectTenantFields> {
  if (input.cloud !== rules.cloud) {
    throw invalidInput(
      'input.cloud',
      `this gateway's app registration is in the ${rules.cloud} cloud (ENTRA_CLOUD); expected ${rules.cloud}, got ${input.cloud}`,
    );
  }
  return {
    displayName: validDisplayName('input.displayName', input.displayName),
    cloud: input.cloud,
    authMode: input.authMode,
    features: validFeatures('input.features', input.features),
    returnUrl: validReturnUrl('input.returnUrl', input.returnUrl, rules.allowedReturnOrigins),
    loginHint: input.loginHint == null ? null : validLoginHint('input.loginHint', input.loginHint),
  };
}

export function validateUpdate(input: UpdateTenantFields): { displayName?: string; features?: Feature[]; syncIntervalSeconds?: number } {
  const out: { displayName?: string; features?: Feature[]; syncIntervalSeconds?: number } = {};
  if (input.displayName != null) out.displayName = validDisplayName('input.displayName', input.displayName);
  if (input.features != null) out.features = validFeatures('input.features', input.features);
  if (input.syncIntervalSeconds != null) out.syncIntervalSeconds = validSyncInterval('input.syncIntervalSeconds', input.syncIntervalSeconds);
  return out;
}

export function validReturnUrl(field: string, candidate: string, allowedOrigins: readonly string[]): string {
  const check = checkReturnUrl(candidate, allowedOrigins);
  if (!check.ok) throw invalidInput(field, check.reason);
  return check.url;
}

function validDisplayName(field: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed.length < 1 || trimmed.length > DISPLAY_NAME_MAX) {
    throw invalidInput(field, `expected 1 to ${DISPLAY_NAME_MAX} characters, got ${trimmed.length}`);
  }
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw invalidInput(field, 'expected no control characters');
  return trimmed;
}

function validFeatures(field: string, features: Feature[]): Feature[] {
  if (features.length === 0) throw invalidInput(field, 'expected at least one feature, got none');
  return [...new Set(features)].sort();
}

function validSyncInterval(field: string, seconds: number): number {
  const { min, max } = SYNC_INTERVAL_SECONDS;
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw invalidInput(field, `expected an integer from ${min} to ${max}, got ${seconds}`);
  }
  return seconds;
}

/** A sign-in name (UPN or e-mail) Microsoft pre-fills; nothing that could bend the consent URL. */
function validLoginHint(field: string, value: string): string {
  if (value.length > LOGIN_HINT_MAX || !/^[^\s@]+@[^\s@]+$/.test(value)) {
    throw invalidInput(field, `expected a user principal name such as admin@contoso.com (at most ${LOGIN_HINT_MAX} characters)`);
  }
  return value;
}
