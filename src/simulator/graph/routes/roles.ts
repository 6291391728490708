/** Directory roles (activated only, never paged) and role management (definitions, assignments). */
import { notFound } from '../../errors';
import type { SimRoleAssignment } from '../../model';
import { getObject, listCollection, listDirectoryObjects } from '../collection';
import { DIRECTORY_OBJECT, DIRECTORY_ROLE, ROLE_ASSIGNMENT, ROLE_DEFINITION } from '../entities';
import type { Call } from '../http';
import { directoryObject, directoryObjects } from '../lookup';
import type { QueryRules } from '../odata/query';
import type { RouteDef } from '../route';

/** graph-facts §1: /directoryRoles and its members are not toppable and have no nextLink. */
const ROLE_RULES: QueryRules = { entity: DIRECTORY_ROLE, allowed: ['$select', '$filter'] };
const ROLE_ITEM_RULES: QueryRules = { entity: DIRECTORY_ROLE, allowed: ['$select'] };
const DEFINITION_RULES: QueryRules = { entity: ROLE_DEFINITION, allowed: ['$select', '$filter', '$top', '$orderby', '$skiptoken'], maxTop: 999 };
const ASSIGNMENT_RULES: QueryRules = {
  entity: ROLE_ASSIGNMENT,
  allowed: ['$select', '$filter', '$top', '$expand', '$skiptoken'],
  maxTop: 999,
  expandable: { principal: DIRECTORY_OBJECT },
};

function role(call: Call) {
  const found = call.tenant.directoryRoles.get(call.params.id);
  if (!found) throw notFound(call.params.id);
  return found;
}

/** principal is single-valued: an object, not a list. */
const expandPrincipal = (call: Call) => (assignment: object) => directoryObject(call, (assignment as SimRoleAssignment).principalId) ?? null;

export const roleRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/directoryRoles',
    permission: 'readRoles',
    handler: (call) =>
      listCollection(call, { rules: ROLE_RULES, items: [...call.tenant.directoryRoles.values()], contextFragment: 'directoryRoles', unpaged: true }),
  },
  {
    method: 'GET',
    template: '/directoryRoles/{id}',
    permission: 'readRoles',
    handler: (call) => getObject(call, ROLE_ITEM_RULES, role(call), 'directoryRoles'),
  },
  {
    method: 'GET',
    template: '/directoryRoles/{id}/members',
    permission: 'readRoles',
    handler: (call) => listDirectoryObjects(call, directoryObjects(call, role(call).memberIds), { unpaged: true }),
  },
  {
    method: 'GET',
    template: '/roleManagement/directory/roleDefinitions',
    permission: 'readRoles',
    handler: (call) =>
      listCollection(call, {
        rules: DEFINITION_RULES,
        items: [...call.tenant.roleDefinitions.values()],
        contextFragment: 'roleManagement/directory/roleDefinitions',
      }),
  },
  {
    method: 'GET',
    template: '/roleManagement/directory/roleDefinitions/{id}',
    permission: 'readRoles',
    handler: (call) => {
      const definition = call.tenant.roleDefinitions.get(call.params.id);
      if (!definition) throw notFound(call.params.id);
      return getObject(call, { entity: ROLE_DEFINITION, allowed: ['$select'] }, definition, 'roleManagement/directory/roleDefinitions');
    },
  },
  {
    method: 'GET',
    template: '/roleManagement/directory/roleAssignments',
    permission: 'readRoles',
    handler: (call) =>
      listCollection(call, {
        rules: ASSIGNMENT_RULES,
        items: [...call.tenant.roleAssignments.values()],
        contextFragment: 'roleManagement/directory/roleAssignments',
        expand: expandPrincipal(call),
      }),
  },
  {
    method: 'GET',
    template: '/roleManagement/directory/roleAssignments/{id}',
    permission: 'readRoles',
    handler: (call) => {
      const assignment = call.tenant.roleAssignments.get(call.params.id);
      if (!assignment) throw notFound(call.params.id);
      const rules: QueryRules = { entity: ROLE_ASSIGNMENT, allowed: ['$select', '$expand'], expandable: { principal: DIRECTORY_OBJECT } };
      return getObject(call, rules, assignment, 'roleManagement/directory/roleAssignments', expandPrincipal(call));
    },
  },
];
