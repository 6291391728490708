/**
 * The {tenant} segment of identity-platform paths: a tenant GUID, a verified domain, or one of the
 * multi-tenant aliases `organizations` and `common` (which name no tenant until a user signs in).
 */
import type { SimTenant } from '../model';
import type { SimStore } from '../store';
import { aad } from './aad-error';

export type TenantPath =
  | { kind: 'tenant'; segment: string; tenant: SimTenant }
  | { kind: 'organizations' | 'common'; segment: string };

/** `notFoundError`: the OAuth error an unknown tenant gets on this endpoint (see aad.tenantNotFound). */
export function resolveTenantPath(store: SimStore, segment: string, notFoundError: 'invalid_tenant' | 'invalid_request' = 'invalid_tenant'): TenantPath {
  const lower = segment.toLowerCase();
  if (lower === 'organizations' || lower === 'common') return { kind: lower, segment: lower };
  const tenant = store.getTenant(segment);
  if (!tenant) throw aad.tenantNotFound(segment, notFoundError);
  return { kind: 'tenant', segment, tenant };
}

/** Client credentials must name one tenant: the multi-tenant aliases are refused. */
export function requireConcreteTenant(path: TenantPath, flow: string): SimTenant {
  if (path.kind !== 'tenant') throw aad.tenantRequired(path.segment, flow);
  return path.tenant;
}

/** The tenant a user's UPN belongs to, by its domain. */
export function tenantOfUpn(store: SimStore, upn: string): SimTenant | undefined {
  const at = upn.lastIndexOf('@');
  return at > 0 ? store.getTenant(upn.slice(at + 1)) : undefined;
}
