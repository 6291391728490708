/**
 * Who is calling the gateway and what they may touch. Every root field and every nested field that reaches
 * a tenant asks `authorize` before doing anything; the decision is a pure function over plain data.
 */
export enum ApiScope {
  TENANTS_ADMIN = 'tenants:admin',
  DIRECTORY_READ = 'directory:read',
  DIRECTORY_WRITE = 'directory:write',
  EVENTS_READ = 'events:read',
}

export const ALL_SCOPES: readonly ApiScope[] = Object.values(ApiScope);

export interface Principal {
  /**
   * cli: an operator running `npm run api-key` on a machine that holds the database credentials. portal: a
   * customer's administrator in the hosted portal (src/portal), from a single-use link: one tenant, the link's steps.
   */
  kind: 'api_key' | 'bootstrap' | 'jwt' | 'cli' | 'portal';
  /** API key id, "bootstrap", the JWT subject, "cli", or the portal session id: what audit rows name. */
  id: string;
  scopes: ReadonlySet<ApiScope>;
  /** 'ALL' or the gateway tenant ids (our uuids) this caller may touch. */
  tenants: 'ALL' | ReadonlySet<string>;
  /** Portal sessions only: the wizard steps its link allowed; a root field must list one of them (AccessRule.portal). */
  portalSteps?: ReadonlySet<PortalStep>;
}

/** The hosted portal's steps (src/portal): what a portal link may allow. */
export enum PortalStep {
  CONNECT = 'CONNECT',
  MAP_GROUPS = 'MAP_GROUPS',
  STATUS = 'STATUS',
}

/** An operator at `npm run api-key`: whoever can reach the database already holds every right. */
export const CLI_OPERATOR: Principal = { kind: 'cli', id: 'cli', scopes: new Set(ALL_SCOPES), tenants: 'ALL' };

export const UNAUTHENTICATED_REASON = 'a valid API key or bearer token is required (Authorization: Bearer ..., or x-api-key)';

/**
 * Why a request has no principal, as UNAUTHENTICATED answers say it (and `extensions.credential` names it): no
 * credential, one that cannot be ours, one we do not know (no such key, a wrong secret, a token we do not
 * accept: indistinguishable on purpose), a revoked API key, an expired token. Nothing more is told.
 */
export type CredentialProblem = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired';

export interface CredentialRefusal {
  problem: CredentialProblem;
  message: string;
}

/** Pure: the message for a problem; `detail` (malformed only) says what shape was expected, never echoes the credential. */
export function credentialRefusal(problem: CredentialProblem, detail?: string): CredentialRefusal {
  const messages: Record<CredentialProblem, string> = {
    missing: `no credential was presented: ${UNAUTHENTICATED_REASON}`,
    malformed: `the credential is malformed: ${detail ?? 'expected an API key (egk_<id>_<secret>) or a JWT (three base64url segments)'}`,
    unknown: 'the credential is not known to this gateway (no such API key, a wrong secret, or a token it does not accept)',
    revoked: 'the API key was revoked',
    expired: 'the token has expired',
  };
  return { problem, message: messages[problem] };
}

export type Decision = { allowed: true } | { allowed: false; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; reason: string };

export function decide(principal: Principal | null, scope: ApiScope, tenantId?: string): Decision {
  return decideAccess(principal, [scope], tenantId === undefined ? [] : [tenantId]);
}

/**
 * The general form: a caller holding any one of `scopes` (null: any authenticated caller), allowed on every
 * tenant of `tenantIds`.
 */
export function decideAccess(principal: Principal | null, scopes: readonly ApiScope[] | null, tenantIds: readonly string[]): Decision {
  if (!principal) return { allowed: false, code: 'UNAUTHENTICATED', reason: UNAUTHENTICATED_REASON };
  if (scopes && !scopes.some((scope) => principal.scopes.has(scope))) {
    return { allowed: false, code: 'FORBIDDEN', reason: `this caller lacks the ${scopes.join(' or ')} scope` };
  }
  const { tenants } = principal;
  // GUIDs compare without regard to case; a principal's tenants are held in lower case.
  const foreign = tenants === 'ALL' ? undefined : tenantIds.find((tenantId) => !tenants.has(tenantId.toLowerCase()));
  if (foreign !== undefined) {
    // Same message whether or not the tenant exists: a caller must not learn other customers' tenant ids.
    return { allowed: false, code: 'FORBIDDEN', reason: `this caller may not access tenant ${foreign}` };
  }
  return { allowed: true };
}

export function parseScopes(values: readonly string[]): ApiScope[] {
  const known = new Set<string>(ALL_SCOPES);
  const unknown = values.filter((v) => !known.has(v));
  if (unknown.length) throw new Error(`unknown scope(s) ${unknown.join(', ')}; expected any of ${ALL_SCOPES.join(', ')}`);
  return [...new Set(values)] as ApiScope[];
}

/** How audit columns (created_by, ...) name a caller: "api_key:<id>", "jwt:<subject>", "portal:<session id>", "bootstrap" or "cli". */
export function describePrincipal(principal: Principal): string {
  return principal.kind === 'api_key' || principal.kind === 'jwt' || principal.kind === 'portal' ? `${principal.kind}:${principal.id}` : principal.kind;
}
