/** Roles, role management, conditional-access policies, apps, grants, getByIds and organization. */
import { VERAFIELD } from '../../src/simulator/generator';
import { startGraphSim, type GraphSim } from './graph-client';

const GLOBAL_ADMIN_TEMPLATE = '62e90394-69f5-4237-9190-012177145e10';

let g: GraphSim;
beforeAll(async () => {
  g = await startGraphSim();
});
afterAll(() => g.close());

const tenant = () => g.sim.ctx.store.requireTenant(VERAFIELD.tenantId);

describe('directory roles', () => {
  test('lists only activated roles, without paging; $top is refused', async () => {
    const res = await g.get('/directoryRoles');
    expect(res.body.value).toHaveLength(tenant().directoryRoles.size);
    expect(res.body['@odata.nextLink']).toBeUndefined();
    const top = await g.get('/directoryRoles?$top=1');
    expect([top.status, top.body.error.message]).toEqual([400, expect.stringContaining("Query option 'Top' is not allowed.")]);
  });

  test('role members are typed directory objects', async () => {
    const role = [...tenant().directoryRoles.values()].find((r) => r.roleTemplateId === GLOBAL_ADMIN_TEMPLATE)!;
    const res = await g.get(`/directoryRoles/${role.id}/members?$select=id,userPrincipalName`);
    expect(res.body.value).toContainEqual({
      '@odata.type': '#microsoft.graph.user',
      id: VERAFIELD.users.globalAdmin.id,
      userPrincipalName: VERAFIELD.users.globalAdmin.userPrincipalName,
    });
  });

  test('roleAssignments filter by roleDefinitionId or principalId and expand the principal', async () => {
    const filter = encodeURIComponent(`roleDefinitionId eq '${GLOBAL_ADMIN_TEMPLATE}'`);
    const res = await g.get(`/roleManagement/directory/roleAssignments?$filter=${filter}&$expand=principal`);
    expect(res.status).toBe(200);
    const admin = res.body.value.find((a: { principalId: string }) => a.principalId === VERAFIELD.users.globalAdmin.id);
    expect(admin).toMatchObject({ roleDefinitionId: GLOBAL_ADMIN_TEMPLATE, directoryScopeId: '/' });
    expect(admin.principal).toMatchObject({ '@odata.type': '#microsoft.graph.user', id: VERAFIELD.users.globalAdmin.id });
    const byPrincipal = await g.get(`/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${VERAFIELD.users.userAdmin.id}'`)}`);
    expect(byPrincipal.body.value.length).toBeGreaterThan(0);
    expect(byPrincipal.body.value.every((a: { principalId: string }) => a.principalId === VERAFIELD.users.userAdmin.id)).toBe(true);
  });

  test('roleDefinitions: id is the template id for built-in roles', async () => {
    const res = await g.get(`/roleManagement/directory/roleDefinitions/${GLOBAL_ADMIN_TEMPLATE}`);
    expect(res.body).toMatchObject({ id: GLOBAL_ADMIN_TEMPLATE, templateId: GLOBAL_ADMIN_TEMPLATE, displayName: 'Global Administrator', isBuiltIn: true });
  });
});

describe('conditional access', () => {
  test('lists and gets policies with conditions and grant controls; unknown -> 404', async () => {
    const list = await g.get('/identity/conditionalAccess/policies');
    expect(list.body.value).toHaveLength(tenant().conditionalAccessPolicies.size);
    const one = await g.get(`/identity/conditionalAccess/policies/${VERAFIELD.policies.productMfa}`);
    expect(one.body.conditions.applications.includeApplications).toContain(VERAFIELD.productAppId);
    expect(one.body.grantControls.builtInControls).toContain('mfa');
    expect((await g.get('/identity/conditionalAccess/policies/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });

  test('policies page with $top and $skip', async () => {
    const all = (await g.get('/identity/conditionalAccess/policies?$orderby=displayName&$select=id')).body.value.map((p: { id: string }) => p.id);
    const first = await g.get('/identity/conditionalAccess/policies?$orderby=displayName&$select=id&$top=2&$skip=1');
    expect(first.body.value.map((p: { id: string }) => p.id)).toEqual(all.slice(1, 3));
    const second = await g.get(first.body['@odata.nextLink']);
    expect(second.body.value.map((p: { id: string }) => p.id)).toEqual(all.slice(3, 5));
    expect((await g.get('/identity/conditionalAccess/policies?$skip=-1')).status).toBe(400);
  });
});

describe('apps, service principals and grants', () => {
  test('servicePrincipals filter by appId; appRoleAssignments and delegated grants of one', async () => {
    const sp = await g.get(`/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${VERAFIELD.productAppId}'`)}`);
    expect(sp.body.value.map((s: { id: string }) => s.id)).toEqual([VERAFIELD.apps.product.servicePrincipalId]);
    const assignments = await g.get(`/servicePrincipals/${VERAFIELD.apps.product.servicePrincipalId}/appRoleAssignments`);
    expect(assignments.status).toBe(200);
    for (const a of assignments.body.value) expect(a.principalId).toBe(VERAFIELD.apps.product.servicePrincipalId);
    const grants = await g.get(`/servicePrincipals/${VERAFIELD.apps.product.servicePrincipalId}/oauth2PermissionGrants`);
    for (const grant of grants.body.value) expect(grant.clientId).toBe(VERAFIELD.apps.product.servicePrincipalId);
    expect((await g.get('/oauth2PermissionGrants')).body.value).toHaveLength(tenant().oauth2PermissionGrants.size);
  });

  test('an application lists its credentials, never a secretText', async () => {
    const res = await g.get(`/applications/${VERAFIELD.apps.product.applicationId}`);
    expect(res.body.passwordCredentials.map((c: { keyId: string }) => c.keyId)).toContain(VERAFIELD.apps.product.credentialKeyIds['product-secret-expiring']);
    expect(res.text).not.toContain('secretText');
    expect(res.body.keyCredentials[0]).toMatchObject({ type: expect.any(String), usage: expect.any(String) });
  });
});

