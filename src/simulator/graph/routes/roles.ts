/**
 * Directory roles (activated only, never paged) and role management: definitions, assignments, and
 * Privileged Identity Management's schedules (graph-facts §12): roleEligibilitySchedules (who may activate a
 * role, from when until when) and roleAssignmentSchedules (active assignments: permanent ones "Assigned",
 * activated eligible ones "Activated" until their end). One relationship per $expand (principal or
 * roleDefinition), as the simulator's $expand parser allows.
 */
import { notFound } from '../../errors';
import type { SimRoleAssignment, SimRoleEligibilitySchedule, SimRoleSchedule, SimTenant } from '../../model';
import { getObject, listCollection, listDirectoryObjects } from '../collection';
import { DIRECTORY_OBJECT, DIRECTORY_ROLE, ROLE_ASSIGNMENT, ROLE_ASSIGNMENT_SCHEDULE, ROLE_DEFINITION, ROLE_ELIGIBILITY_SCHEDULE, type EntityType } from '../entities';
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
  expandable: { principal: DIRECTORY_OBJECT, roleDefinition: ROLE_DEFINITION },
};

function role(call: Call) {
  const found = call.tenant.directoryRoles.get(call.params.id);
  if (!found) throw notFound(call.params.id);
  return found;
}

const scheduleRules = (entity: EntityType): QueryRules => ({
  entity,
  allowed: ['$select', '$filter', '$expand', '$skiptoken'],
  expandable: { principal: DIRECTORY_OBJECT, roleDefinition: ROLE_DEFINITION },
});

/** Graph's requestSchedule: start, and an expiration of noExpiration or afterDateTime. */
function scheduleInfo(schedule: SimRoleSchedule) {
  return {
    startDateTime: schedule.startDateTime,
    recurrence: null,
    expiration: schedule.endDateTime === null
      ? { type: 'noExpiration', endDateTime: null, duration: null }
      : { type: 'afterDateTime', endDateTime: schedule.endDateTime, duration: null },
  };
}

type ScheduleJson = { id: string; principalId: string; roleDefinitionId: string; [k: string]: unknown };

export function eligibilityJson(e: SimRoleEligibilitySchedule): ScheduleJson {
  return {
    id: e.id, principalId: e.principalId, roleDefinitionId: e.roleDefinitionId, directoryScopeId: e.directoryScopeId, appScopeId: null,
    createdDateTime: e.createdDateTime, modifiedDateTime: null, createdUsing: e.id, status: 'Provisioned', memberType: e.memberType,
    scheduleInfo: scheduleInfo(e),
  };
}

/** Every active assignment is also an assignment schedule: permanent (Assigned, no expiration) unless it says otherwise. */
export function assignmentScheduleJson(a: SimRoleAssignment, tenant: SimTenant): ScheduleJson {
  const schedule = a.schedule ?? {
    assignmentType: 'Assigned' as const,
    memberType: 'Direct' as const,
    createdDateTime: tenant.organization.createdDateTime,
    startDateTime: tenant.organization.createdDateTime,
    endDateTime: null,
  };
  return {
    id: a.id, principalId: a.principalId, roleDefinitionId: a.roleDefinitionId, directoryScopeId: a.directoryScopeId, appScopeId: null,
    createdDateTime: schedule.createdDateTime, modifiedDateTime: null, createdUsing: a.id, status: 'Provisioned', memberType: schedule.memberType,
    assignmentType: schedule.assignmentType, scheduleInfo: scheduleInfo(schedule),
  };
}

const expandSchedule = (call: Call) => (item: object, property: string) => {
  const schedule = item as ScheduleJson;
  if (property === 'roleDefinition') {
    const definition = call.tenant.roleDefinitions.get(schedule.roleDefinitionId);
    return definition ? { entity: ROLE_DEFINITION, object: definition } : null;
  }
  return directoryObject(call, schedule.principalId) ?? null;
};

/** principal and roleDefinition are single-valued: an object (or null), not a list. */
const expandPrincipal = (call: Call) => (assignment: object, property: string) => {
  const { principalId, roleDefinitionId } = assignment as SimRoleAssignment;
  if (property === 'roleDefinition') {
    const definition = call.tenant.roleDefinitions.get(roleDefinitionId);
    return definition ? { entity: ROLE_DEFINITION, object: definition } : null;
  }
  return directoryObject(call, principalId) ?? null;
};

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
      const rules: QueryRules = { entity: ROLE_ASSIGNMENT, allowed: ['$select', '$expand'], expandable: ASSIGNMENT_RULES.expandable };
      return getObject(call, rules, assignment, 'roleManagement/directory/roleAssignments', expandPrincipal(call));
    },
  },
  {
    method: 'GET',
    template: '/roleManagement/directory/roleEligibilitySchedules',
    permission: 'readRoleEligibility',
    handler: (call) =>
      listCollection(call, {
        rules: scheduleRules(ROLE_ELIGIBILITY_SCHEDULE),
        items: [...call.tenant.roleEligibilitySchedules.values()].map(eligibilityJson),
        contextFragment: 'roleManagement/directory/roleEligibilitySchedules',
        expand: expandSchedule(call),
      }),
  },
  {
    method: 'GET',
    template: '/roleManagement/directory/roleAssignmentSchedules',
    permission: 'readRoleAssignmentSchedules',
    handler: (call) =>
      listCollection(call, {
        rules: scheduleRules(ROLE_ASSIGNMENT_SCHEDULE),
        items: [...call.tenant.roleAssignments.values()].map((a) => assignmentScheduleJson(a, call.tenant)),
        contextFragment: 'roleManagement/directory/roleAssignmentSchedules',
        expand: expandSchedule(call),
      }),
  },
];
