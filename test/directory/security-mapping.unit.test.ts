/** The security fields' pure mappings from Graph JSON, including JSON a customer's tenant may send broken. */
import { toAppRoleAssignment, toOAuth2PermissionGrant, credentialsOf } from '../../src/directory/security/app.mapping';
import { ConsentType } from '../../src/directory/security/app.types';
import { analyzeMfaEnforcement } from '../../src/directory/mfa-analysis';
import { toMfaEnforcement } from '../../src/directory/security/mfa.mapping';
import { MfaEnforcementLevel, MfaGrantKind, MfaPrincipalKind } from '../../src/directory/security/mfa.types';
import { toConditionalAccessPolicy } from '../../src/directory/security/policy.mapping';
import { BuiltInControl, ClientAppType, GrantOperator, PolicyState } from '../../src/directory/security/policy.types';
import { isPrivilegedRole, privilegedActionsOf, PRIVILEGED_ROLE_TEMPLATES } from '../../src/directory/security/privileged-roles';
import { User } from '../../src/directory/directory-object.types';
import { privilegedUsersOf, roleCatalogOf, scheduleOf, throughGroups, toRoleAssignment } from '../../src/directory/security/role.mapping';
import { RoleAssignmentState } from '../../src/directory/security/role.types';

const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const GUEST_INVITER = '95e79109-95c0-4d8e-aee3-d01accf2d47b';
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const APP = '4a8e2f61-93c7-4d05-b1e8-6f2d0c9a7b43';
const GROUP = '5d0c0000-0000-4000-8000-0000000000aa';