describe('Privileged Identity Management schedules', () => {
  const USER_ADMIN_TEMPLATE = 'fe930be7-5e62-47db-91af-98c3a49a38b1';

  test('roleEligibilitySchedules: Verafield has eligible admins, time-bound or permanent, with Graph’s scheduleInfo', async () => {
    const res = await g.get('/roleManagement/directory/roleEligibilitySchedules');
    expect(res.status).toBe(200);
    const byPrincipal = new Map(res.body.value.map((s: { principalId: string }) => [s.principalId, s]));
    const now = g.sim.ctx.now();
    const ga = byPrincipal.get(VERAFIELD.users.platformEngineer.id) as any;
    expect(ga).toMatchObject({ roleDefinitionId: GLOBAL_ADMIN_TEMPLATE, directoryScopeId: '/', memberType: 'Direct', status: 'Provisioned' });
    expect(ga.scheduleInfo.expiration.type).toBe('afterDateTime');
    expect(Date.parse(ga.scheduleInfo.expiration.endDateTime)).toBeGreaterThan(now);
    expect(Date.parse(ga.scheduleInfo.startDateTime)).toBeLessThan(now);
    expect(byPrincipal.get(VERAFIELD.users.dataEngineer.id)).toMatchObject({ roleDefinitionId: USER_ADMIN_TEMPLATE, scheduleInfo: { expiration: { type: 'noExpiration', endDateTime: null } } });
    // Eligible is not active: no assignment, no directory role membership.
    expect([...tenant().roleAssignments.values()].map((a) => a.principalId)).not.toContain(VERAFIELD.users.platformEngineer.id);
  });

  test('roleEligibilitySchedules filter by principal and expand the principal or the role definition', async () => {
    const filter = encodeURIComponent(`principalId eq '${VERAFIELD.users.platformEngineer.id}'`);
    const principal = await g.get(`/roleManagement/directory/roleEligibilitySchedules?$filter=${filter}&$expand=principal`);
    expect(principal.body.value).toEqual([expect.objectContaining({ principal: expect.objectContaining({ '@odata.type': '#microsoft.graph.user', id: VERAFIELD.users.platformEngineer.id }) })]);
    const definition = await g.get(`/roleManagement/directory/roleEligibilitySchedules?$filter=${filter}&$expand=roleDefinition`);
    expect(definition.body.value[0].roleDefinition).toMatchObject({ id: GLOBAL_ADMIN_TEMPLATE, displayName: 'Global Administrator' });
  });

  test('roleAssignmentSchedules list every active assignment as a permanent Assigned schedule', async () => {
    const res = await g.get(`/roleManagement/directory/roleAssignmentSchedules?$filter=${encodeURIComponent(`roleDefinitionId eq '${GLOBAL_ADMIN_TEMPLATE}'`)}`);
    expect(res.status).toBe(200);
    expect(res.body.value.map((s: { principalId: string }) => s.principalId).sort()).toEqual([VERAFIELD.users.globalAdmin.id, VERAFIELD.users.secondGlobalAdmin.id].sort());
    expect(res.body.value[0]).toMatchObject({ assignmentType: 'Assigned', memberType: 'Direct', scheduleInfo: { expiration: { type: 'noExpiration' } } });
  });

  test('each needs its own read permission or role management; Directory.Read.All is not enough', async () => {
    const eligibilityOnly = await g.tokenWith(['RoleEligibilitySchedule.Read.Directory']);
    expect((await g.call('GET', '/roleManagement/directory/roleEligibilitySchedules', { token: eligibilityOnly })).status).toBe(200);
    expect((await g.call('GET', '/roleManagement/directory/roleAssignmentSchedules', { token: eligibilityOnly })).status).toBe(403);
    const assignmentOnly = await g.tokenWith(['RoleAssignmentSchedule.Read.Directory']);
    expect((await g.call('GET', '/roleManagement/directory/roleAssignmentSchedules', { token: assignmentOnly })).status).toBe(200);
    const directory = await g.tokenWith(['Directory.Read.All']);
    expect((await g.call('GET', '/roleManagement/directory/roleEligibilitySchedules', { token: directory })).status).toBe(403);
    const roleManagement = await g.tokenWith(['RoleManagement.Read.Directory']);
    expect((await g.call('GET', '/roleManagement/directory/roleEligibilitySchedules', { token: roleManagement })).status).toBe(200);
  });
});

