/**
 * The simulator's in-memory directory model. Property names are Microsoft Graph v1.0's own
 * (see ../shared/reference/graph-v1.0-metadata.xml), so an entity serialises to Graph JSON by picking
 * properties. Nothing here is shared with the gateway's graph/ or identity/ code.
 */

export type ObjectKind = 'user' | 'group' | 'servicePrincipal' | 'application' | 'directoryRole';

export interface AssignedLicense {
  skuId: string;
  disabledPlans: string[];
}

export interface PasswordProfile {
  password?: string | null;
  forceChangePasswordNextSignIn?: boolean;
}

export interface SimUser {
  id: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  userPrincipalName: string;
  mail: string | null;
  mailNickname: string;
  department: string | null;
  jobTitle: string | null;
  officeLocation: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  preferredLanguage: string | null;
  usageLocation: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  createdDateTime: string;
  assignedLicenses: AssignedLicense[];
  /** Never serialised: Graph never echoes a password. */
  passwordProfile?: PasswordProfile;
}

export interface SimGroup {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mail: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  /** "Unified" = Microsoft 365 group; "DynamicMembership" = dynamic. */
  groupTypes: string[];
  membershipRule: string | null;
  membershipRuleProcessingState: 'On' | 'Paused' | null;
  visibility: string | null;
  /** True: a role-assignable group (a directory role assigned to it is held by its direct members); set only at creation. */
  isAssignableToRole: boolean | null;
  createdDateTime: string;
}

export interface PasswordCredential {
  displayName: string | null;
  endDateTime: string | null;
  hint: string | null;
  keyId: string;
  startDateTime: string | null;
  /** Only returned by addPassword. */
  secretText?: string | null;
}

export interface KeyCredential {
  displayName: string | null;
  endDateTime: string | null;
  keyId: string;
  startDateTime: string | null;
  type: string;
  usage: string;
  customKeyIdentifier: string | null;
  key: string | null;
}

export interface AppRole {
  id: string;
  value: string | null;
  displayName: string | null;
  description: string | null;
  allowedMemberTypes: string[];
  isEnabled: boolean;
}

export interface PermissionScope {
  id: string;
  value: string | null;
  adminConsentDisplayName: string | null;
  adminConsentDescription: string | null;
  type: string | null;
  isEnabled: boolean;
}

export interface SimApplication {
  id: string;
  appId: string;
  displayName: string;
  signInAudience: string | null;
  createdDateTime: string;
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
  identifierUris: string[];
}

export interface SimServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  servicePrincipalType: string | null;
  accountEnabled: boolean;
  appOwnerOrganizationId: string | null;
  appRoles: AppRole[];
  oauth2PermissionScopes: PermissionScope[];
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
  tags: string[];
}

export interface SimAppRoleAssignment {
  id: string;
  appRoleId: string;
  principalId: string;
  principalType: 'User' | 'Group' | 'ServicePrincipal';
  principalDisplayName: string | null;
  resourceId: string;
  resourceDisplayName: string | null;
  createdDateTime: string;
}

export interface SimOAuth2PermissionGrant {
  id: string;
  clientId: string;
  consentType: 'AllPrincipals' | 'Principal';
  principalId: string | null;
  resourceId: string;
  scope: string;
}

/** Graph's unifiedRolePermission: the actions a role allows (and, for some, excludes). */
export interface SimRolePermission {
  allowedResourceActions: string[];
  excludedResourceActions: string[];
  condition: string | null;
}

/** A role definition: built-in (id = template id) or custom (isBuiltIn false, its own id). */
export interface SimRoleDefinition {
  id: string;
  templateId: string;
  displayName: string;
  description: string | null;
  isBuiltIn: boolean;
  isEnabled: boolean;
  resourceScopes: string[];
  rolePermissions: SimRolePermission[];
  version: string | null;
}

/** An activated directory role (tenant-specific id); only activated roles are listed by /directoryRoles. */
export interface SimDirectoryRole {
  id: string;
  roleTemplateId: string;
  displayName: string;
  description: string | null;
  memberIds: string[];
}

