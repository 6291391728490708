/** The GraphQL selections the security tests send, and the result shapes they read. */

export const PRINCIPAL = `
  __typename
  ... on User { id displayName userPrincipalName accountEnabled userType department }
  ... on Group { id displayName }
  ... on ServicePrincipal { id appId displayName }
`;

const HOLDING = 'id roleName state via viaGroup { id displayName } startsAt endsAt permanent';

export const ROLES = `
  directoryRoles { id displayName description roleTemplateId privileged members { ${PRINCIPAL} } holders { principalId ${HOLDING} } }
  roleAssignments { id principalId roleDefinitionId roleName directoryScopeId privileged customRole privilegedPermissions principal { ${PRINCIPAL} } }
  privilegedUsers { principalId roles eligibleRoles principal { ${PRINCIPAL} } assignments { ${HOLDING} } }
`;

export const POLICIES = `
  conditionalAccessPolicies {
    id displayName state createdAt modifiedAt
    conditions {
      applications { includesAllApplications includeApplications excludeApplications }
      users {
        includesAllUsers includesGuestsOrExternalUsers excludesGuestsOrExternalUsers
        includeUsers excludeUsers includeGroups excludeGroups includeRoles excludeRoles
      }
      clientAppTypes
      platforms { include exclude }
      locations { include exclude }
      signInRiskLevels userRiskLevels
    }
    grantControls { operator builtInControls authenticationStrength { id displayName } customAuthenticationFactors termsOfUse }
  }
`;

const FINDING = 'policyId displayName state grant reason';

export const MFA = `
  mfaEnforcement(appId: $appId) {
    appId enforced
    coverage { allUsers users groups roles guests }
    exclusions { users groups roles guests overlaps { principals { kind id } } appExcludedBy { ${FINDING} } }
    decidingPolicies { ${FINDING} }
    blockingPolicies { ${FINDING} }
    partialPolicies { ${FINDING} }
    reportOnlyPolicies { ${FINDING} }
    disabledPolicies { ${FINDING} }
  }
`;

export const CREDENTIALS = 'credentials { type displayName keyId startsAt endsAt expiresInDays status } soonestExpiry { keyId displayName expiresInDays status }';

export const PERMISSIONS = `
  appRoleAssignments {
    id appRoleId permission permissionDisplayName resourceId resourceDisplayName resourceAppId
    principalId principalType principalDisplayName grantedAt
  }
  oauth2PermissionGrants { id clientId consentType principalId resourceId resourceDisplayName scopes }
`;

export interface Principal {
  __typename: 'User' | 'Group' | 'ServicePrincipal';
  id: string;
  displayName: string | null;
  userPrincipalName?: string | null;
  appId?: string | null;
}

export interface CredentialView {
  type: 'PASSWORD' | 'CERTIFICATE';
  displayName: string | null;
  keyId: string | null;
  startsAt: string | null;
  endsAt: string | null;
  expiresInDays: number | null;
  status: 'VALID' | 'EXPIRING_SOON' | 'EXPIRED';
}

export interface Finding {
  policyId: string;
  displayName: string;
  state: string;
  grant: string;
  reason: string;
}

export interface MfaView {
  appId: string;
  enforced: string;
  coverage: { allUsers: boolean; users: string[]; groups: string[]; roles: string[]; guests: boolean };
  exclusions: {
    users: string[];
    groups: string[];
    roles: string[];
    guests: boolean;
    overlaps: Array<{ principals: Array<{ kind: string; id: string | null }> }>;
    appExcludedBy: Finding[];
  };
  decidingPolicies: Finding[];
  blockingPolicies: Finding[];
  partialPolicies: Finding[];
  reportOnlyPolicies: Finding[];
  disabledPolicies: Finding[];
}

export interface AppView {
  id: string;
  appId: string;
  displayName: string;
  credentials: CredentialView[];
  soonestExpiry: Pick<CredentialView, 'keyId' | 'displayName' | 'expiresInDays' | 'status'> | null;
  appRoleAssignments: Array<Record<string, unknown> & { permission: string | null }>;
  oauth2PermissionGrants: Array<Record<string, unknown> & { scopes: string[] }>;
}

export interface Page<T> {
  totalCount: number | null;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Array<{ cursor: string; node: T }>;
}

export interface Holding {
  id: string;
  roleName: string;
  state: string;
  via: string;
  viaGroup: { id: string; displayName: string | null } | null;
  startsAt: string | null;
  endsAt: string | null;
  permanent: boolean;
}

export interface RolesView {
  directoryRoles: Array<{ id: string; displayName: string; description: string; roleTemplateId: string; privileged: boolean; members: Principal[]; holders: Array<Holding & { principalId: string }> }>;
  roleAssignments: Array<{ id: string; principalId: string; roleDefinitionId: string; roleName: string; directoryScopeId: string; privileged: boolean; customRole: boolean; privilegedPermissions: string[]; principal: Principal }>;
  privilegedUsers: Array<{ principalId: string; roles: string[]; eligibleRoles: string[]; principal: Principal; assignments: Holding[] }>;
}

export interface PolicyView {
  id: string;
  displayName: string;
  state: string;
  createdAt: string;
  modifiedAt: string | null;
  conditions: Record<string, any>;
  grantControls: Record<string, any> | null;
}