describe('getByIds and organization', () => {
  test('getByIds returns the objects found, typed, optionally restricted by type', async () => {
    const ids = [VERAFIELD.users.salesRep.id, VERAFIELD.groups.finance, '00000000-0000-0000-0000-0000000000ff'];
    const all = await g.call('POST', '/directoryObjects/getByIds', { body: { ids } });
    expect(all.body.value.map((o: Record<string, string>) => [o['@odata.type'], o.id])).toEqual([
      ['#microsoft.graph.user', ids[0]],
      ['#microsoft.graph.group', ids[1]],
    ]);
    const groupsOnly = await g.call('POST', '/directoryObjects/getByIds', { body: { ids, types: ['group'] } });
    expect(groupsOnly.body.value.map((o: { id: string }) => o.id)).toEqual([ids[1]]);
    expect((await g.call('POST', '/directoryObjects/getByIds', { body: { ids: [] } })).status).toBe(400);
  });

  test('getByIds types are case-insensitive; an unknown type is a 400 naming the known ones', async () => {
    const ids = [VERAFIELD.users.salesRep.id, VERAFIELD.groups.finance];
    for (const types of [['Group'], ['GROUP'], ['gRoUp']]) {
      const res = await g.call('POST', '/directoryObjects/getByIds', { body: { ids, types } });
      expect([res.status, res.body.value?.map((o: { id: string }) => o.id)]).toEqual([200, [ids[1]]]);
    }
    const both = await g.call('POST', '/directoryObjects/getByIds', { body: { ids, types: ['User', 'group'] } });
    expect(both.body.value.map((o: { id: string }) => o.id)).toEqual(ids);
    const unknown = await g.call('POST', '/directoryObjects/getByIds', { body: { ids, types: ['printer'] } });
    expect([unknown.status, unknown.body.error.message]).toEqual([400, expect.stringContaining('got ["printer"]')]);
  });

  test('organization is the token’s tenant', async () => {
    const res = await g.get('/organization');
    expect(res.body.value).toEqual([expect.objectContaining({ id: VERAFIELD.tenantId, displayName: 'Verafield Technologies' })]);
  });
});
