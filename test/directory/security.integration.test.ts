/**
 * The security-review fields through the real gateway (graphql-request over HTTP) against the simulated
 * Verafield tenant, connected through the real consent flow: directory roles, role assignments, privileged
 * users, conditional-access policies and the MFA analysis (following policy changes made through the
 * simulator's control API), service principals and applications with credentials and permissions, and a
 * tenant consented without Policy.Read.All.
 *
 * Graph allows one conditional-access request per second per tenant (the simulator enforces it on its own
 * clock): tests that read policies move the simulator's clock on a second first, so no read is throttled.
 */
import { GRAPH_APP_ID } from '../../src/simulator/generator';
import { ROLES as BUILT_IN_ROLES } from '../../src/simulator/generator/catalog';
import { graphqlError } from '../tenants/tenant-queries';
import { startDirectoryBench, VERAFIELD, type DirectoryBench } from './directory-fixtures';
import {
  CREDENTIALS,
  MFA,
  PERMISSIONS,
  POLICIES,
  PRINCIPAL,
  ROLES,
  type AppView,
  type MfaView,
  type Page,
  type PolicyView,
  type Principal,
  type RolesView,
} from './security-queries';

const DAY_MS = 24 * 60 * 60 * 1000;
const POLICY_ENDPOINT = 'GET /identity/conditionalAccess/policies';
const PRODUCT = VERAFIELD.apps.product;
const { users, groups, policies } = VERAFIELD;

/** Whole days from `at` to `endsAt`, rounded down: the gateway computes it at some instant between `before` and `after`. */
function expectDaysLeft(credential: { endsAt: string | null; expiresInDays: number | null }, before: number, after: number): void {
  const end = Date.parse(credential.endsAt!);
  expect(credential.expiresInDays).toBeGreaterThanOrEqual(Math.floor((end - after) / DAY_MS));
  expect(credential.expiresInDays).toBeLessThanOrEqual(Math.floor((end - before) / DAY_MS));
}

