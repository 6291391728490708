/** What the control API returns for tenants and directory objects. */
import type { SimTenant, SimUser } from '../model';
import { verafieldFixture, type VerafieldFixture } from '../generator';

export interface TenantCounts {
  users: number;
  groups: number;
  memberships: number;
  applications: number;
  servicePrincipals: number;
  conditionalAccessPolicies: number;
  directoryRoles: number;
  deletedItems: number;
}

export interface TenantSummary {
  tenantId: string;
  displayName: string;
  domains: string[];
  counts: TenantCounts;
}

export interface TenantDetail extends TenantSummary {
  preset: 'verafield' | 'scale' | null;
  /** Ids of Verafield's well-known objects; only for tenants of the 'verafield' preset. */
  fixture?: VerafieldFixture;
}

export function tenantSummary(t: SimTenant): TenantSummary {
  let memberships = 0;
  for (const members of t.members.values()) memberships += members.size;
  return {
    tenantId: t.id,
    displayName: t.organization.displayName,
    domains: t.organization.verifiedDomains.map((d) => d.name),
    counts: {
      users: t.users.size,
      groups: t.groups.size,
      memberships,
      applications: t.applications.size,
      servicePrincipals: t.servicePrincipals.size,
      conditionalAccessPolicies: t.conditionalAccessPolicies.size,
      directoryRoles: t.directoryRoles.size,
      deletedItems: t.deletedItems.size,
    },
  };
}

export function tenantDetail(t: SimTenant): TenantDetail {
  const origin = t.generatedBy;
  const fixture =
    origin?.preset === 'verafield' ? verafieldFixture({ tenantId: t.id, seed: origin.seed, productAppId: origin.productAppId }) : undefined;
  return { ...tenantSummary(t), preset: origin?.preset ?? null, ...(fixture && { fixture }) };
}

/** A user as Graph would show it: never the password. */
export function userView(user: SimUser): Omit<SimUser, 'passwordProfile'> {
  const { passwordProfile: _hidden, ...visible } = user;
  return visible;
}
