/**
 * Builds a SimTenant object by object for the presets. Every id is derived from a label (see random.ts), and
 * every date from the `now` the tenant is generated for, so equal inputs give equal tenants.
 */
import type {
  KeyCredential,
  PasswordCredential,
  SimApplication,
  SimConditionalAccessPolicy,
  SimGroup,
  SimServicePrincipal,
  SimTenant,
  SimUser,
} from '../model';
import type { BuiltInRole } from './catalog';
import { MICROSOFT_SERVICES_TENANT_ID } from './catalog';
import { GRAPH_APP_ID, GRAPH_DISPLAY_NAME, graphAppRoles, graphPermissionScopes } from './graph-permissions';
import { idFactory, linkIdFactory } from './random';

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface TenantSpec {
  tenantId: string;
  displayName: string;
  /** The first is the default domain; the last is the initial *.onmicrosoft.com domain. */
  domains: string[];
  seed: number;
  now: number;
}

export interface UserSpec {
  label: string;
  givenName: string;
  surname: string;
  /** Local part of the UPN; the domain is the tenant's default unless `domain` says otherwise. */
  upnLocal: string;
  domain?: string;
  department: string | null;
  jobTitle: string | null;
  officeLocation?: string | null;
  accountEnabled?: boolean;
  licenses?: string[];
  createdDaysAgo: number;
}

export interface GuestSpec {
  label: string;
  displayName: string;
  /** The guest's own e-mail address in their home organisation. */
  email: string;
  createdDaysAgo: number;
}

/** The five shapes of group Graph distinguishes by groupTypes / mailEnabled / securityEnabled. */
export type GroupKind = 'security' | 'mailSecurity' | 'distribution' | 'unified' | 'dynamic';

export interface GroupSpec {
  label: string;
  displayName: string;
  kind: GroupKind;
  description?: string;
  membershipRule?: string;
  visibility?: 'Public' | 'Private';
  /** A role-assignable group (isAssignableToRole true): roles assigned to it are held by its members. */
  roleAssignable?: boolean;
  createdDaysAgo: number;
}

export interface CredentialSpec {
  label: string;
  displayName: string;
  /** Relative to `now`: negative = already expired. */
  expiresInDays: number;
  validForDays: number;
}

export class TenantBuilder {
  readonly tenant: SimTenant;
  readonly id: (label: string) => string;
  readonly linkId: (label: string) => string;
  readonly defaultDomain: string;
  readonly initialDomain: string;
  private readonly now: number;

  constructor(spec: TenantSpec) {
    const namespace = `${spec.tenantId}/${spec.seed}`;
    this.id = idFactory(namespace);
    this.linkId = linkIdFactory(namespace);
    this.now = spec.now;
    this.defaultDomain = spec.domains[0];
    this.initialDomain = spec.domains[spec.domains.length - 1];
    this.tenant = {
      id: spec.tenantId,
      organization: {
        id: spec.tenantId,
        displayName: spec.displayName,
        verifiedDomains: spec.domains.map((name) => ({
          name,
          isDefault: name === this.defaultDomain,
          isInitial: name === this.initialDomain,
          type: 'Managed',
          capabilities: 'Email, OfficeCommunicationsOnline',
        })),
        tenantType: 'AAD',
        createdDateTime: this.daysAgo(6 * 365),
      },
      users: new Map(),
      groups: new Map(),
      members: new Map(),
      applications: new Map(),
      servicePrincipals: new Map(),
      appRoleAssignments: new Map(),
      oauth2PermissionGrants: new Map(),
      roleDefinitions: new Map(),
      directoryRoles: new Map(),
      roleAssignments: new Map(),
      roleEligibilitySchedules: new Map(),
      conditionalAccessPolicies: new Map(),
      deletedItems: new Map(),
    };
  }

  daysAgo(days: number): string {
    return new Date(this.now - days * DAY_MS).toISOString();
  }

