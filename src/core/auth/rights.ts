/**
 * Pure decisions about API key rights. A caller may only hand out, see or revoke rights it holds itself:
 * every scope it grants, and every tenant (a caller confined to some tenants can never grant "all tenants").
 */
import type { ApiScope, Principal } from './principal';

export interface Rights {
  scopes: readonly ApiScope[];
  /** Null: every tenant. */
  tenantIds: readonly string[] | null;
}

/** Why `holder` may not grant (or manage a key with) `rights`; null when it may. */
export function rightsExceeding(holder: Principal, rights: Rights): string | null {
  const missingScopes = rights.scopes.filter((scope) => !holder.scopes.has(scope));
  if (missingScopes.length > 0) return `this caller lacks the scope(s) ${missingScopes.join(', ')} and cannot grant them`;
  if (holder.tenants === 'ALL') return null;
  if (rights.tenantIds === null) return 'this caller is confined to some tenants and cannot grant access to all tenants';
  const allowed = holder.tenants;
  const foreign = rights.tenantIds.filter((id) => !allowed.has(id));
  return foreign.length > 0 ? `this caller may not access tenant(s) ${foreign.join(', ')}` : null;
}

export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Whether a successful use should be written to last_used_at: at most once a minute per key, so that a hot
 * key does not turn every request into a database write.
 */
export function shouldRecordUse(lastUsedAt: Date | null, now: Date): boolean {
  return lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS;
}
