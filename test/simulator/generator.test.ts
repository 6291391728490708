import {
  DEFAULT_PRODUCT_APP_ID,
  GRAPH_APP_ID,
  GRAPH_PERMISSIONS,
  appRoleIdOf,
  appRoleNameOf,
  generateTenant,
  scopeIdOf,
  VERAFIELD,
  VERAFIELD_COUNTS,
  VERAFIELD_DOMAIN,
  VERAFIELD_INITIAL_DOMAIN,
  VERAFIELD_TENANT_ID,
  verafieldFixture,
} from '../../src/simulator/generator';
import type { SimTenant } from '../../src/simulator/model';
import { SimStore } from '../../src/simulator/store';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

const groupByName = (t: SimTenant, name: string) => [...t.groups.values()].find((g) => g.displayName === name)!;
const membersOf = (t: SimTenant, groupId: string) => [...t.members.get(groupId)!];

describe('determinism', () => {
  it('gives the same tenant for the same preset, seed and clock', () => {
    expect(generateTenant('verafield', { now: NOW })).toEqual(generateTenant('verafield', { now: NOW }));
    expect(generateTenant('scale', { users: 500, groups: 40, seed: 7, now: NOW })).toEqual(
      generateTenant('scale', { users: 500, groups: 40, seed: 7, now: NOW }),
    );
  });

  it('keeps ids independent of the clock and changes them with the seed', () => {
    const ids = (t: SimTenant) => [...t.users.keys(), ...t.groups.keys()];
    expect(ids(generateTenant('verafield', { now: NOW }))).toEqual(ids(generateTenant('verafield', { now: NOW + 5 * DAY })));
    const first = new Set(ids(generateTenant('verafield', { now: NOW })));
    const other = generateTenant('verafield', { now: NOW, seed: 2 });
    expect(ids(other).filter((id) => first.has(id))).toEqual([]);
    expect(other.users.has(verafieldFixture({ seed: 2 }).users.financeEmployee.id)).toBe(true);
  });

  it('refuses an unknown preset and impossible sizes', () => {
    expect(() => generateTenant('acme' as never)).toThrow(/unknown tenant preset 'acme'/);
    expect(() => generateTenant('scale', { users: 0 })).toThrow(RangeError);
  });
});

