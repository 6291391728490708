/**
 * What the Graph endpoints know about each entity type they emit: Graph's type name, the properties the
 * simulator holds (names and Edm types from the v1.0 CSDL), the default $select, and which $filter /
 * $orderby / $search forms work without advanced query parameters (graph-facts §2).
 *
 * $select accepts every structural property Microsoft documents for the type (the CSDL, kept in
 * metadata/documented-properties.json); one the simulator does not model is answered as null, as Graph answers
 * a property that has no value. Only a name the type does not have is refused.
 */
import DOCUMENTED from './metadata/documented-properties.json';
export type EdmType =
  | 'Edm.String'
  | 'Edm.Boolean'
  | 'Edm.DateTimeOffset'
  | 'Edm.Guid'
  | 'Collection(Edm.String)'
  | 'Complex'
  | 'Collection(Complex)';

/** eq also grants `in`; ne, not, endsWith and ranges always need advanced query parameters. */
export type FilterCapability = 'eq' | 'startsWith';

export interface EntityType {
  /** e.g. microsoft.graph.user */
  readonly typeName: string;
  /** Name used in Graph's filter error messages, e.g. User. */
  readonly resourceName: string;
  readonly properties: Readonly<Record<string, EdmType>>;
  /** Returned without $select; undefined = every property. */
  readonly defaultSelect?: readonly string[];
  /** Properties Graph accepts in $select but never returns a value for (write-only secrets). */
  readonly writeOnly?: readonly string[];
  /** Filter forms that work by default. */
  readonly filter: Readonly<Record<string, readonly FilterCapability[]>>;
  /** Extra properties filterable only as an advanced query. */
  readonly advancedFilter?: readonly string[];
  /** Collection properties filterable with any(); `element` is the property compared inside the lambda. */
  readonly lambdas?: Readonly<Record<string, { element: string | null; type: EdmType }>>;
  /** $orderby that works by default (others need advanced query parameters). */
  readonly orderBy: readonly string[];
  readonly searchable?: readonly string[];
}

const S = 'Edm.String';
const B = 'Edm.Boolean';
const DT = 'Edm.DateTimeOffset';
const G = 'Edm.Guid';
const SS = 'Collection(Edm.String)';
const C = 'Complex';
const CC = 'Collection(Complex)';

export const USER: EntityType = {
  typeName: 'microsoft.graph.user',
  resourceName: 'User',
  properties: {
    id: S, displayName: S, givenName: S, surname: S, userPrincipalName: S, mail: S, mailNickname: S, department: S,
    jobTitle: S, officeLocation: S, mobilePhone: S, businessPhones: SS, preferredLanguage: S, usageLocation: S,
    accountEnabled: B, userType: S, createdDateTime: DT, assignedLicenses: CC, passwordProfile: C,
  },
  defaultSelect: [
    'businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation',
    'preferredLanguage', 'surname', 'userPrincipalName',
  ],
  writeOnly: ['passwordProfile'],
  filter: {
    accountEnabled: ['eq'], department: ['eq', 'startsWith'], displayName: ['eq', 'startsWith'], id: ['eq'],
    jobTitle: ['eq'], mail: ['eq', 'startsWith'], userPrincipalName: ['eq', 'startsWith'], userType: ['eq'],
    createdDateTime: ['eq'],
  },
  advancedFilter: ['givenName', 'surname', 'mailNickname', 'officeLocation', 'mobilePhone', 'usageLocation', 'preferredLanguage'],
  lambdas: { assignedLicenses: { element: 'skuId', type: G } },
  orderBy: ['displayName', 'userPrincipalName'],
  searchable: ['displayName', 'givenName', 'surname', 'mail', 'userPrincipalName', 'mailNickname'],
};

export const GROUP: EntityType = {
  typeName: 'microsoft.graph.group',
  resourceName: 'Group',
  properties: {
    id: S, displayName: S, description: S, mailNickname: S, mail: S, mailEnabled: B, securityEnabled: B,
    groupTypes: SS, membershipRule: S, membershipRuleProcessingState: S, visibility: S, createdDateTime: DT,
    isAssignableToRole: B,
  },
  filter: {
    id: ['eq'], displayName: ['eq', 'startsWith'], mailEnabled: ['eq'], securityEnabled: ['eq'], isAssignableToRole: ['eq'],
    mailNickname: ['eq', 'startsWith'], mail: ['eq', 'startsWith'],
  },
  advancedFilter: ['description', 'membershipRuleProcessingState', 'createdDateTime', 'visibility'],
  lambdas: { groupTypes: { element: null, type: S } },
  orderBy: ['displayName'],
  searchable: ['displayName', 'description', 'mail', 'mailNickname'],
};

