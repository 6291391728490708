/**
 * Tenant.directoryRoles, Tenant.roleAssignments and Tenant.privilegedUsers; DirectoryRole.members and
 * DirectoryRole.privileged. roleAssignments and privilegedUsers read the same assignments (and definitions)
 * through the request's loader, so asking for both costs the reads once.
 */
import 'reflect-metadata';
import type { GraphQLResolveInfo } from 'graphql';
import { Ctx, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../../core/context';
import { ErrorCode, GatewayError } from '../../core/errors';
import { Tenant } from '../../tenants/tenant.entity';
import { TenantObject } from '../../tenants/tenant.types';
import type { TenantDirectory } from '../graph-access';
import { toDirectoryRole, toMember } from '../directory-object.mapping';
import {
  DirectoryMember,
  DirectoryRole,
  GROUP_PROPERTIES,
  SERVICE_PRINCIPAL_PROPERTIES,
  USER_PROPERTIES,
} from '../directory-object.types';
import { graphSelect, selectedFields } from '../select';
import { isPrivilegedRole } from './privileged-roles';
import { groupPrincipalsOf, privilegedUsersOf, roleCatalogOf, scheduleOf, throughGroups, toRoleAssignment } from './role.mapping';
import { PrivilegedUser, RoleAssignment, RoleAssignmentState, type RolePrincipal } from './role.types';
import {
  readDirectoryRoleMembers,
  readDirectoryRoles,
  readRoleAssignments,
  readRoleAssignmentSchedules,
  readRoleDefinitions,
  readRoleEligibilitySchedules,
  readRoleGroupMembers,
} from './security-reads';

/** A read the consent may not cover: Graph's 403 becomes `fallback`, anything else still fails. */
function unlessForbidden<T>(read: Promise<T>, fallback: T): Promise<T> {
  return read.catch((err: unknown) => {
    if (err instanceof GatewayError && err.extensions.code === ErrorCode.UPSTREAM_FORBIDDEN) return fallback;
    throw err;
  });
}

async function roleAssignmentsOf(directory: TenantDirectory): Promise<RoleAssignment[]> {
  // The schedules only add start and end to active assignments: a consent that reads roles through
  // Directory.Read.All (which PIM's endpoints do not accept) still lists them, as permanent.
  const schedulesOrNone = unlessForbidden(readRoleAssignmentSchedules(directory), []);
  const [assignments, definitions, schedules] = await Promise.all([readRoleAssignments(directory), readRoleDefinitions(directory), schedulesOrNone]);
  const roles = roleCatalogOf(definitions);
  return assignments.map((json) => toRoleAssignment(json, roles, directory.tenantId, RoleAssignmentState.ACTIVE, scheduleOf(json, schedules)));
}

/**
 * Active assignments, then PIM-eligible ones (Graph lists them apart: roleEligibilitySchedules), then for each
 * held by a role-assignable group the same held by each of its members (via GROUP). A consent that cannot read
 * a group's members lists the group alone.
 */
async function holdersOf(directory: TenantDirectory): Promise<RoleAssignment[]> {
  const [active, eligible, definitions] = await Promise.all([roleAssignmentsOf(directory), readRoleEligibilitySchedules(directory), readRoleDefinitions(directory)]);
  const roles = roleCatalogOf(definitions);
  const assignments = [...active, ...eligible.map((json) => toRoleAssignment(json, roles, directory.tenantId, RoleAssignmentState.ELIGIBLE))];
  const groups = groupPrincipalsOf(assignments);
  const members = await Promise.all(groups.map((id) => unlessForbidden(readRoleGroupMembers(directory, id), null)));
  const membersByGroup = new Map(groups.flatMap((id, i) => (members[i] ? [[id, members[i]] as const] : [])));
  return throughGroups(assignments, membersByGroup, directory.tenantId);
}

@Resolver(() => TenantObject)
export class TenantRolesResolver {
  @FieldResolver(() => [DirectoryRole], {
    nullable: true,
    description: 'The activated directory roles of the tenant (Graph lists only roles that have been activated), with their members (needs RoleManagement.Read.Directory).',
  })
  async directoryRoles(@Root() tenant: Tenant, @Ctx() ctx: GatewayContext): Promise<DirectoryRole[]> {
    const roles = await readDirectoryRoles(ctx.directory(tenant.id));
    return roles.map((json) => toDirectoryRole(json, tenant.id));
  }

  @FieldResolver(() => [RoleAssignment], {
    nullable: true,
    description: 'Every directory role assignment: who holds which role, at which scope (needs RoleManagement.Read.Directory).',
  })
  async roleAssignments(@Root() tenant: Tenant, @Ctx() ctx: GatewayContext): Promise<RoleAssignment[]> {
    return roleAssignmentsOf(ctx.directory(tenant.id));
  }

  @FieldResolver(() => [PrivilegedUser], {
    nullable: true,
    description:
      'Holders of privileged directory roles (the built-in roles Microsoft labels privileged, and custom roles granting a permission Microsoft labels privileged), active or PIM-eligible, directly or as members of a role-assignable group, each with the roles and the assignments that grant them (ACTIVE/ELIGIBLE, DIRECT/GROUP with the group, until when).',
  })
  async privilegedUsers(@Root() tenant: Tenant, @Ctx() ctx: GatewayContext): Promise<PrivilegedUser[]> {
    return privilegedUsersOf(await holdersOf(ctx.directory(tenant.id)));
  }
}

@Resolver(() => DirectoryRole)
export class DirectoryRoleSecurityResolver {
  @FieldResolver(() => Boolean, { description: 'True for a role Microsoft labels privileged: its holders can raise their own or others\' privileges.' })
  privileged(@Root() role: DirectoryRole): boolean {
    return isPrivilegedRole(role.roleTemplateId);
  }

  @FieldResolver(() => [RoleAssignment], {
    nullable: true,
    description:
      "Everyone who holds or may activate the role, tenant-wide or at a narrower scope: active and PIM-eligible assignments, a role-assignable group's members included, each saying how (ACTIVE/ELIGIBLE, DIRECT/GROUP with the group, until when).",
  })
  async holders(@Root() role: DirectoryRole, @Ctx() ctx: GatewayContext): Promise<RoleAssignment[]> {
    const template = role.roleTemplateId?.toLowerCase();
    return (await holdersOf(ctx.directory(role.tenantId))).filter((a) => a.roleDefinitionId.toLowerCase() === template);
  }

  @FieldResolver(() => [DirectoryMember], { nullable: true, description: 'Who holds the role as Graph lists it (/directoryRoles/{id}/members): users, service principals and role-assignable groups, active assignments only; holders says more.' })
  async members(@Root() role: DirectoryRole, @Ctx() ctx: GatewayContext, @Info() info: GraphQLResolveInfo): Promise<RolePrincipal[]> {
    const fields = ['User', 'Group', 'ServicePrincipal'].flatMap((type) => [...selectedFields(info, [], type)]);
    const select = graphSelect(fields, USER_PROPERTIES, GROUP_PROPERTIES, SERVICE_PRINCIPAL_PROPERTIES);
    const members = await readDirectoryRoleMembers(ctx.directory(role.tenantId), role.id, select);
    return members.map((json) => toMember(json, role.tenantId)).filter((member): member is RolePrincipal => member !== null);
  }
}
