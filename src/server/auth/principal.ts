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
  kind: 'api_key' | 'bootstrap' | 'jwt';
  /** API key id, "bootstrap", or the JWT subject: what audit rows name. */
  id: string;
  scopes: ReadonlySet<ApiScope>;
  /** 'ALL' or the gateway tenant ids (our uuids) this caller may touch. */
  tenants: 'ALL' | ReadonlySet<string>;
}

export type Decision = { allowed: true } | { allowed: false; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; reason: string };

export function decide(principal: Principal | null, scope: ApiScope, tenantId?: string): Decision {
  if (!principal) return { allowed: false, code: 'UNAUTHENTICATED', reason: 'an API key or bearer token is required' };
  if (!principal.scopes.has(scope)) {
    return { allowed: false, code: 'FORBIDDEN', reason: `this caller lacks the ${scope} scope` };
  }
  if (tenantId !== undefined && principal.tenants !== 'ALL' && !principal.tenants.has(tenantId)) {
    // Same message whether or not the tenant exists: a caller must not learn other customers' tenant ids.
    return { allowed: false, code: 'FORBIDDEN', reason: `this caller may not access tenant ${tenantId}` };
  }
  return { allowed: true };
}

export function parseScopes(values: readonly string[]): ApiScope[] {
  const known = new Set<string>(ALL_SCOPES);
  const unknown = values.filter((v) => !known.has(v));
  if (unknown.length) throw new Error(`unknown scope(s) ${unknown.join(', ')}; expected any of ${ALL_SCOPES.join(', ')}`);
  return [...new Set(values)] as ApiScope[];
}