export const SERVICE_PRINCIPAL: EntityType = {
  typeName: 'microsoft.graph.servicePrincipal',
  resourceName: 'ServicePrincipal',
  properties: {
    id: S, appId: S, displayName: S, servicePrincipalType: S, accountEnabled: B, appOwnerOrganizationId: G,
    appRoles: CC, oauth2PermissionScopes: CC, passwordCredentials: CC, keyCredentials: CC, tags: SS,
  },
  filter: { id: ['eq'], appId: ['eq'], displayName: ['eq', 'startsWith'], servicePrincipalType: ['eq'], accountEnabled: ['eq'] },
  lambdas: { tags: { element: null, type: S } },
  orderBy: ['displayName'],
  searchable: ['displayName'],
};

export const APPLICATION: EntityType = {
  typeName: 'microsoft.graph.application',
  resourceName: 'Application',
  properties: {
    id: S, appId: S, displayName: S, signInAudience: S, createdDateTime: DT, passwordCredentials: CC,
    keyCredentials: CC, identifierUris: SS,
  },
  filter: { id: ['eq'], appId: ['eq'], displayName: ['eq', 'startsWith'], signInAudience: ['eq'] },
  lambdas: { identifierUris: { element: null, type: S } },
  orderBy: ['displayName'],
  searchable: ['displayName'],
};

export const DIRECTORY_ROLE: EntityType = {
  typeName: 'microsoft.graph.directoryRole',
  resourceName: 'DirectoryRole',
  properties: { id: S, displayName: S, description: S, roleTemplateId: S },
  filter: { roleTemplateId: ['eq'], displayName: ['eq'], id: ['eq'] },
  orderBy: [],
};

export const ROLE_DEFINITION: EntityType = {
  typeName: 'microsoft.graph.unifiedRoleDefinition',
  resourceName: 'UnifiedRoleDefinition',
  properties: { id: S, templateId: S, displayName: S, description: S, isBuiltIn: B, isEnabled: B, resourceScopes: SS, rolePermissions: CC, version: S },
  filter: { id: ['eq'], templateId: ['eq'], displayName: ['eq', 'startsWith'], isBuiltIn: ['eq'] },
  orderBy: ['displayName'],
};

export const ROLE_ASSIGNMENT: EntityType = {
  typeName: 'microsoft.graph.unifiedRoleAssignment',
  resourceName: 'UnifiedRoleAssignment',
  properties: { id: S, principalId: S, roleDefinitionId: S, directoryScopeId: S },
  filter: { id: ['eq'], principalId: ['eq'], roleDefinitionId: ['eq'], directoryScopeId: ['eq'] },
  orderBy: [],
};

/** PIM schedules (graph-facts §12): unifiedRoleEligibilitySchedule and unifiedRoleAssignmentSchedule. */
const ROLE_SCHEDULE_PROPERTIES = {
  id: S, principalId: S, roleDefinitionId: S, directoryScopeId: S, appScopeId: S, createdDateTime: DT, modifiedDateTime: DT,
  createdUsing: S, status: S, memberType: S, scheduleInfo: C,
} as const;
const ROLE_SCHEDULE_FILTER = { id: ['eq'], principalId: ['eq'], roleDefinitionId: ['eq'], directoryScopeId: ['eq'], memberType: ['eq'], status: ['eq'] } as const;

export const ROLE_ELIGIBILITY_SCHEDULE: EntityType = {
  typeName: 'microsoft.graph.unifiedRoleEligibilitySchedule',
  resourceName: 'UnifiedRoleEligibilitySchedule',
  properties: ROLE_SCHEDULE_PROPERTIES,
  filter: ROLE_SCHEDULE_FILTER,
  orderBy: [],
};