describe('security fields on a fully consented Verafield', () => {
  let bench: DirectoryBench;

  beforeAll(async () => {
    bench = await startDirectoryBench({ authMode: 'APPLICATION', features: ['READ_DIRECTORY', 'READ_ROLES', 'READ_POLICIES', 'READ_APPS'] });
  });

  afterAll(async () => {
    await bench?.stop();
  });

  /** A fresh second on the simulator's clock, so the policy endpoint's 1 request/s allows the next read. */
  const nextPolicyWindow = () => bench.sim.control.advanceClock(1_100);

  describe('directory roles', () => {
    it('lists activated roles with their members, privileged or not; custom roles are not directory roles', async () => {
      const { directoryRoles } = await bench.read<RolesView>(ROLES);
      const byName = new Map(directoryRoles.map((role) => [role.displayName, role]));
      expect([...byName.keys()].sort()).toEqual(['Conditional Access Administrator', 'Global Administrator', 'Guest Inviter', 'User Administrator']);
      const globalAdmin = byName.get('Global Administrator')!;
      expect(globalAdmin).toMatchObject({ roleTemplateId: BUILT_IN_ROLES.globalAdministrator.templateId, privileged: true, description: BUILT_IN_ROLES.globalAdministrator.description });
      expect(globalAdmin.members.map((m) => [m.__typename, m.userPrincipalName]).sort()).toEqual([
        ['User', users.globalAdmin.userPrincipalName],
        ['User', users.secondGlobalAdmin.userPrincipalName],
      ]);
      expect(byName.get('User Administrator')).toMatchObject({ privileged: true, members: [{ id: users.userAdmin.id }] });
      expect(byName.get('Guest Inviter')).toMatchObject({ privileged: false, members: [{ id: users.guestInviter.id }] });
      // Graph lists the role-assignable group as the member of the role it holds.
      expect(byName.get('Conditional Access Administrator')).toMatchObject({ privileged: true, members: [{ __typename: 'Group', id: groups.identityAdmins, displayName: 'Identity Admins' }] });
    });

    it("a role's holders: active and eligible, direct and through the role-assignable group, each saying how", async () => {
      const { directoryRoles } = await bench.read<RolesView>(ROLES);
      const holders = (name: string) => directoryRoles.find((role) => role.displayName === name)!.holders.map((h) => [h.principalId, h.state, h.via, h.viaGroup?.id ?? null, h.permanent]).sort();
      expect(holders('Global Administrator')).toEqual([
        [users.globalAdmin.id, 'ACTIVE', 'DIRECT', null, true],
        [users.secondGlobalAdmin.id, 'ACTIVE', 'DIRECT', null, true],
        [users.platformEngineer.id, 'ELIGIBLE', 'DIRECT', null, false],
      ].sort());
      const groupMembers = bench.sim.ctx.store.directMembers(VERAFIELD.tenantId, groups.identityAdmins);
      expect(groupMembers).toContain(users.guestInviter.id);
      expect(holders('Conditional Access Administrator')).toEqual([
        [groups.identityAdmins, 'ACTIVE', 'DIRECT', null, true],
        ...groupMembers.map((id) => [id, 'ACTIVE', 'GROUP', groups.identityAdmins, true]),
      ].sort());
    });

    it('lists role assignments with role names and expanded principals, custom roles with their privileged permissions', async () => {
      const { roleAssignments } = await bench.read<RolesView>(ROLES);
      expect(roleAssignments).toHaveLength(7);
      const name = (a: RolesView['roleAssignments'][number]) => a.principal.userPrincipalName ?? a.principal.displayName;
      expect(roleAssignments.map((a) => [a.roleName, name(a), a.privileged, a.customRole]).sort()).toEqual([
        ['Conditional Access Administrator', 'Identity Admins', true, false],
        ['Global Administrator', users.globalAdmin.userPrincipalName, true, false],
        ['Global Administrator', users.secondGlobalAdmin.userPrincipalName, true, false],
        ['Guest Inviter', users.guestInviter.userPrincipalName, false, false],
        ['User Administrator', users.userAdmin.userPrincipalName, true, false],
        ['Verafield App Credential Manager', users.onCallEngineer.userPrincipalName, true, true],
        ['Verafield Group Reader', users.salesRep.userPrincipalName, false, true],
      ].sort());
      expect(roleAssignments.find((a) => a.roleName === 'Verafield App Credential Manager')!.privilegedPermissions).toEqual(['microsoft.directory/applications/credentials/update']);
      expect(roleAssignments.find((a) => a.roleName === 'Verafield Group Reader')!.privilegedPermissions).toEqual([]);
      for (const assignment of roleAssignments.filter((a) => a.principal.__typename === 'User')) {
        // Beyond Graph's default properties of an expanded user: what a review of admins needs to see.
        expect(assignment).toMatchObject({ directoryScopeId: '/', principalId: assignment.principal.id, principal: { __typename: 'User', accountEnabled: true, userType: 'Member', department: expect.any(String) } });
      }
    });

    it("lists privileged users: Verafield's admins, its PIM-eligible admins, the role-assignable group and its members, the custom privileged role's holder; not the Guest Inviter's role nor the harmless custom role", async () => {
      const { privilegedUsers } = await bench.read<RolesView>(ROLES);
      const groupMembers = bench.sim.ctx.store.directMembers(VERAFIELD.tenantId, groups.identityAdmins);
      const holders = privilegedUsers.map((holder) => [holder.principalId, holder.roles, holder.eligibleRoles]).sort();
      expect(holders).toEqual([
        [users.globalAdmin.id, ['Global Administrator'], []],
        [users.secondGlobalAdmin.id, ['Global Administrator'], []],
        [users.userAdmin.id, ['User Administrator'], []],
        [users.platformEngineer.id, ['Global Administrator'], ['Global Administrator']],
        [users.dataEngineer.id, ['User Administrator'], ['User Administrator']],
        [groups.identityAdmins, ['Conditional Access Administrator'], []],
        ...groupMembers.map((id) => [id, ['Conditional Access Administrator'], []]),
        [users.onCallEngineer.id, ['Verafield App Credential Manager'], []],
      ].sort());
      expect(holders.map(([id]) => id)).not.toContain(users.salesRep.id);
      const globalAdmin = privilegedUsers.find((holder) => holder.principalId === users.globalAdmin.id)!;
      expect(globalAdmin.assignments).toEqual([
        { id: expect.any(String), roleName: 'Global Administrator', state: 'ACTIVE', via: 'DIRECT', viaGroup: null, startsAt: expect.any(String), endsAt: null, permanent: true },
      ]);
      // Eligible for Global Administrator for 30 more days (Verafield's seed), activatable any time until then.
      const eligible = privilegedUsers.find((holder) => holder.principalId === users.platformEngineer.id)!;
      expect(eligible.assignments).toEqual([
        { id: expect.any(String), roleName: 'Global Administrator', state: 'ELIGIBLE', via: 'DIRECT', viaGroup: null, startsAt: expect.any(String), endsAt: expect.any(String), permanent: false },
      ]);
      const daysLeft = (Date.parse(eligible.assignments[0].endsAt!) - Date.now()) / 86_400_000;
      expect(daysLeft).toBeGreaterThan(29);
      expect(daysLeft).toBeLessThanOrEqual(30);
      const permanentEligible = privilegedUsers.find((holder) => holder.principalId === users.dataEngineer.id)!;
      expect(permanentEligible.assignments).toEqual([expect.objectContaining({ state: 'ELIGIBLE', endsAt: null, permanent: true })]);
      // The Guest Inviter holds no privileged role itself, but Conditional Access Administrator through the group.
      const inviter = privilegedUsers.find((holder) => holder.principalId === users.guestInviter.id)!;
      expect(inviter.principal).toMatchObject({ __typename: 'User', userPrincipalName: users.guestInviter.userPrincipalName });
      expect(inviter.assignments).toEqual([
        { id: expect.any(String), roleName: 'Conditional Access Administrator', state: 'ACTIVE', via: 'GROUP', viaGroup: { id: groups.identityAdmins, displayName: 'Identity Admins' }, startsAt: expect.any(String), endsAt: null, permanent: true },
      ]);
    });

    it('reads roles, assignments and privileged users with one read of each Graph list', async () => {
      await bench.sim.control.resetCounters();
      await bench.read(ROLES);
      const { byEndpoint } = await bench.sim.control.counters();
      expect(byEndpoint['GET /roleManagement/directory/roleAssignments']).toBe(1);
      expect(byEndpoint['GET /roleManagement/directory/roleDefinitions']).toBe(1);
      expect(byEndpoint['GET /roleManagement/directory/roleAssignmentSchedules']).toBe(1);
      expect(byEndpoint['GET /roleManagement/directory/roleEligibilitySchedules']).toBe(1);
      expect(byEndpoint['GET /directoryRoles']).toBe(1);
      // One read of the role-assignable group's members, shared by privilegedUsers and every role's holders.
      expect(byEndpoint['GET /groups/{id}/members']).toBe(1);
    });
  });

  describe('conditional access', () => {
    it('types state, conditions and grant controls of the seeded policies', async () => {
      await nextPolicyWindow();
      const { conditionalAccessPolicies } = await bench.read<{ conditionalAccessPolicies: PolicyView[] }>(POLICIES);
      const byId = new Map(conditionalAccessPolicies.map((p) => [p.id, p]));
      expect(byId.size).toBe(6);
      expect(byId.get(policies.productMfa)).toMatchObject({
        displayName: 'Require MFA for Gateway Product',
        state: 'ENABLED',
        createdAt: expect.any(String),
        conditions: {
          applications: { includesAllApplications: false, includeApplications: [PRODUCT.appId], excludeApplications: [] },
          users: { includesAllUsers: true, includesGuestsOrExternalUsers: false, excludesGuestsOrExternalUsers: false, includeUsers: [], excludeGroups: [groups.breakGlass] },
          platforms: null,
          locations: null,
        },
        grantControls: { builtInControls: ['MFA'], authenticationStrength: null, customAuthenticationFactors: [], termsOfUse: [] },
      });
      expect(byId.get(policies.reportOnlyCompliantDevice)).toMatchObject({
        state: 'REPORT_ONLY',
        conditions: { applications: { includesAllApplications: true }, users: { includesAllUsers: true, excludesGuestsOrExternalUsers: true, excludeUsers: [] } },
        grantControls: { builtInControls: ['COMPLIANT_DEVICE'] },
      });
      expect(byId.get(policies.disabledContractorBlock)).toMatchObject({ state: 'DISABLED', conditions: { users: { includesAllUsers: false, includeGroups: [groups.contractors] } }, grantControls: { builtInControls: ['BLOCK'] } });
      expect(byId.get(policies.blockLegacyAuth)!.conditions.clientAppTypes).toEqual(['EXCHANGE_ACTIVE_SYNC', 'OTHER']);
      expect(byId.get(policies.adminMfa)!.conditions.users.includeRoles).toEqual(Object.values(BUILT_IN_ROLES).map((role) => role.templateId));
      expect(byId.get(policies.office365MfaExceptTravel)!.conditions.applications.includeApplications).toEqual(['Office365']);
    });

    it('shows platforms, locations, risk levels, AND and an authentication strength once a policy has them', async () => {
      await bench.sim.control.updatePolicy(VERAFIELD.tenantId, policies.office365MfaExceptTravel, {
        conditions: {
          platforms: { includePlatforms: ['android', 'iOS'], excludePlatforms: [] },
          locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] },
          signInRiskLevels: ['high'],
        } as never,
        grantControls: { operator: 'AND', builtInControls: ['compliantDevice'], customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: { id: '00000000-0000-0000-0000-000000000002', displayName: 'Multifactor authentication' } },
      });
      await nextPolicyWindow();
      const { conditionalAccessPolicies } = await bench.read<{ conditionalAccessPolicies: PolicyView[] }>(POLICIES);
      expect(conditionalAccessPolicies.find((p) => p.id === policies.office365MfaExceptTravel)).toMatchObject({
        modifiedAt: expect.any(String),
        conditions: { platforms: { include: ['android', 'iOS'], exclude: [] }, locations: { include: ['All'], exclude: ['AllTrusted'] }, signInRiskLevels: ['high'], userRiskLevels: [] },
        grantControls: { operator: 'AND', builtInControls: ['COMPLIANT_DEVICE'], authenticationStrength: { id: '00000000-0000-0000-0000-000000000002', displayName: 'Multifactor authentication' } },
      });
    });

    it('reads the policies once for both fields of one request', async () => {
      await nextPolicyWindow();
      await bench.sim.control.resetCounters();
      await bench.read(`${POLICIES} ${MFA} again: mfaEnforcement(appId: $appId) { enforced }`, { appId: PRODUCT.appId }, '$appId: ID!');
      const counters = await bench.sim.control.counters();
      expect(counters.byEndpoint[POLICY_ENDPOINT]).toBe(1);
      expect(counters.throttled).toBe(0);
    });

    it("analyses MFA for the product's app on the seeded policies, and follows policy changes made in the tenant", async () => {
      const analyse = async () => {
        await nextPolicyWindow();
        return (await bench.read<{ mfaEnforcement: MfaView }>(MFA, { appId: PRODUCT.appId }, '$appId: ID!')).mfaEnforcement;
      };
      const names = (findings: Array<{ policyId: string }>) => findings.map((f) => f.policyId).sort();

      const seeded = await analyse();
      expect(seeded).toMatchObject({
        appId: PRODUCT.appId,
        enforced: 'SOME_USERS',
        coverage: { allUsers: true, users: [], groups: [], guests: false },
        exclusions: { users: [], groups: [groups.breakGlass], roles: [], guests: false, overlaps: [], appExcludedBy: [] },
        blockingPolicies: [],
        disabledPolicies: [{ policyId: policies.disabledContractorBlock, state: 'DISABLED', grant: 'BLOCK', reason: `blocks access for groups ${groups.contractors}` }],
      });
      expect(seeded.coverage.roles).toEqual(Object.values(BUILT_IN_ROLES).map((role) => role.templateId));
      expect(names(seeded.decidingPolicies)).toEqual([policies.productMfa, policies.adminMfa].sort());
      expect(seeded.decidingPolicies.find((f) => f.policyId === policies.productMfa)).toMatchObject({ state: 'ENABLED', grant: 'MFA', reason: `requires MFA (mfa) for All users except groups ${groups.breakGlass}` });
      expect(seeded.partialPolicies).toEqual([expect.objectContaining({ policyId: policies.blockLegacyAuth, grant: 'BLOCK', reason: expect.stringContaining('only for client app types exchangeActiveSync, other') })]);
      // The seeded report-only policy (All apps) asks for a compliant device: neither MFA nor a block, but it
      // targets the app, so it is reported with what it would do, and not counted.
      expect(seeded.reportOnlyPolicies).toEqual([
        {
          policyId: policies.reportOnlyCompliantDevice,
          displayName: 'Require compliant device (report-only)',
          state: 'REPORT_ONLY',
          grant: 'OTHER',
          reason: `requires compliantDevice (no MFA) for All users except groups ${groups.breakGlass}; guests or external users`,
        },
      ]);
      const counted = [...seeded.decidingPolicies, ...seeded.blockingPolicies, ...seeded.partialPolicies, ...seeded.exclusions.appExcludedBy];
      expect(counted.map((f) => f.policyId)).not.toContain(policies.reportOnlyCompliantDevice);

      // Once it would require MFA, it is still reported, and still not counted: break glass stays open.
      await bench.sim.control.updatePolicy(VERAFIELD.tenantId, policies.reportOnlyCompliantDevice, { grantControls: { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: [], termsOfUse: [] } });
      const reportOnly = await analyse();
      expect(reportOnly.reportOnlyPolicies).toEqual([
        { policyId: policies.reportOnlyCompliantDevice, displayName: 'Require compliant device (report-only)', state: 'REPORT_ONLY', grant: 'MFA', reason: expect.stringContaining('requires MFA (mfa) for All users except') },
      ]);
      expect(reportOnly).toMatchObject({ enforced: 'SOME_USERS', exclusions: { groups: [groups.breakGlass] } });
      expect(names(reportOnly.decidingPolicies)).toEqual([policies.productMfa, policies.adminMfa].sort());

      // Break glass no longer excluded from the product's policy: the admin policy's exclusion is closed by it.
      await bench.sim.control.updatePolicy(VERAFIELD.tenantId, policies.productMfa, { conditions: { users: { excludeGroups: [] } } as never });
      const everyone = await analyse();
      expect(everyone).toMatchObject({ enforced: 'ALL_USERS', exclusions: { groups: [], overlaps: [] } });

      // Two policies targeting everyone, each excluding another group: only people in both are left out.
      await bench.sim.control.updatePolicy(VERAFIELD.tenantId, policies.productMfa, { conditions: { users: { excludeGroups: [groups.travelExemptions] } } as never });
      await bench.sim.control.updatePolicy(VERAFIELD.tenantId, policies.adminMfa, { conditions: { users: { includeUsers: ['All'], includeRoles: [] } } as never });
      const overlap = await analyse();
      expect(overlap.enforced).toBe('SOME_USERS');
      expect(overlap.exclusions.groups).toEqual([]);
      expect(overlap.exclusions.overlaps).toHaveLength(1);
      expect(overlap.exclusions.overlaps[0].principals).toEqual(expect.arrayContaining([{ kind: 'GROUP', id: groups.travelExemptions }, { kind: 'GROUP', id: groups.breakGlass }]));

      // A policy that would require MFA everywhere but names the app in excludeApplications.
      await bench.sim.control.updatePolicy(VERAFIELD.tenantId, policies.office365MfaExceptTravel, {
        conditions: { applications: { includeApplications: ['All'], excludeApplications: [PRODUCT.appId] }, platforms: null, locations: null, signInRiskLevels: [] } as never,
        grantControls: { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null },
      });
      const excluded = await analyse();
      expect(excluded.exclusions.appExcludedBy).toEqual([expect.objectContaining({ policyId: policies.office365MfaExceptTravel, grant: 'MFA', reason: expect.stringContaining('but excludes this app') })]);
    });

    it('refuses an app id that is not a GUID before any Graph call', async () => {
      const error = await graphqlError(bench.read(MFA, { appId: "x' or 1 eq 1" }, '$appId: ID!'));
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(/appId: expected an application \(client\) id/);
    });
  });

  describe('service principals and applications', () => {
    const APP_FIELDS = `id appId displayName signInAudience createdAt ${CREDENTIALS} ${PERMISSIONS}`;
    const SP_FIELDS = `id appId displayName ${CREDENTIALS} ${PERMISSIONS}`;

    async function readAll<T>(field: 'applications' | 'servicePrincipals', fields: string, first: number): Promise<{ nodes: T[]; pages: Array<Page<T>> }> {
      const pages: Array<Page<T>> = [];
      let after: string | null = null;
      do {
        const result: Record<string, Page<T>> = await bench.read<Record<string, Page<T>>>(
          `${field}(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${fields} } } }`,
          { first, after },
          '$first: Int, $after: String',
        );
        pages.push(result[field]);
        after = result[field].pageInfo.hasNextPage ? result[field].pageInfo.endCursor : null;
      } while (after);
      return { nodes: pages.flatMap((page) => page.edges.map((edge) => edge.node)), pages };
    }

    it('pages through the applications with credentials, expiring soon and long expired, and their permissions', async () => {
      const before = Date.now();
      const { nodes, pages } = await readAll<AppView & { signInAudience: string; createdAt: string }>('applications', APP_FIELDS, 3);
      const after = Date.now();
      expect(pages.map((page) => page.edges.length)).toEqual([3, 1]);
      expect(pages[0].totalCount).toBe(4);
      const byName = new Map(nodes.map((app) => [app.displayName, app]));
      expect([...byName.keys()].sort()).toEqual(['Expense Sync', 'Gateway Product', 'Legacy Reporting Tool', 'Verafield HR Portal']);

      const product = byName.get('Gateway Product')!;
      expect(product).toMatchObject({ id: PRODUCT.applicationId, appId: PRODUCT.appId, signInAudience: 'AzureADMyOrg', createdAt: expect.any(String) });
      expect(product.credentials.map((c) => [c.type, c.displayName, c.keyId, c.status])).toEqual([
        ['PASSWORD', 'old production', PRODUCT.credentialKeyIds['product-secret-expired'], 'EXPIRED'],
        ['PASSWORD', 'production', PRODUCT.credentialKeyIds['product-secret-expiring'], 'EXPIRING_SOON'],
        ['CERTIFICATE', 'CN=gateway-product', PRODUCT.credentialKeyIds['product-certificate'], 'VALID'],
      ]);
      for (const credential of nodes.flatMap((app) => app.credentials)) expectDaysLeft(credential, before, after);
      // Ends 10 days, 200 days ago and 180 days from the tenant's generation, moments before the read.
      expect(product.credentials.map((c) => c.expiresInDays)).toEqual([-201, 9, 179]);
      expect(product.soonestExpiry).toMatchObject({ displayName: 'production', status: 'EXPIRING_SOON', expiresInDays: 9 });
      // Its only secret expired: the soonest expiry shows it (EXPIRED) rather than nothing.
      expect(byName.get('Legacy Reporting Tool')).toMatchObject({ credentials: [{ status: 'EXPIRED', expiresInDays: -501 }], soonestExpiry: { status: 'EXPIRED', expiresInDays: -501 } });
      expect(byName.get('Expense Sync')!.soonestExpiry).toMatchObject({ displayName: 'sync job', status: 'EXPIRING_SOON', expiresInDays: 3 });
      expect(byName.get('Verafield HR Portal')!.credentials.map((c) => [c.type, c.status])).toEqual([['CERTIFICATE', 'EXPIRED'], ['PASSWORD', 'VALID']]);
      for (const credential of product.credentials) expect(Date.parse(credential.startsAt!)).toBeLessThan(Date.parse(credential.endsAt!));

      const expense = byName.get('Expense Sync')!;
      expect(expense.appRoleAssignments.map((a) => a.permission).sort()).toEqual(['Group.Read.All', 'User.Read.All']);
      expect(expense.appRoleAssignments[0]).toMatchObject({ resourceDisplayName: 'Microsoft Graph', resourceAppId: GRAPH_APP_ID, principalId: VERAFIELD.apps.expenseSync.servicePrincipalId, principalType: 'ServicePrincipal', principalDisplayName: 'Expense Sync' });
      expect(byName.get('Verafield HR Portal')!.oauth2PermissionGrants).toEqual([
        expect.objectContaining({ consentType: 'ALL_PRINCIPALS', principalId: null, clientId: VERAFIELD.apps.hrPortal.servicePrincipalId, resourceDisplayName: 'Microsoft Graph', scopes: ['openid', 'profile', 'User.Read'] }),
      ]);
      expect(byName.get('Legacy Reporting Tool')).toMatchObject({ appRoleAssignments: [], oauth2PermissionGrants: [] });
    });

    it('lists expired credentials, and filters the applications to those expiring within N days or expired', async () => {
      type Listed = { displayName: string; expiredCredentials: Array<{ displayName: string; status: string; expiresInDays: number }> };
      const list = async (args: string) =>
        (
          await bench.read<{ applications: Page<Listed> }>(
            `applications(first: 50${args}) { totalCount pageInfo { hasNextPage } edges { node { displayName expiredCredentials { displayName status expiresInDays } } } }`,
          )
        ).applications;
      const all = await list('');
      const expired = new Map(all.edges.map((e) => [e.node.displayName, e.node.expiredCredentials.map((c) => [c.displayName, c.status, c.expiresInDays])]));
      expect(expired.get('Gateway Product')).toEqual([['old production', 'EXPIRED', -201]]);
      expect(expired.get('Legacy Reporting Tool')).toEqual([[expect.any(String), 'EXPIRED', -501]]);
      expect(expired.get('Expense Sync')).toEqual([]);
      // An expired certificate shows as well, beside the app's secret that is still valid.
      expect(expired.get('Verafield HR Portal')).toEqual([[expect.stringContaining('hr-portal-2024'), 'EXPIRED', -401]]);

      const names = (page: Page<Listed>) => page.edges.map((e) => e.node.displayName).sort();
      const expiredOnly = await list(', expired: true');
      expect(names(expiredOnly)).toEqual(['Gateway Product', 'Legacy Reporting Tool', 'Verafield HR Portal']);
      expect(expiredOnly.totalCount).toBeNull();
      // Expense Sync ends in 3 days, Gateway Product in 9.
      expect(names(await list(', expiringWithinDays: 5'))).toEqual(['Expense Sync']);
      expect(names(await list(', expiringWithinDays: 10'))).toEqual(['Expense Sync', 'Gateway Product']);
      expect(names(await list(', expiringWithinDays: 5, expired: true'))).toEqual(['Expense Sync', 'Gateway Product', 'Legacy Reporting Tool', 'Verafield HR Portal']);
      // Page by page (Graph's pages hold apps the filter drops): the same apps, each once.
      const paged: string[] = [];
      let after: string | null = null;
      do {
        const { applications: page }: { applications: Page<Listed> & { pageInfo: { endCursor: string | null } } } = await bench.read(
          'applications(first: 1, after: $after, expired: true) { pageInfo { hasNextPage endCursor } edges { node { displayName } } }',
          { after },
          '$after: String',
        );
        paged.push(...page.edges.map((e) => e.node.displayName));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      expect(paged.sort()).toEqual(names(expiredOnly));
      await expect(list(', expiringWithinDays: -1')).rejects.toThrow(/expiringWithinDays: expected a whole number of days from 0 to 3650, got -1/);
    });

    it('pages through the service principals with their own credentials, application permissions and delegated grants', async () => {
      const before = Date.now();
      const { nodes, pages } = await readAll<AppView>('servicePrincipals', SP_FIELDS, 3);
      const after = Date.now();
      expect(pages.length).toBeGreaterThan(1);
      expect(pages.every((page, i) => page.pageInfo.hasNextPage === i < pages.length - 1)).toBe(true);
      expect(new Set(nodes.map((sp) => sp.id)).size).toBe(nodes.length);
      const byName = new Map(nodes.map((sp) => [sp.displayName, sp]));
      expect([...byName.keys()]).toEqual(expect.arrayContaining(['Microsoft Graph', 'Gateway Product', 'Expense Sync', 'Verafield HR Portal', 'Contoso Chat', 'Fabrikam Survey']));

      const survey = byName.get('Fabrikam Survey')!;
      expect(survey.credentials).toEqual([expect.objectContaining({ type: 'CERTIFICATE', displayName: 'CN=Fabrikam Survey SAML signing', status: 'EXPIRING_SOON' })]);
      expectDaysLeft(survey.credentials[0], before, after);
      expect(survey.soonestExpiry).toMatchObject({ status: 'EXPIRING_SOON', expiresInDays: 6 });
      expect(survey.oauth2PermissionGrants).toEqual([expect.objectContaining({ consentType: 'PRINCIPAL', principalId: users.financeEmployee.id, scopes: ['User.Read', 'offline_access'] })]);

      const hr = byName.get('Verafield HR Portal')!;
      expect(hr.appRoleAssignments).toEqual([
        expect.objectContaining({ permission: 'User.ReadWrite.All', permissionDisplayName: expect.any(String), appRoleId: expect.any(String), resourceId: VERAFIELD.graphServicePrincipalId, grantedAt: expect.any(String) }),
      ]);
      expect(byName.get('Contoso Chat')!.oauth2PermissionGrants[0].scopes).toEqual(['openid', 'profile', 'email', 'User.Read', 'offline_access']);
      expect(byName.get('Microsoft Graph')).toMatchObject({ appId: GRAPH_APP_ID, credentials: [], soonestExpiry: null });
    });

    it('reads each resource service principal once per request, however many assignments name it', async () => {
      await bench.sim.control.resetCounters();
      await bench.read(`servicePrincipals(first: 50) { edges { node { appRoleAssignments { permission } oauth2PermissionGrants { resourceDisplayName } } } }`);
      const { byEndpoint } = await bench.sim.control.counters();
      expect(byEndpoint['GET /servicePrincipals']).toBe(1);
      expect(byEndpoint['GET /servicePrincipals/{id}']).toBe(1);
    });

    it('gives a service principal reached elsewhere (a group member) its credentials and permissions, read through the batch', async () => {
      const { servicePrincipals } = await bench.read<{ servicePrincipals: Page<{ id: string; displayName: string }> }>('servicePrincipals(first: 50) { edges { node { id displayName } } }');
      const survey = servicePrincipals.edges.map((edge) => edge.node).find((sp) => sp.displayName === 'Fabrikam Survey')!;
      await bench.sim.control.addMember(VERAFIELD.tenantId, groups.contractors, survey.id);
      await bench.sim.control.addMember(VERAFIELD.tenantId, groups.contractors, VERAFIELD.apps.hrPortal.servicePrincipalId);

      const { group } = await bench.read<{ group: { members: Page<Principal & Partial<AppView>> } }>(
        `group(id: $groupId) { members(first: 50) { edges { node { ${PRINCIPAL} ... on ServicePrincipal { ${CREDENTIALS} ${PERMISSIONS} } } } } }`,
        { groupId: groups.contractors },
        '$groupId: ID!',
      );
      const members = new Map(group.members.edges.map((edge) => [edge.node.id, edge.node]));
      expect(members.get(survey.id)).toMatchObject({
        __typename: 'ServicePrincipal',
        credentials: [{ type: 'CERTIFICATE', status: 'EXPIRING_SOON' }],
        soonestExpiry: { status: 'EXPIRING_SOON' },
        appRoleAssignments: [],
        oauth2PermissionGrants: [{ consentType: 'PRINCIPAL', scopes: ['User.Read', 'offline_access'] }],
      });
      expect(members.get(VERAFIELD.apps.hrPortal.servicePrincipalId)).toMatchObject({ credentials: [], soonestExpiry: null, appRoleAssignments: [{ permission: 'User.ReadWrite.All' }] });
    });
  });
});