export interface SimRoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  /**
   * How Privileged Identity Management holds it (roleAssignmentSchedules): absent = assigned permanently
   * since `createdDateTime` of the tenant; Activated = an eligible assignment turned on until endDateTime.
   */
  schedule?: SimRoleSchedule & { assignmentType: 'Assigned' | 'Activated' };
}

/** PIM schedule fields shared by eligible and active assignments (Graph's requestSchedule, simplified to what Entra returns). */
export interface SimRoleSchedule {
  createdDateTime: string;
  startDateTime: string;
  /** Null = noExpiration. */
  endDateTime: string | null;
  memberType: 'Direct' | 'Group' | 'Inherited';
}

/** A PIM-eligible assignment (roleEligibilitySchedules): the principal may activate the role until endDateTime. */
export interface SimRoleEligibilitySchedule extends SimRoleSchedule {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}

export interface SimConditionalAccessPolicy {
  id: string;
  displayName: string;
  state: 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced';
  createdDateTime: string;
  modifiedDateTime: string | null;
  conditions: {
    applications: { includeApplications: string[]; excludeApplications: string[]; includeUserActions: string[] };
    users: {
      includeUsers: string[];
      excludeUsers: string[];
      includeGroups: string[];
      excludeGroups: string[];
      includeRoles: string[];
      excludeRoles: string[];
    };
    clientAppTypes: string[];
    platforms: null | { includePlatforms: string[]; excludePlatforms: string[] };
    locations: null | { includeLocations: string[]; excludeLocations: string[] };
    signInRiskLevels: string[];
    userRiskLevels: string[];
  };
  grantControls: null | {
    operator: 'AND' | 'OR';
    builtInControls: string[];
    customAuthenticationFactors: string[];
    termsOfUse: string[];
    authenticationStrength?: { id: string; displayName: string } | null;
  };
  sessionControls: null | Record<string, unknown>;
}

export interface SimOrganization {
  id: string;
  displayName: string;
  verifiedDomains: { name: string; isDefault: boolean; isInitial: boolean; type: string; capabilities: string }[];
  tenantType: string;
  createdDateTime: string;
}

/** One simulated customer directory. Memberships are direct edges group -> member (user, group or SP). */
export interface SimTenant {
  id: string;
  organization: SimOrganization;
  users: Map<string, SimUser>;
  groups: Map<string, SimGroup>;
  /** groupId -> ordered set of direct member ids */
  members: Map<string, Set<string>>;
  applications: Map<string, SimApplication>;
  servicePrincipals: Map<string, SimServicePrincipal>;
  appRoleAssignments: Map<string, SimAppRoleAssignment>;
  oauth2PermissionGrants: Map<string, SimOAuth2PermissionGrant>;
  roleDefinitions: Map<string, SimRoleDefinition>;
  directoryRoles: Map<string, SimDirectoryRole>;
  roleAssignments: Map<string, SimRoleAssignment>;
  roleEligibilitySchedules: Map<string, SimRoleEligibilitySchedule>;
  conditionalAccessPolicies: Map<string, SimConditionalAccessPolicy>;
  /** Soft-deleted users and groups (restorable); Graph answers 404 for them. `object` is the entity as it was. */
  deletedItems: Map<string, DeletedItem>;
  /** How the generator built the tenant, so the control API can name its well-known objects. */
  generatedBy?: { preset: 'verafield' | 'scale'; seed: number; productAppId?: string };
}

/**
 * What a soft-deleted object held when it was deleted, so that a restore brings it back: Microsoft keeps
 * "all properties, including ObjectID, group memberships, roles, licenses, and application assignments" of a
 * soft-deleted user or Microsoft 365 group (entra-docs architecture/recover-from-deletions.md).
 */
export interface DeletedLinks {
  /** Groups it was a direct member of. */
  memberOf: string[];
  /** Activated directory roles it was a member of. */
  directoryRoleIds: string[];
  roleAssignments: SimRoleAssignment[];
  appRoleAssignments: SimAppRoleAssignment[];
  /** A group's own direct members. */
  members: string[];
}

export type DeletedItem =
  | { kind: 'user'; deletedAt: string; object: SimUser; links: DeletedLinks }
  | { kind: 'group'; deletedAt: string; object: SimGroup; links: DeletedLinks };
