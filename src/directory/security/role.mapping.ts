/**
 * Graph's unifiedRoleAssignment JSON (with $expand=principal) -> RoleAssignment, and the privileged-users
 * view: who holds a privileged role, which roles, through which assignments. Pure.
 */
import { toMember } from '../directory-object.mapping';
import { Group } from '../directory-object.types';
import { dateOrNull, listOf, objectOrNull, strings, text, type Json } from './json';
import { isPrivilegedRole, PRIVILEGED_ROLE_TEMPLATES, privilegedActionsOf } from './privileged-roles';
import { RoleAssignmentState, RoleHoldingPath, type PrivilegedUser, type RoleAssignment, type RolePrincipal } from './role.types';

/** What the gateway knows of a role definition: its name, built-in or custom, and a custom role's privileged permissions. */
export interface RoleInfo {
  name: string | null;
  builtIn: boolean;
  /** For a custom role: the permissions Microsoft labels privileged among its rolePermissions (empty: not privileged). */
  privilegedPermissions: string[];
}

export type RoleCatalog = ReadonlyMap<string, RoleInfo>;

/**
 * Role definition id -> RoleInfo, from Graph's roleDefinitions (id and templateId both map, lower-cased). A
 * definition that does not say isBuiltIn false is taken as built-in (judged by its template id).
 */
export function roleCatalogOf(definitions: readonly Json[]): Map<string, RoleInfo> {
  const catalog = new Map<string, RoleInfo>();
  for (const definition of definitions) {
    const builtIn = definition.isBuiltIn !== false;
    const permissions = listOf(definition.rolePermissions).map((p) => ({ allowedResourceActions: strings(p.allowedResourceActions), excludedResourceActions: strings(p.excludedResourceActions) }));
    const info: RoleInfo = { name: text(definition.displayName) || null, builtIn, privilegedPermissions: builtIn ? [] : privilegedActionsOf(permissions) };
    for (const key of [text(definition.id), text(definition.templateId)]) if (key) catalog.set(key.toLowerCase(), info);
  }
  return catalog;
}

/**
 * An active assignment (roleAssignments), or with `state` ELIGIBLE a PIM eligibility schedule; `schedule` is
 * the assignment's or eligibility's own PIM schedule JSON (scheduleInfo, memberType), when known: without one an
 * active assignment is taken as direct and permanent.
 */
export function toRoleAssignment(
  json: Json,
  roles: RoleCatalog,
  tenantId: string,
  state: RoleAssignmentState = RoleAssignmentState.ACTIVE,
  schedule: Json | null = state === RoleAssignmentState.ELIGIBLE ? json : null,
): RoleAssignment {
  const roleDefinitionId = text(json.roleDefinitionId);
  const key = roleDefinitionId.toLowerCase();
  const info = objectOrNull(schedule?.scheduleInfo);
  const expiration = objectOrNull(info?.expiration);
  const endsAt = expiration && text(expiration.type) !== 'noExpiration' ? dateOrNull(expiration.endDateTime) : null;
  const role = roles.get(key);
  const custom = role !== undefined && !role.builtIn;
  return {
    id: text(json.id),
    principalId: text(json.principalId),
    principal: principalOf(json.principal, tenantId),
    roleDefinitionId,
    roleName: role?.name ?? PRIVILEGED_ROLE_TEMPLATES[key] ?? null,
    directoryScopeId: text(json.directoryScopeId) || '/',
    // A custom role is privileged when it grants a permission Microsoft labels privileged (v1.0 has no flag).
    privileged: custom ? role.privilegedPermissions.length > 0 : isPrivilegedRole(roleDefinitionId),
    customRole: custom,
    privilegedPermissions: custom ? role.privilegedPermissions : [],
    viaGroup: null,
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

/**
 * Assignments held through role-assignable groups: for each assignment whose principal is a group with known
 * members, one more per member (user or service principal), via GROUP with the group as the path; the group's
 * own assignment stays. A role assigned to a role-assignable group is held by its direct members (graph-facts
 * §12: such groups cannot contain groups). Members of groups not in `membersByGroup` are not known.
 */
export function throughGroups(assignments: readonly RoleAssignment[], membersByGroup: ReadonlyMap<string, readonly Json[]>, tenantId: string): RoleAssignment[] {
  const out: RoleAssignment[] = [];
  for (const assignment of assignments) {
    out.push(assignment);
    const group = assignment.principal instanceof Group ? assignment.principal : null;
    const members = membersByGroup.get(assignment.principalId.toLowerCase());
    if (!members) continue;
    for (const json of members) {
      const member = principalOf(json, tenantId);
      if (!member || member instanceof Group) continue;
      out.push({ ...assignment, principalId: member.id, principal: member, via: RoleHoldingPath.GROUP, viaGroup: { id: assignment.principalId, displayName: group?.displayName ?? null } });
    }
  }
  return out;
}

/** The group principals of these assignments (lower-case ids), whose members hold their roles. */
export function groupPrincipalsOf(assignments: readonly RoleAssignment[]): string[] {
  return [...new Set(assignments.filter((a) => a.principal instanceof Group).map((a) => a.principalId.toLowerCase()))];
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