export const ROLE_ASSIGNMENT_SCHEDULE: EntityType = {
  typeName: 'microsoft.graph.unifiedRoleAssignmentSchedule',
  resourceName: 'UnifiedRoleAssignmentSchedule',
  properties: { ...ROLE_SCHEDULE_PROPERTIES, assignmentType: S },
  filter: { ...ROLE_SCHEDULE_FILTER, assignmentType: ['eq'] },
  orderBy: [],
};

export const CONDITIONAL_ACCESS_POLICY: EntityType = {
  typeName: 'microsoft.graph.conditionalAccessPolicy',
  resourceName: 'ConditionalAccessPolicy',
  properties: {
    id: S, displayName: S, state: S, createdDateTime: DT, modifiedDateTime: DT, conditions: C, grantControls: C,
    sessionControls: C,
  },
  filter: { id: ['eq'], displayName: ['eq', 'startsWith'], state: ['eq'] },
  orderBy: ['displayName', 'createdDateTime', 'modifiedDateTime'],
};

export const APP_ROLE_ASSIGNMENT: EntityType = {
  typeName: 'microsoft.graph.appRoleAssignment',
  resourceName: 'AppRoleAssignment',
  properties: {
    id: S, appRoleId: G, principalId: G, principalType: S, principalDisplayName: S, resourceId: G,
    resourceDisplayName: S, createdDateTime: DT,
  },
  filter: { resourceId: ['eq'], appRoleId: ['eq'], principalId: ['eq'] },
  orderBy: [],
};

export const OAUTH2_PERMISSION_GRANT: EntityType = {
  typeName: 'microsoft.graph.oAuth2PermissionGrant',
  resourceName: 'OAuth2PermissionGrant',
  properties: { id: S, clientId: S, consentType: S, principalId: S, resourceId: S, scope: S },
  filter: { clientId: ['eq'], consentType: ['eq'], principalId: ['eq'], resourceId: ['eq'] },
  orderBy: [],
};

export const ORGANIZATION: EntityType = {
  typeName: 'microsoft.graph.organization',
  resourceName: 'Organization',
  properties: { id: S, displayName: S, verifiedDomains: CC, tenantType: S, createdDateTime: DT },
  filter: {},
  orderBy: [],
};

/** Members / memberOf collections mix types; their $select is checked against the union of the members' types. */
export const DIRECTORY_OBJECT: EntityType = {
  typeName: 'microsoft.graph.directoryObject',
  resourceName: 'DirectoryObject',
  properties: { ...SERVICE_PRINCIPAL.properties, ...DIRECTORY_ROLE.properties, ...GROUP.properties, ...USER.properties },
  writeOnly: USER.writeOnly,
  filter: { id: ['eq'] },
  advancedFilter: ['displayName', 'userPrincipalName', 'mail', 'userType', 'accountEnabled', 'securityEnabled', 'mailEnabled'],
  orderBy: [],
  searchable: ['displayName', 'mail', 'userPrincipalName'],
};

/** Which entity type describes an object of a directory kind (for @odata.type and default properties). */
export const ENTITY_OF_KIND = {
  user: USER,
  group: GROUP,
  servicePrincipal: SERVICE_PRINCIPAL,
  application: APPLICATION,
  directoryRole: DIRECTORY_ROLE,
} as const;

export function odataType(entity: EntityType): string {
  return `#${entity.typeName}`;
}

const DOCUMENTED_BY_TYPE = DOCUMENTED as Readonly<Record<string, readonly string[]>>;
const documentedSets = new Map<string, ReadonlySet<string>>();

/**
 * Whether $select may name `property` on the entity: one the simulator models, or one Microsoft documents for
 * the type (a directoryObject collection: for any type it holds). The documented sets are built once per type.
 */
export function selectable(entity: EntityType, property: string): boolean {
  if (property in entity.properties) return true;
  let set = documentedSets.get(entity.typeName);
  if (!set) {
    const typeNames = entity.typeName === DIRECTORY_OBJECT.typeName ? Object.values(ENTITY_OF_KIND).map((e) => e.typeName) : [entity.typeName];
    set = new Set(typeNames.flatMap((t) => DOCUMENTED_BY_TYPE[t] ?? []));
    documentedSets.set(entity.typeName, set);
  }
  return set.has(property);
}