  addUser(spec: UserSpec): SimUser {
    const upn = `${spec.upnLocal}@${spec.domain ?? this.defaultDomain}`;
    return this.putUser({
      id: this.id(spec.label),
      displayName: `${spec.givenName} ${spec.surname}`,
      givenName: spec.givenName,
      surname: spec.surname,
      userPrincipalName: upn,
      mail: spec.licenses?.length ? upn : null,
      mailNickname: spec.upnLocal,
      department: spec.department,
      jobTitle: spec.jobTitle,
      officeLocation: spec.officeLocation ?? null,
      mobilePhone: null,
      businessPhones: [],
      preferredLanguage: 'en-US',
      usageLocation: 'US',
      accountEnabled: spec.accountEnabled ?? true,
      userType: 'Member',
      createdDateTime: this.daysAgo(spec.createdDaysAgo),
      assignedLicenses: (spec.licenses ?? []).map((skuId) => ({ skuId, disabledPlans: [] })),
    });
  }

  /** A B2B guest: UPN `{email with @ as _}#EXT#@{initial domain}`, as Entra writes it. */
  addGuest(spec: GuestSpec): SimUser {
    const local = `${spec.email.replace('@', '_')}#EXT#`;
    return this.putUser({
      id: this.id(spec.label),
      displayName: spec.displayName,
      givenName: null,
      surname: null,
      userPrincipalName: `${local}@${this.initialDomain}`,
      mail: spec.email,
      mailNickname: spec.email.replace('@', '_'),
      department: null,
      jobTitle: null,
      officeLocation: null,
      mobilePhone: null,
      businessPhones: [],
      preferredLanguage: null,
      usageLocation: null,
      accountEnabled: true,
      userType: 'Guest',
      createdDateTime: this.daysAgo(spec.createdDaysAgo),
      assignedLicenses: [],
    });
  }

  addGroup(spec: GroupSpec): SimGroup {
    const mailNickname = spec.displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    const mailEnabled = spec.kind === 'unified' || spec.kind === 'mailSecurity' || spec.kind === 'distribution';
    const group: SimGroup = {
      id: this.id(spec.label),
      displayName: spec.displayName,
      description: spec.description ?? null,
      mailNickname,
      mail: mailEnabled ? `${mailNickname}@${this.defaultDomain}` : null,
      mailEnabled,
      securityEnabled: spec.kind !== 'distribution' && spec.kind !== 'unified',
      groupTypes: spec.kind === 'unified' ? ['Unified'] : spec.kind === 'dynamic' ? ['DynamicMembership'] : [],
      membershipRule: spec.membershipRule ?? null,
      membershipRuleProcessingState: spec.kind === 'dynamic' ? 'On' : null,
      visibility: spec.kind === 'unified' ? (spec.visibility ?? 'Public') : null,
      isAssignableToRole: spec.roleAssignable ? true : null,
      createdDateTime: this.daysAgo(spec.createdDaysAgo),
    };
    this.tenant.groups.set(group.id, group);
    this.tenant.members.set(group.id, new Set());
    return group;
  }

  addMembers(groupId: string, memberIds: Iterable<string>): void {
    const members = this.tenant.members.get(groupId);
    if (!members) throw new Error(`addMembers: expected an existing group id, got '${groupId}'`);
    for (const id of memberIds) members.add(id);
  }

  /** Every built-in role is defined in every tenant; only roles with holders are activated (directoryRoles). */
  defineRoles(roles: readonly BuiltInRole[]): void {
    for (const r of roles) {
      this.tenant.roleDefinitions.set(r.templateId, {
        id: r.templateId,
        templateId: r.templateId,
        displayName: r.displayName,
        description: r.description,
        isBuiltIn: true,
        isEnabled: true,
        resourceScopes: ['/'],
        rolePermissions: [{ allowedResourceActions: [...r.allowedResourceActions], excludedResourceActions: [], condition: null }],
        version: '1',
      });
    }
  }

  /** A custom role definition (isBuiltIn false): its id is its own, and its templateId the same id, as Entra does. */
  defineCustomRole(label: string, spec: { displayName: string; description: string; allowedResourceActions: string[] }): string {
    const id = this.id(`roleDefinition:${label}`);
    this.tenant.roleDefinitions.set(id, {
      id,
      templateId: id,
      displayName: spec.displayName,
      description: spec.description,
      isBuiltIn: false,
      isEnabled: true,
      resourceScopes: ['/'],
      rolePermissions: [{ allowedResourceActions: [...spec.allowedResourceActions], excludedResourceActions: [], condition: null }],
      version: null,
    });
    return id;
  }

