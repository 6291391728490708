/**
 * Graph's unifiedRoleAssignment JSON (with $expand=principal) -> RoleAssignment, and the privileged-users
 * view: who holds a privileged role, which roles, through which assignments. Pure.
 */
import { toMember } from '../directory-object.mapping';
import { dateOrNull, objectOrNull, text, type Json } from './json';
import { isPrivilegedRole, PRIVILEGED_ROLE_TEMPLATES } from './privileged-roles';
import { RoleAssignmentState, RoleHoldingPath, type PrivilegedUser, type RoleAssignment, type RolePrincipal } from './role.types';

/** Role definition id -> name, from Graph's roleDefinitions (id and templateId both map, lower-cased). */
export function roleNamesOf(definitions: readonly Json[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const definition of definitions) {
    const name = text(definition.displayName);
    if (!name) continue;
    for (const key of [text(definition.id), text(definition.templateId)]) if (key) names.set(key.toLowerCase(), name);
  }
  return names;
}

/**
 * An active assignment (roleAssignments), or with `state` ELIGIBLE a PIM eligibility schedule; `schedule` is
 * the assignment's or eligibility's own PIM schedule JSON (scheduleInfo, memberType), when known: without one an
 * active assignment is taken as direct and permanent.
 */
export function toRoleAssignment(
  json: Json,
  roleNames: ReadonlyMap<string, string>,
  tenantId: string,
  state: RoleAssignmentState = RoleAssignmentState.ACTIVE,
  schedule: Json | null = state === RoleAssignmentState.ELIGIBLE ? json : null,
): RoleAssignment {
  const roleDefinitionId = text(json.roleDefinitionId);
  const key = roleDefinitionId.toLowerCase();
  const info = objectOrNull(schedule?.scheduleInfo);
  const expiration = objectOrNull(info?.expiration);
  const endsAt = expiration && text(expiration.type) !== 'noExpiration' ? dateOrNull(expiration.endDateTime) : null;
  return {
    id: text(json.id),
    principalId: text(json.principalId),
    principal: principalOf(json.principal, tenantId),
    roleDefinitionId,
    roleName: roleNames.get(key) ?? PRIVILEGED_ROLE_TEMPLATES[key] ?? null,
    directoryScopeId: text(json.directoryScopeId) || '/',
    privileged: isPrivilegedRole(roleDefinitionId),
    state,
    via: text(schedule?.memberType) === 'Group' ? RoleHoldingPath.GROUP : RoleHoldingPath.DIRECT,
    startsAt: dateOrNull(info?.startDateTime),
    endsAt,
    permanent: endsAt === null,
  };
}

/** The PIM schedule of an active assignment: same holder, role and scope (ids compare case-insensitively). */
export function scheduleOf(assignment: Json, schedules: readonly Json[]): Json | null {
  const key = (json: Json) => [json.principalId, json.roleDefinitionId, json.directoryScopeId || '/'].map((v) => text(v).toLowerCase()).join('|');
  const wanted = key(assignment);
  return schedules.find((schedule) => key(schedule) === wanted) ?? null;
}

/** Holders of privileged roles, in order of their first privileged assignment. */
export function privilegedUsersOf(assignments: readonly RoleAssignment[]): PrivilegedUser[] {
  const byPrincipal = new Map<string, PrivilegedUser>();
  for (const assignment of assignments) {
    if (!assignment.privileged || !assignment.principalId) continue;
    const key = assignment.principalId.toLowerCase();
    const holder = byPrincipal.get(key) ?? { principalId: assignment.principalId, principal: null, roles: [], eligibleRoles: [], assignments: [] };
    holder.assignments.push(assignment);
    holder.principal ??= assignment.principal;
    const name = assignment.roleName ?? assignment.roleDefinitionId;
    if (!holder.roles.includes(name)) holder.roles = [...holder.roles, name].sort();
    byPrincipal.set(key, holder);
  }
  for (const holder of byPrincipal.values()) {
    const active = new Set(holder.assignments.filter((a) => a.state === RoleAssignmentState.ACTIVE).map((a) => a.roleName ?? a.roleDefinitionId));
    holder.eligibleRoles = holder.roles.filter((name) => !active.has(name));
  }
  return [...byPrincipal.values()];
}

/** A user, group or service principal; null when Graph expanded nothing usable (or a kind the schema lacks). */
function principalOf(value: unknown, tenantId: string): RolePrincipal | null {
  const json = objectOrNull(value);
  return json && typeof json.id === 'string' ? toMember(json, tenantId) : null;
}