describe('verafield', () => {
  const t = generateTenant('verafield', { now: NOW });
  const users = [...t.users.values()];

  it('is Verafield Technologies with its verified and initial domains', () => {
    expect(t.id).toBe(VERAFIELD_TENANT_ID);
    expect(t.organization.displayName).toBe('Verafield Technologies');
    expect(t.organization.verifiedDomains.map((d) => [d.name, d.isDefault, d.isInitial])).toEqual([
      [VERAFIELD_DOMAIN, true, false],
      [VERAFIELD_INITIAL_DOMAIN, false, true],
    ]);
  });

  it('has 300 staff in departments, break-glass accounts, guests and a few disabled accounts', () => {
    const staff = users.filter((u) => u.userType === 'Member' && u.department);
    expect(staff).toHaveLength(300);
    expect(VERAFIELD_COUNTS.staff).toBe(300);
    expect(t.users.size).toBe(VERAFIELD_COUNTS.users);
    expect(new Set(staff.map((u) => u.department))).toEqual(
      new Set(['Engineering', 'Sales', 'Support', 'Operations', 'Marketing', 'Finance', 'IT', 'HR', 'Legal', 'Executive']),
    );
    expect(staff.every((u) => u.jobTitle && u.assignedLicenses.length === 1 && u.userPrincipalName.endsWith(`@${VERAFIELD_DOMAIN}`))).toBe(true);
    const guests = users.filter((u) => u.userType === 'Guest');
    expect(guests).toHaveLength(VERAFIELD_COUNTS.guests);
    expect(guests.every((g) => /^[^@]+#EXT#@verafield\.onmicrosoft\.com$/.test(g.userPrincipalName))).toBe(true);
    expect(users.filter((u) => !u.accountEnabled)).toHaveLength(VERAFIELD_COUNTS.disabled);
    expect(new Set(users.map((u) => u.userPrincipalName.toLowerCase())).size).toBe(users.length);
  });

  it('names fixture users that exist with the advertised UPNs', () => {
    for (const { id, userPrincipalName } of Object.values(VERAFIELD.users)) {
      expect(t.users.get(id)?.userPrincipalName).toBe(userPrincipalName);
    }
    expect(t.users.get(VERAFIELD.users.financeEmployee.id)?.department).toBe('Finance');
    expect(t.users.get(VERAFIELD.users.disabledEmployee.id)?.accountEnabled).toBe(false);
  });

  it('has a security group per department, named after it', () => {
    for (const name of ['Finance', 'Engineering', 'Sales', 'HR', 'Legal', 'IT']) {
      expect(groupByName(t, name)).toMatchObject({ securityEnabled: true, mailEnabled: false, groupTypes: [] });
    }
    expect(membersOf(t, VERAFIELD.groups.finance)).toContain(VERAFIELD.users.financeEmployee.id);
  });

  it('nests Platform Team and Data Team in Engineering, three levels deep below it', () => {
    const store = new SimStore(() => NOW);
    store.addTenant(t);
    const g = VERAFIELD.groups;
    expect(membersOf(t, g.engineering)).toEqual(expect.arrayContaining([g.platformTeam, g.dataTeam]));
    expect(membersOf(t, g.engineering)).not.toContain(VERAFIELD.users.dataEngineer.id);
    expect(store.transitiveMembers(VERAFIELD_TENANT_ID, g.engineering)).toContain(VERAFIELD.users.dataEngineer.id);
    expect(store.transitiveMemberOf(VERAFIELD_TENANT_ID, g.onCall)).toEqual([g.siteReliability, g.platformTeam, g.engineering]);
  });

  it('has a dynamic group whose members follow its rule', () => {
    const dyn = t.groups.get(VERAFIELD.groups.salesDynamic)!;
    expect(dyn).toMatchObject({ groupTypes: ['DynamicMembership'], membershipRule: '(user.department -eq "Sales")', membershipRuleProcessingState: 'On' });
    const sales = users.filter((u) => u.department === 'Sales').map((u) => u.id);
    expect(membersOf(t, dyn.id).sort()).toEqual(sales.sort());
  });

  it('has Microsoft 365 groups, a mail-enabled security group and a distribution group', () => {
    const unified = [...t.groups.values()].filter((g) => g.groupTypes.includes('Unified'));
    expect(unified.length).toBeGreaterThanOrEqual(3);
    expect(unified.every((g) => g.mailEnabled && !g.securityEnabled && g.mail?.endsWith(`@${VERAFIELD_DOMAIN}`))).toBe(true);
    expect(t.groups.get(VERAFIELD.groups.securityAlerts)).toMatchObject({ mailEnabled: true, securityEnabled: true, groupTypes: [] });
    expect(t.groups.get(VERAFIELD.groups.newsletter)).toMatchObject({ mailEnabled: true, securityEnabled: false, groupTypes: [] });
  });

  it('holds admin roles as activated directory roles and as role assignments', () => {
    const roleMembers = (templateId: string) => [...t.directoryRoles.values()].find((r) => r.roleTemplateId === templateId)?.memberIds;
    const assigned = (templateId: string) => [...t.roleAssignments.values()].filter((a) => a.roleDefinitionId === templateId).map((a) => a.principalId);
    const ga = VERAFIELD.roles.globalAdministrator.templateId;
    expect(ga).toBe('62e90394-69f5-4237-9190-012177145e10');
    expect(roleMembers(ga)).toEqual([VERAFIELD.users.globalAdmin.id, VERAFIELD.users.secondGlobalAdmin.id]);
    expect(assigned(ga)).toEqual(roleMembers(ga));
    expect(roleMembers('fe930be7-5e62-47db-91af-98c3a49a38b1')).toEqual([VERAFIELD.users.userAdmin.id]);
    expect(roleMembers('95e79109-95c0-4d8e-aee3-d01accf2d47b')).toEqual([VERAFIELD.users.guestInviter.id]);
    expect(t.roleDefinitions.get(ga)).toMatchObject({ id: ga, templateId: ga, isBuiltIn: true });
    expect([...t.roleAssignments.values()].every((a) => a.directoryScopeId === '/')).toBe(true);
  });

  it('has the conditional-access policies the MFA analysis needs', () => {
    const p = (id: string) => t.conditionalAccessPolicies.get(id)!;
    expect(p(VERAFIELD.policies.productMfa)).toMatchObject({
      state: 'enabled',
      conditions: {
        applications: { includeApplications: [DEFAULT_PRODUCT_APP_ID] },
        users: { includeUsers: ['All'], excludeGroups: [VERAFIELD.groups.breakGlass] },
      },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    expect(p(VERAFIELD.policies.reportOnlyCompliantDevice).state).toBe('enabledForReportingButNotEnforced');
    expect(p(VERAFIELD.policies.office365MfaExceptTravel).conditions.users.excludeGroups).toEqual([VERAFIELD.groups.travelExemptions]);
    expect(p(VERAFIELD.policies.disabledContractorBlock).state).toBe('disabled');
    expect(p(VERAFIELD.policies.blockLegacyAuth)).toMatchObject({
      conditions: { applications: { includeApplications: ['All'] }, clientAppTypes: ['exchangeActiveSync', 'other'] },
      grantControls: { builtInControls: ['block'] },
    });
    expect(p(VERAFIELD.policies.adminMfa).conditions.users.includeRoles).toContain(VERAFIELD.roles.globalAdministrator.templateId);
  });

  it('registers the product app with credentials expiring soon and long expired', () => {
    const product = VERAFIELD.apps.product;
    const app = t.applications.get(product.applicationId)!;
    expect(app.appId).toBe(DEFAULT_PRODUCT_APP_ID);
    expect(t.servicePrincipals.get(product.servicePrincipalId)?.appId).toBe(DEFAULT_PRODUCT_APP_ID);
    const daysLeft = app.passwordCredentials.map((c) => (Date.parse(c.endDateTime!) - NOW) / DAY);
    expect(daysLeft.some((d) => d > 0 && d <= 14)).toBe(true);
    expect(daysLeft.some((d) => d < -30)).toBe(true);
    const allCredentials = [...t.applications.values(), ...t.servicePrincipals.values()].flatMap((o) => [...o.passwordCredentials, ...o.keyCredentials]);
    expect(allCredentials.some((c) => 'usage' in c && Date.parse(c.endDateTime!) < NOW - 30 * DAY)).toBe(true);
    expect(allCredentials.every((c) => Date.parse(c.startDateTime!) < Date.parse(c.endDateTime!))).toBe(true);
  });

  it('holds grants and app role assignments against the Microsoft Graph service principal', () => {
    const graph = t.servicePrincipals.get(VERAFIELD.graphServicePrincipalId)!;
    expect(graph.appId).toBe(GRAPH_APP_ID);
    const grants = [...t.oauth2PermissionGrants.values()];
    expect(grants.map((g) => g.consentType).sort()).toEqual(['AllPrincipals', 'AllPrincipals', 'Principal']);
    expect(grants.every((g) => g.resourceId === graph.id && t.servicePrincipals.has(g.clientId))).toBe(true);
    const assignments = [...t.appRoleAssignments.values()];
    expect(assignments.length).toBeGreaterThan(0);
    expect(assignments.every((a) => graph.appRoles.some((r) => r.id === a.appRoleId))).toBe(true);
  });

  it('loads into the store (every membership edge points at an existing object)', () => {
    expect(() => new SimStore().addTenant(t)).not.toThrow();
  });

  it('gets domains of its own for another tenant id, so two can share a simulator', () => {
    const other = generateTenant('verafield', { tenantId: 'ABCDEF12-0000-4000-8000-000000000001', now: NOW });
    expect(other.id).toBe('abcdef12-0000-4000-8000-000000000001');
    expect(other.organization.verifiedDomains.map((d) => d.name)).toEqual(['verafield-abcdef12.com', 'verafieldabcdef12.onmicrosoft.com']);
    const store = new SimStore();
    store.addTenant(t);
    store.addTenant(other);
    expect(store.getTenant('verafield-abcdef12.com')?.id).toBe(other.id);
    expect(verafieldFixture({ tenantId: other.id }).users.financeEmployee.userPrincipalName).toBe('nora.finch@verafield-abcdef12.com');
  });
});

describe('Microsoft Graph permissions', () => {
  it("carries Microsoft's ids for the application and delegated permissions the gateway uses", () => {
    expect(appRoleIdOf('User.Read.All')).toBe('df021288-bdef-4463-88db-98f22de89214');
    expect(appRoleIdOf('GroupMember.Read.All')).toBe('98830695-27a2-44f7-8c18-0c3ebc9698f6');
    expect(appRoleNameOf('246dd0d5-5bd0-4def-940b-0421030a5b68')).toBe('Policy.Read.All');
    expect(scopeIdOf('offline_access')).toBe('7427e0e9-2fba-42fe-b0c0-848c9e6a8182');
    expect(scopeIdOf('User.Read')).toBe('e1fe6dd8-ba31-4d61-89e7-88639da4683d');
    expect(appRoleIdOf('openid')).toBeUndefined();
    expect(appRoleIdOf('toString')).toBeUndefined();
  });

  it('publishes every permission on the Graph service principal of every tenant', () => {
    for (const t of [generateTenant('verafield', { now: NOW }), generateTenant('scale', { users: 50, groups: 5, now: NOW })]) {
      const graph = [...t.servicePrincipals.values()].find((sp) => sp.appId === GRAPH_APP_ID)!;
      expect(graph.oauth2PermissionScopes.map((s) => s.value).sort()).toEqual(Object.keys(GRAPH_PERMISSIONS).sort());
      expect(graph.appRoles.map((r) => r.value)).toEqual(
        expect.arrayContaining(['User.Read.All', 'User.ReadWrite.All', 'GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'RoleManagement.Read.Directory', 'Application.Read.All']),
      );
      expect(graph.appRoles).toHaveLength(10);
    }
  });
});

describe('scale', () => {
  const t = generateTenant('scale', { now: NOW });
  const sizes = [...t.members.values()].map((m) => m.size).sort((a, b) => a - b);

  it('has 100,000 users and 5,000 groups by default', () => {
    expect(t.users.size).toBe(100_000);
    expect(t.groups.size).toBe(5_000);
    expect(t.organization.verifiedDomains).toHaveLength(1);
  });

  it('sizes groups from 2 to 20,000, most small and a few huge', () => {
    const userMembers = [...t.members.values()].map((m) => [...m].filter((id) => t.users.has(id)).length);
    expect(Math.min(...userMembers)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...userMembers)).toBe(20_000);
    expect(sizes[Math.floor(sizes.length / 2)]).toBeLessThan(20);
    expect(sizes.filter((s) => s > 1000).length).toBeGreaterThan(5);
  });

  it('nests some security groups, never a Microsoft 365 group', () => {
    const nested = [...t.members.values()].flatMap((m) => [...m].filter((id) => t.groups.has(id)));
    expect(nested.length).toBeGreaterThan(50);
    expect(nested.every((id) => !t.groups.get(id)!.groupTypes.includes('Unified'))).toBe(true);
  });

  it('gives every user a unique UPN on the tenant domain', () => {
    const domain = t.organization.verifiedDomains[0].name;
    const upns = [...t.users.values()].map((u) => u.userPrincipalName);
    expect(upns.filter((upn) => !upn.endsWith(`@${domain}`))).toEqual([]);
    expect(new Set(upns).size).toBe(100_000);
  });

  it('loads into the store and answers transitive lookups over the largest group', () => {
    const store = new SimStore(() => NOW);
    store.addTenant(t);
    const largest = [...t.members.entries()].reduce((a, b) => (b[1].size > a[1].size ? b : a))[0];
    expect(store.transitiveMembers(t.id, largest).length).toBeGreaterThanOrEqual(20_000);
  });
});