  /** Active assignments of a role definition by id (custom roles are not directory roles: /directoryRoles never lists them). */
  assignRoleDefinition(roleDefinitionId: string, principalIds: string[]): void {
    for (const principalId of principalIds) {
      const id = this.linkId(`roleAssignment:${roleDefinitionId}:${principalId}`);
      this.tenant.roleAssignments.set(id, { id, principalId, roleDefinitionId, directoryScopeId: '/' });
    }
  }

  assignRole(role: BuiltInRole, principalIds: string[]): void {
    this.tenant.directoryRoles.set(this.id(`directoryRole:${role.templateId}`), {
      id: this.id(`directoryRole:${role.templateId}`),
      roleTemplateId: role.templateId,
      displayName: role.displayName,
      description: role.description,
      memberIds: [...principalIds],
    });
    for (const principalId of principalIds) {
      const id = this.linkId(`roleAssignment:${role.templateId}:${principalId}`);
      this.tenant.roleAssignments.set(id, { id, principalId, roleDefinitionId: role.templateId, directoryScopeId: '/' });
    }
  }

  /**
   * A PIM-eligible assignment of a built-in role (tenant-wide), from `startDaysAgo` until `endInDays` from now
   * (null: no expiration). Eligible roles are not activated and do not show in directoryRoles or roleAssignments.
   */
  makeEligible(role: BuiltInRole, principalId: string, startDaysAgo: number, endInDays: number | null): void {
    const id = this.linkId(`roleEligibilitySchedule:${role.templateId}:${principalId}`);
    const start = this.daysAgo(startDaysAgo);
    this.tenant.roleEligibilitySchedules.set(id, {
      id,
      principalId,
      roleDefinitionId: role.templateId,
      directoryScopeId: '/',
      createdDateTime: start,
      startDateTime: start,
      endDateTime: endInDays === null ? null : this.daysAgo(-endInDays),
      memberType: 'Direct',
    });
  }

  addGraphServicePrincipal(): SimServicePrincipal {
    return this.putServicePrincipal('sp:microsoft-graph', {
      appId: GRAPH_APP_ID,
      displayName: GRAPH_DISPLAY_NAME,
      appOwnerOrganizationId: MICROSOFT_SERVICES_TENANT_ID,
      appRoles: graphAppRoles(),
      oauth2PermissionScopes: graphPermissionScopes(),
      tags: [],
    });
  }

  /** An app registration of this tenant and its service principal. */
  addApplication(
    label: string,
    spec: { appId: string; displayName: string; passwords?: CredentialSpec[]; certificates?: CredentialSpec[] },
  ): { application: SimApplication; servicePrincipal: SimServicePrincipal } {
    const application: SimApplication = {
      id: this.id(`application:${label}`),
      appId: spec.appId,
      displayName: spec.displayName,
      signInAudience: 'AzureADMyOrg',
      createdDateTime: this.daysAgo(400),
      passwordCredentials: (spec.passwords ?? []).map((c) => this.password(c)),
      keyCredentials: (spec.certificates ?? []).map((c) => this.certificate(c)),
      identifierUris: [],
    };
    this.tenant.applications.set(application.id, application);
    const servicePrincipal = this.putServicePrincipal(`sp:${label}`, {
      appId: spec.appId,
      displayName: spec.displayName,
      appOwnerOrganizationId: this.tenant.id,
    });
    return { application, servicePrincipal };
  }

  /** A service principal of an app registered elsewhere (a third-party multi-tenant app). */
  addForeignServicePrincipal(
    label: string,
    spec: { appId: string; displayName: string; ownerTenantId: string; certificates?: CredentialSpec[] },
  ): SimServicePrincipal {
    return this.putServicePrincipal(`sp:${label}`, {
      appId: spec.appId,
      displayName: spec.displayName,
      appOwnerOrganizationId: spec.ownerTenantId,
      keyCredentials: (spec.certificates ?? []).map((c) => this.certificate(c)),
    });
  }