describe('security fields on a Verafield consented without Policy.Read.All', () => {
  let bench: DirectoryBench;

  beforeAll(async () => {
    bench = await startDirectoryBench({ authMode: 'DELEGATED', features: ['READ_DIRECTORY', 'READ_ROLES', 'READ_APPS'] });
  });

  afterAll(async () => {
    await bench?.stop();
  });

  it('answers UPSTREAM_FORBIDDEN naming Policy.Read.All, with the fields that could be read', async () => {
    const response = await fetch(bench.gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: (bench.reader.requestConfig.headers as Record<string, string>).authorization },
      body: JSON.stringify({
        query: `query($tenantId: ID!, $appId: ID!) { tenant(id: $tenantId) { id conditionalAccessPolicies { id } mfaEnforcement(appId: $appId) { enforced } privilegedUsers { principalId } } }`,
        variables: { tenantId: bench.tenantId, appId: PRODUCT.appId },
      }),
    });
    const body = (await response.json()) as { data: { tenant: Record<string, unknown> }; errors: Array<{ path: string[]; message: string; extensions: Record<string, unknown> }> };
    expect(body.data.tenant).toMatchObject({ id: bench.tenantId, conditionalAccessPolicies: null, mfaEnforcement: null });
    expect(body.data.tenant.privilegedUsers).toHaveLength(10);
    expect(body.errors.map((error) => error.path.at(-1)).sort()).toEqual(['conditionalAccessPolicies', 'mfaEnforcement']);
    for (const error of body.errors) {
      expect(error.extensions).toMatchObject({ code: 'UPSTREAM_FORBIDDEN', missingPermission: 'Policy.Read.All' });
      expect(error.message).toContain('Policy.Read.All');
    }
  });
});