describe('toConditionalAccessPolicy', () => {
  const graphPolicy = {
    id: 'p1',
    displayName: 'Require MFA',
    state: 'enabledForReportingButNotEnforced',
    createdDateTime: '2026-01-02T03:04:05Z',
    modifiedDateTime: null,
    conditions: {
      applications: { includeApplications: ['All'], excludeApplications: [APP] },
      users: { includeUsers: ['All'], excludeUsers: ['GuestsOrExternalUsers', 'u1'], includeGroups: [], excludeGroups: [GROUP], includeRoles: [GLOBAL_ADMIN], excludeRoles: [] },
      clientAppTypes: ['browser', 'mobileAppsAndDesktopClients', 'somethingNew'],
      platforms: { includePlatforms: ['all'], excludePlatforms: ['iOS'] },
      locations: null,
      signInRiskLevels: ['high'],
      userRiskLevels: [],
    },
    grantControls: {
      operator: 'AND',
      builtInControls: ['mfa', 'compliantDevice', 'futureControl'],
      customAuthenticationFactors: [],
      termsOfUse: ['tou-1'],
      authenticationStrength: { id: 'strength-1', displayName: 'Phishing-resistant MFA' },
    },
  };

  it('types state, keywords, client app types and grant controls', () => {
    expect(toConditionalAccessPolicy(graphPolicy)).toEqual({
      id: 'p1',
      displayName: 'Require MFA',
      state: PolicyState.REPORT_ONLY,
      createdAt: new Date('2026-01-02T03:04:05Z'),
      modifiedAt: null,
      conditions: {
        applications: { includesAllApplications: true, includeApplications: ['All'], excludeApplications: [APP] },
        users: {
          includesAllUsers: true,
          includesGuestsOrExternalUsers: false,
          excludesGuestsOrExternalUsers: true,
          includeUsers: [],
          excludeUsers: ['u1'],
          includeGroups: [],
          excludeGroups: [GROUP],
          includeRoles: [GLOBAL_ADMIN],
          excludeRoles: [],
        },
        clientAppTypes: [ClientAppType.BROWSER, ClientAppType.MOBILE_APPS_AND_DESKTOP_CLIENTS, ClientAppType.UNKNOWN],
        platforms: { include: ['all'], exclude: ['iOS'] },
        locations: null,
        signInRiskLevels: ['high'],
        userRiskLevels: [],
      },
      grantControls: {
        operator: GrantOperator.AND,
        builtInControls: [BuiltInControl.MFA, BuiltInControl.COMPLIANT_DEVICE, BuiltInControl.UNKNOWN],
        authenticationStrength: { id: 'strength-1', displayName: 'Phishing-resistant MFA' },
        customAuthenticationFactors: [],
        termsOfUse: ['tou-1'],
      },
    });
  });

  it('reads guests included through includeGuestsOrExternalUsers and an unknown state', () => {
    const policy = toConditionalAccessPolicy({ id: 'p2', state: 'paused', conditions: { users: { includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest' } } } });
    expect(policy.state).toBe(PolicyState.UNKNOWN);
    expect(policy.conditions.users.includesGuestsOrExternalUsers).toBe(true);
    expect(policy.displayName).toBe('p2');
  });

  it('never throws on broken JSON: missing, null and wrongly typed fields read as empty', () => {
    const policy = toConditionalAccessPolicy({ id: 3, conditions: 'x', grantControls: { operator: 7, builtInControls: 'mfa' } } as never);
    expect(policy).toMatchObject({
      id: '',
      state: PolicyState.UNKNOWN,
      createdAt: null,
      conditions: { applications: { includeApplications: [] }, users: { includesAllUsers: false, includeUsers: [] }, clientAppTypes: [], platforms: null },
      grantControls: { operator: GrantOperator.OR, builtInControls: [], authenticationStrength: null },
    });
    expect(toConditionalAccessPolicy({ id: 'p4', grantControls: null }).grantControls).toBeNull();
  });
});

describe('toMfaEnforcement', () => {
  it('carries the analysis over with typed states, grants and principals', () => {
    const policy = (id: string, state: string, users: Record<string, string[]>, controls = ['mfa']) => ({
      id,
      displayName: id,
      state,
      conditions: { applications: { includeApplications: [APP] }, users },
      grantControls: { operator: 'OR', builtInControls: controls },
    });
    const analysis = analyzeMfaEnforcement({
      appId: APP,
      policies: [
        policy('all', 'enabled', { includeUsers: ['All'], excludeGroups: [GROUP], excludeUsers: ['GuestsOrExternalUsers'] }),
        policy('report', 'enabledForReportingButNotEnforced', { includeUsers: ['All'] }),
        policy('draft', 'disabled', { includeGroups: [GROUP] }, ['block']),
        policy('device', 'enabledForReportingButNotEnforced', { includeUsers: ['All'] }, ['compliantDevice']),
      ],
    });
    const result = toMfaEnforcement(analysis);
    expect(result.enforced).toBe(MfaEnforcementLevel.SOME_USERS);
    expect(result.exclusions).toMatchObject({ groups: [GROUP], guests: true, overlaps: [], appExcludedBy: [] });
    expect(result.decidingPolicies).toEqual([{ policyId: 'all', displayName: 'all', state: PolicyState.ENABLED, grant: MfaGrantKind.MFA, reason: expect.stringContaining('requires MFA') }]);
    expect(result.reportOnlyPolicies).toEqual([
      expect.objectContaining({ policyId: 'report', state: PolicyState.REPORT_ONLY, grant: MfaGrantKind.MFA }),
      expect.objectContaining({ policyId: 'device', state: PolicyState.REPORT_ONLY, grant: MfaGrantKind.OTHER, reason: 'requires compliantDevice (no MFA) for All users' }),
    ]);
    expect(result.disabledPolicies).toEqual([expect.objectContaining({ policyId: 'draft', state: PolicyState.DISABLED, grant: MfaGrantKind.BLOCK })]);
  });

  it('turns overlaps into lists of principals, guests without an id', () => {
    const result = toMfaEnforcement({
      ...analyzeMfaEnforcement({ appId: APP, policies: [] }),
      exclusions: { users: [], groups: [], roles: [], guests: false, appExcludedBy: [], overlaps: [[{ kind: 'GROUP', id: GROUP }, { kind: 'GUESTS' }]] },
    });
    expect(result.exclusions.overlaps).toEqual([{ principals: [{ kind: MfaPrincipalKind.GROUP, id: GROUP }, { kind: MfaPrincipalKind.GUESTS, id: null }] }]);
    expect(result.enforced).toBe(MfaEnforcementLevel.NONE);
  });
});

describe('app mappings', () => {
  const graph = {
    id: 'graph-sp',
    appId: '00000003-0000-0000-c000-000000000000',
    displayName: 'Microsoft Graph',
    appRoles: [{ id: 'DF021288-BDEF-4463-88DB-98F22DE89214', value: 'User.Read.All', displayName: "Read all users' full profiles" }],
  };

  it('names an application permission from the resource service principal, matching ids case-insensitively', () => {
    const assignment = toAppRoleAssignment(
      { id: 'a1', appRoleId: 'df021288-bdef-4463-88db-98f22de89214', principalId: 'sp1', principalType: 'ServicePrincipal', principalDisplayName: 'Expense Sync', resourceId: 'graph-sp', createdDateTime: '2026-03-01T00:00:00Z' },
      graph,
    );
    expect(assignment).toEqual({
      id: 'a1',
      appRoleId: 'df021288-bdef-4463-88db-98f22de89214',
      permission: 'User.Read.All',
      permissionDisplayName: "Read all users' full profiles",
      resourceId: 'graph-sp',
      resourceDisplayName: 'Microsoft Graph',
      resourceAppId: '00000003-0000-0000-c000-000000000000',
      principalId: 'sp1',
      principalType: 'ServicePrincipal',
      principalDisplayName: 'Expense Sync',
      grantedAt: new Date('2026-03-01T00:00:00Z'),
    });
  });

  it('leaves the name null for a role the resource does not define, or when the resource could not be read', () => {
    expect(toAppRoleAssignment({ appRoleId: '00000000-0000-0000-0000-000000000000', resourceId: 'graph-sp' }, graph).permission).toBeNull();
    expect(toAppRoleAssignment({ appRoleId: graph.appRoles[0].id, resourceId: 'graph-sp', resourceDisplayName: 'Microsoft Graph' }, null)).toMatchObject({
      permission: null,
      resourceDisplayName: 'Microsoft Graph',
      resourceAppId: null,
    });
  });

  it('splits delegated scopes and types the consent', () => {
    expect(toOAuth2PermissionGrant({ id: 'g1', clientId: 'c', consentType: 'Principal', principalId: 'u', resourceId: 'graph-sp', scope: ' User.Read  offline_access ' }, graph)).toEqual({
      id: 'g1',
      clientId: 'c',
      consentType: ConsentType.PRINCIPAL,
      principalId: 'u',
      resourceId: 'graph-sp',
      resourceDisplayName: 'Microsoft Graph',
      scopes: ['User.Read', 'offline_access'],
    });
    expect(toOAuth2PermissionGrant({ consentType: 'AllPrincipals', principalId: null }, null)).toMatchObject({ consentType: ConsentType.ALL_PRINCIPALS, principalId: null, scopes: [] });
  });

  it('summarizes secrets and certificates, tolerating non-list credentials', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const summary = credentialsOf({ passwordCredentials: [{ keyId: 'k1', endDateTime: '2026-06-11T00:00:00Z' }], keyCredentials: 'broken' }, now);
    expect(summary.credentials).toEqual([expect.objectContaining({ type: 'PASSWORD', keyId: 'k1', expiresInDays: 10, status: 'EXPIRING_SOON' })]);
    expect(summary.soonestExpiry?.keyId).toBe('k1');
  });
});

describe('role mappings', () => {
  it('knows the documented privileged roles by template id, case-insensitively', () => {
    expect(isPrivilegedRole(GLOBAL_ADMIN.toUpperCase())).toBe(true);
    expect(isPrivilegedRole(USER_ADMIN)).toBe(true);
    expect(isPrivilegedRole(GUEST_INVITER)).toBe(false);
    expect(isPrivilegedRole(null)).toBe(false);
    expect(isPrivilegedRole('constructor')).toBe(false);
    expect(PRIVILEGED_ROLE_TEMPLATES['e8611ab8-c189-46e8-94e1-60213ab1f814']).toBe('Privileged Role Administrator');
  });

  it('groups privileged assignments by principal, with role names from the definitions (or the table)', () => {
    const names = roleCatalogOf([{ id: GUEST_INVITER, templateId: GUEST_INVITER, displayName: 'Guest Inviter' }, { id: 'custom-1', displayName: '' }]);
    const alice = { '@odata.type': '#microsoft.graph.user', id: 'alice', displayName: 'Alice' };
    const assignments = [
      { id: 'a1', principalId: 'alice', roleDefinitionId: GLOBAL_ADMIN, directoryScopeId: '/', principal: alice },
      { id: 'a2', principalId: 'bob', roleDefinitionId: GUEST_INVITER, directoryScopeId: '/', principal: { '@odata.type': '#microsoft.graph.device', id: 'bob' } },
      { id: 'a3', principalId: 'ALICE', roleDefinitionId: USER_ADMIN, directoryScopeId: '/administrativeUnits/x' },
      { id: 'a4', principalId: 'alice', roleDefinitionId: GLOBAL_ADMIN.toUpperCase() },
    ].map((json) => toRoleAssignment(json, names, 'tenant-1'));
    expect(assignments[1]).toMatchObject({ roleName: 'Guest Inviter', privileged: false, principal: null });
    expect(assignments[3]).toMatchObject({ roleName: 'Global Administrator', directoryScopeId: '/' });
    const holders = privilegedUsersOf(assignments);
    expect(holders).toHaveLength(1);
    expect(holders[0]).toMatchObject({ principalId: 'alice', roles: ['Global Administrator', 'User Administrator'] });
    expect(holders[0].principal).toBeInstanceOf(User);
    expect(holders[0].principal).toMatchObject({ id: 'alice', displayName: 'Alice', tenantId: 'tenant-1' });
    expect(holders[0].assignments.map((a) => a.id)).toEqual(['a1', 'a3', 'a4']);
    expect(holders[0].eligibleRoles).toEqual([]);
  });

  const names = roleCatalogOf([{ id: GLOBAL_ADMIN, templateId: GLOBAL_ADMIN, displayName: 'Global Administrator' }]);
  const scheduleInfo = (end: string | null) => ({
    startDateTime: '2026-11-01T00:00:00Z',
    expiration: end === null ? { type: 'noExpiration', endDateTime: null } : { type: 'afterDateTime', endDateTime: end },
  });
  it.each([
    ['active without a schedule: direct and permanent', {}, 'ACTIVE', null, { via: 'DIRECT', startsAt: null, endsAt: null, permanent: true }],
    ['active, activated until a date through a group', { memberType: 'Group', scheduleInfo: scheduleInfo('2026-12-31T00:00:00Z') }, 'ACTIVE', 'schedule', { via: 'GROUP', startsAt: new Date('2026-11-01T00:00:00Z'), endsAt: new Date('2026-12-31T00:00:00Z'), permanent: false }],
    ['eligible with an end', { memberType: 'Direct', scheduleInfo: scheduleInfo('2027-01-15T00:00:00Z') }, 'ELIGIBLE', null, { via: 'DIRECT', endsAt: new Date('2027-01-15T00:00:00Z'), permanent: false }],
    ['eligible without expiration', { memberType: 'Direct', scheduleInfo: scheduleInfo(null) }, 'ELIGIBLE', null, { endsAt: null, permanent: true }],
    ['eligible with an unreadable end: taken as permanent', { scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: 'soon' } } }, 'ELIGIBLE', null, { endsAt: null, permanent: true }],
  ] as const)('how a role is held: %s', (_name, fields, state, scheduleFrom, expected) => {
    const json = { id: 'x', principalId: 'alice', roleDefinitionId: GLOBAL_ADMIN, directoryScopeId: '/', ...fields };
    const assignment = state === 'ACTIVE'
      ? toRoleAssignment(json, names, 't', RoleAssignmentState.ACTIVE, scheduleFrom === 'schedule' ? json : null)
      : toRoleAssignment(json, names, 't', RoleAssignmentState.ELIGIBLE);
    expect(assignment).toMatchObject({ state, roleName: 'Global Administrator', privileged: true, ...expected });
  });

  it('eligible-only roles are listed apart; an active assignment of the same role makes it not eligible-only', () => {
    const eligible = (id: string, principalId: string, role: string) =>
      toRoleAssignment({ id, principalId, roleDefinitionId: role, scheduleInfo: scheduleInfo(null) }, names, 't', RoleAssignmentState.ELIGIBLE);
    const active = toRoleAssignment({ id: 'a', principalId: 'bob', roleDefinitionId: GLOBAL_ADMIN }, names, 't');
    const holders = privilegedUsersOf([active, eligible('e1', 'bob', GLOBAL_ADMIN), eligible('e2', 'carol', GLOBAL_ADMIN), eligible('e3', 'carol', USER_ADMIN)]);
    expect(holders.map((h) => [h.principalId, h.roles, h.eligibleRoles])).toEqual([
      ['bob', ['Global Administrator'], []],
      ['carol', ['Global Administrator', 'User Administrator'], ['Global Administrator', 'User Administrator']],
    ]);
  });

  it.each([
    ['exact action, any case', ['microsoft.directory/Applications/Credentials/Update'], [], ['microsoft.directory/applications/credentials/update']],
    ['reads only', ['microsoft.directory/groups/standard/read', 'microsoft.directory/groups/members/read'], [], []],
    ['entity allProperties/allTasks covers its privileged actions', ['microsoft.directory/servicePrincipals/allProperties/allTasks'], [], [
      'microsoft.directory/servicePrincipals/allProperties/allTasks',
      'microsoft.directory/servicePrincipals/credentials/update',
    ]],
    ['myOrganization apps are their own entity', ['microsoft.directory/applications.myOrganization/allProperties/update'], [], [
      'microsoft.directory/applications.myOrganization/allProperties/update',
      'microsoft.directory/applications.myOrganization/credentials/update',
    ]],
    ['allProperties/update covers the update verbs only', ['microsoft.directory/users/allProperties/update'], [], [
      'microsoft.directory/users/authenticationMethods/basic/update',
      'microsoft.directory/users/password/update',
      'microsoft.directory/users/userPrincipalName/update',
    ]],
    ['allProperties/read covers the labelled read only', ['microsoft.directory/users/allProperties/read'], [], ['microsoft.directory/users/authenticationMethods/standard/read']],
    ['allProperties/read of groups covers nothing privileged', ['microsoft.directory/groups/allProperties/read'], [], []],
    ['role assignments and Conditional Access are not labelled privileged', ['microsoft.directory/roleAssignments/allProperties/allTasks', 'microsoft.directory/conditionalAccessPolicies/basic/update', 'microsoft.directory/servicePrincipals/managePermissionGrantsForAll.microsoft-company-admin'], [], []],
    ['allEntities/allTasks covers the namespace', ['microsoft.directory/allEntities/allTasks'], [], expect.arrayContaining(['microsoft.directory/users/password/update', 'microsoft.directory/bitlockerKeys/key/read'])],
    ['another namespace', ['microsoft.office365.supportTickets/allEntities/allTasks'], [], []],
    ['an excluded privileged action does not count', ['microsoft.directory/applications/allProperties/update'], ['microsoft.directory/applications/credentials/update'], []],
    ['applications allTasks is itself labelled, whatever is excluded', ['microsoft.directory/applications/allProperties/allTasks'], ['microsoft.directory/applications/credentials/update'], ['microsoft.directory/applications/allProperties/allTasks']],
  ] as const)('custom role privilege from its permissions: %s', (_name, allowed, excluded, expected) => {
    expect(privilegedActionsOf([{ allowedResourceActions: allowed, excludedResourceActions: excluded }])).toEqual(expected);
  });

  it('a custom role is privileged by its permissions, a built-in one by its template id', () => {
    const roles = roleCatalogOf([
      { id: 'c1', templateId: 'c1', displayName: 'Cred Manager', isBuiltIn: false, rolePermissions: [{ allowedResourceActions: ['microsoft.directory/applications/credentials/update'] }] },
      { id: 'c2', displayName: 'Group Reader', isBuiltIn: false, rolePermissions: [{ allowedResourceActions: ['microsoft.directory/groups/standard/read'] }] },
      { id: GUEST_INVITER, templateId: GUEST_INVITER, displayName: 'Guest Inviter', isBuiltIn: true, rolePermissions: [{ allowedResourceActions: ['microsoft.directory/users/password/update'] }] },
    ]);
    const of = (roleDefinitionId: string) => toRoleAssignment({ id: 'x', principalId: 'p', roleDefinitionId }, roles, 't');
    expect(of('c1')).toMatchObject({ roleName: 'Cred Manager', customRole: true, privileged: true, privilegedPermissions: ['microsoft.directory/applications/credentials/update'] });
    expect(of('C2')).toMatchObject({ roleName: 'Group Reader', customRole: true, privileged: false, privilegedPermissions: [] });
    // Built-in: Microsoft's role label decides, whatever the permissions listed.
    expect(of(GUEST_INVITER)).toMatchObject({ customRole: false, privileged: false, privilegedPermissions: [] });
    expect(of(GLOBAL_ADMIN)).toMatchObject({ customRole: false, privileged: true, roleName: 'Global Administrator' });
  });

  it('members of a role-assignable group hold its roles via GROUP, with the group as the path', () => {
    const roles = roleCatalogOf([]);
    const group = { '@odata.type': '#microsoft.graph.group', id: 'g1', displayName: 'Identity Admins' };
    const direct = toRoleAssignment({ id: 'a1', principalId: 'g1', roleDefinitionId: GLOBAL_ADMIN, principal: group }, roles, 't');
    const eligible = toRoleAssignment({ id: 'e1', principalId: 'G2', roleDefinitionId: USER_ADMIN, principal: { ...group, id: 'G2', displayName: 'Helpdesk' }, scheduleInfo: scheduleInfo('2027-01-01T00:00:00Z') }, roles, 't', RoleAssignmentState.ELIGIBLE);
    const user = toRoleAssignment({ id: 'a2', principalId: 'alice', roleDefinitionId: GLOBAL_ADMIN }, roles, 't');
    const members = new Map([
      ['g1', [{ '@odata.type': '#microsoft.graph.user', id: 'alice', displayName: 'Alice' }, { '@odata.type': '#microsoft.graph.servicePrincipal', id: 'sp1' }, { '@odata.type': '#microsoft.graph.group', id: 'nested' }]],
      ['g2', [{ '@odata.type': '#microsoft.graph.user', id: 'bob' }]],
    ]);
    const all = throughGroups([direct, eligible, user], members, 't');
    expect(all.map((a) => [a.id, a.principalId, a.state, a.via, a.viaGroup?.id ?? null, a.viaGroup?.displayName ?? null])).toEqual([
      ['a1', 'g1', 'ACTIVE', 'DIRECT', null, null],
      ['a1', 'alice', 'ACTIVE', 'GROUP', 'g1', 'Identity Admins'],
      ['a1', 'sp1', 'ACTIVE', 'GROUP', 'g1', 'Identity Admins'],
      ['e1', 'G2', 'ELIGIBLE', 'DIRECT', null, null],
      ['e1', 'bob', 'ELIGIBLE', 'GROUP', 'G2', 'Helpdesk'],
      ['a2', 'alice', 'ACTIVE', 'DIRECT', null, null],
    ]);
    expect(all[4]).toMatchObject({ endsAt: new Date('2027-01-01T00:00:00Z'), permanent: false });
    const alice = privilegedUsersOf(all).find((h) => h.principalId === 'alice')!;
    expect(alice.assignments.map((a) => a.via)).toEqual(['GROUP', 'DIRECT']);
  });

  it("matches an active assignment to its PIM schedule by holder, role and scope, ids in any case", () => {
    const schedules = [
      { id: 's1', principalId: 'ALICE', roleDefinitionId: GLOBAL_ADMIN.toUpperCase(), directoryScopeId: '/', assignmentType: 'Activated' },
      { id: 's2', principalId: 'alice', roleDefinitionId: GLOBAL_ADMIN, directoryScopeId: '/administrativeUnits/x' },
    ];
    expect(scheduleOf({ principalId: 'alice', roleDefinitionId: GLOBAL_ADMIN, directoryScopeId: '/' }, schedules)?.id).toBe('s1');
    expect(scheduleOf({ principalId: 'alice', roleDefinitionId: GLOBAL_ADMIN, directoryScopeId: '/administrativeUnits/x' }, schedules)?.id).toBe('s2');
    expect(scheduleOf({ principalId: 'bob', roleDefinitionId: GLOBAL_ADMIN }, schedules)).toBeNull();
  });
});