  grantDelegated(clientSpId: string, resourceSpId: string, scopes: string[], principalId: string | null = null): void {
    const id = this.linkId(`grant:${clientSpId}:${resourceSpId}:${principalId ?? 'all'}`);
    this.tenant.oauth2PermissionGrants.set(id, {
      id,
      clientId: clientSpId,
      consentType: principalId ? 'Principal' : 'AllPrincipals',
      principalId,
      resourceId: resourceSpId,
      scope: scopes.join(' '),
    });
  }

  assignAppRoles(client: SimServicePrincipal, resource: SimServicePrincipal, values: string[]): void {
    for (const value of values) {
      const role = resource.appRoles.find((r) => r.value === value);
      if (!role) throw new Error(`assignAppRoles: ${resource.displayName} has no app role '${value}'`);
      const id = this.linkId(`appRoleAssignment:${client.id}:${role.id}`);
      this.tenant.appRoleAssignments.set(id, {
        id,
        appRoleId: role.id,
        principalId: client.id,
        principalType: 'ServicePrincipal',
        principalDisplayName: client.displayName,
        resourceId: resource.id,
        resourceDisplayName: resource.displayName,
        createdDateTime: this.daysAgo(200),
      });
    }
  }

  addPolicy(
    label: string,
    spec: Pick<SimConditionalAccessPolicy, 'displayName' | 'state'> & {
      applications: Partial<SimConditionalAccessPolicy['conditions']['applications']>;
      users: Partial<SimConditionalAccessPolicy['conditions']['users']>;
      clientAppTypes?: string[];
      grant: { operator?: 'AND' | 'OR'; builtInControls: string[] };
    },
  ): SimConditionalAccessPolicy {
    const policy: SimConditionalAccessPolicy = {
      id: this.id(`policy:${label}`),
      displayName: spec.displayName,
      state: spec.state,
      createdDateTime: this.daysAgo(300),
      modifiedDateTime: this.daysAgo(30),
      conditions: {
        applications: { includeApplications: [], excludeApplications: [], includeUserActions: [], ...spec.applications },
        users: {
          includeUsers: [],
          excludeUsers: [],
          includeGroups: [],
          excludeGroups: [],
          includeRoles: [],
          excludeRoles: [],
          ...spec.users,
        },
        clientAppTypes: spec.clientAppTypes ?? ['all'],
        platforms: null,
        locations: null,
        signInRiskLevels: [],
        userRiskLevels: [],
      },
      grantControls: {
        operator: spec.grant.operator ?? 'OR',
        builtInControls: spec.grant.builtInControls,
        customAuthenticationFactors: [],
        termsOfUse: [],
        authenticationStrength: null,
      },
      sessionControls: null,
    };
    this.tenant.conditionalAccessPolicies.set(policy.id, policy);
    return policy;
  }

  private putUser(user: SimUser): SimUser {
    this.tenant.users.set(user.id, user);
    return user;
  }

  private putServicePrincipal(
    label: string,
    spec: Pick<SimServicePrincipal, 'appId' | 'displayName' | 'appOwnerOrganizationId'> & Partial<SimServicePrincipal>,
  ): SimServicePrincipal {
    const sp: SimServicePrincipal = {
      id: this.id(label),
      servicePrincipalType: 'Application',
      accountEnabled: true,
      appRoles: [],
      oauth2PermissionScopes: [],
      passwordCredentials: [],
      keyCredentials: [],
      tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
      ...spec,
    };
    this.tenant.servicePrincipals.set(sp.id, sp);
    return sp;
  }

  private password(c: CredentialSpec): PasswordCredential {
    const keyId = this.id(`credential:${c.label}`);
    return { displayName: c.displayName, hint: keyId.slice(0, 3), keyId, ...this.validity(c) };
  }

  private certificate(c: CredentialSpec): KeyCredential {
    const keyId = this.id(`credential:${c.label}`);
    return {
      displayName: `CN=${c.displayName}`,
      keyId,
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      customKeyIdentifier: keyId.replace(/-/g, '').toUpperCase().slice(0, 40),
      key: null,
      ...this.validity(c),
    };
  }

  private validity(c: CredentialSpec): { startDateTime: string; endDateTime: string } {
    return {
      startDateTime: this.daysAgo(c.validForDays - c.expiresInDays),
      endDateTime: this.daysAgo(-c.expiresInDays),
    };
  }
}
