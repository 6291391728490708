/**
 * What a privileged-access review reads beyond direct built-in assignments: role-assignable groups holding a
 * role, custom role definitions with their permissions, and role assignments expanded to their principal or
 * definition (Graph v1.0: unifiedRoleDefinition.rolePermissions, group.isAssignableToRole).
 */
import { VERAFIELD } from '../../src/simulator/generator';
import { startGraphSim, type GraphSim } from './graph-client';

let g: GraphSim;
beforeAll(async () => {
  g = await startGraphSim();
});
afterAll(() => g.close());

test('role-assignable groups: isAssignableToRole is returned and filterable, and cannot be changed later', async () => {
  const res = await g.get('/groups?$filter=isAssignableToRole eq true&$select=id,displayName,isAssignableToRole');
  expect(res.status).toBe(200);
  expect(res.body.value).toEqual([{ id: VERAFIELD.groups.identityAdmins, displayName: 'Identity Admins', isAssignableToRole: true }]);
  const plain = await g.get(`/groups/${VERAFIELD.groups.finance}?$select=isAssignableToRole`);
  expect(plain.body.isAssignableToRole).toBeNull();
  const patch = await g.call('PATCH', `/groups/${VERAFIELD.groups.finance}`, { body: { isAssignableToRole: true } });
  expect([patch.status, patch.text]).toEqual([400, expect.stringContaining('isAssignableToRole')]);
  // Groups are created through the control API (the store's createGroup, with Graph's validation).
  const store = g.sim.ctx.store;
  const base = { mailEnabled: false, securityEnabled: true, isAssignableToRole: true };
  expect(() => store.createGroup(VERAFIELD.tenantId, { ...base, displayName: 'RA dyn', mailNickname: 'ra-dyn', groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "IT"' })).toThrow(/dynamic/);
  expect(() => store.createGroup(VERAFIELD.tenantId, { ...base, securityEnabled: false, displayName: 'RA mail', mailNickname: 'ra-mail' })).toThrow(/securityEnabled/);
  const created = store.createGroup(VERAFIELD.tenantId, { ...base, displayName: 'RA new', mailNickname: 'ra-new' });
  expect((await g.get(`/groups/${created.id}?$select=isAssignableToRole`)).body.isAssignableToRole).toBe(true);
});

test('role definitions: custom ones with isBuiltIn false and their rolePermissions', async () => {
  const res = await g.get('/roleManagement/directory/roleDefinitions?$filter=isBuiltIn eq false');
  expect(res.status).toBe(200);
  expect(res.body.value.map((d: any) => d.id).sort()).toEqual(Object.values(VERAFIELD.customRoles).sort());
  const manager = res.body.value.find((d: any) => d.id === VERAFIELD.customRoles.appCredentialManager);
  expect(manager).toMatchObject({ isBuiltIn: false, templateId: manager.id, rolePermissions: [expect.objectContaining({ allowedResourceActions: expect.arrayContaining(['microsoft.directory/applications/credentials/update']) })] });
});

test('role assignments: a group principal, $expand=roleDefinition, and custom roles absent from directoryRoles', async () => {
  const byGroup = await g.get(`/roleManagement/directory/roleAssignments?$filter=principalId eq '${VERAFIELD.groups.identityAdmins}'&$expand=principal`);
  expect(byGroup.body.value).toEqual([
    expect.objectContaining({ roleDefinitionId: VERAFIELD.roles.conditionalAccessAdministrator.templateId, principal: expect.objectContaining({ '@odata.type': '#microsoft.graph.group', id: VERAFIELD.groups.identityAdmins }) }),
  ]);
  const custom = await g.get(`/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '${VERAFIELD.customRoles.appCredentialManager}'&$expand=roleDefinition`);
  expect(custom.body.value).toEqual([
    expect.objectContaining({ principalId: VERAFIELD.users.onCallEngineer.id, roleDefinition: expect.objectContaining({ displayName: 'Verafield App Credential Manager', isBuiltIn: false }) }),
  ]);
  const roles = await g.get('/directoryRoles');
  expect(roles.body.value.map((r: any) => r.roleTemplateId)).not.toContain(VERAFIELD.customRoles.appCredentialManager);
  const members = await g.get(`/groups/${VERAFIELD.groups.identityAdmins}/members?$select=id`);
  expect(members.body.value.map((m: any) => m.id)).toContain(VERAFIELD.users.guestInviter.id);
});
