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
import { privilegedUsersOf, roleNamesOf, scheduleOf, toRoleAssignment } from './role.mapping';
import { PrivilegedUser, RoleAssignment, RoleAssignmentState, type RolePrincipal } from './role.types';
import {
  readDirectoryRoleMembers,
  readDirectoryRoles,
  readRoleAssignments,
  readRoleAssignmentSchedules,
  readRoleDefinitions,
  readRoleEligibilitySchedules,
} from './security-reads';

async function roleAssignmentsOf(directory: TenantDirectory): Promise<RoleAssignment[]> {
  // The schedules only add start and end to active assignments: a consent that reads roles through
  // Directory.Read.All (which PIM's endpoints do not accept) still lists them, as permanent.
  const schedulesOrNone = readRoleAssignmentSchedules(directory).catch((err: unknown) => {
    if (err instanceof GatewayError && err.extensions.code === ErrorCode.UPSTREAM_FORBIDDEN) return [];
    throw err;
  });
  const [assignments, definitions, schedules] = await Promise.all([readRoleAssignments(directory), readRoleDefinitions(directory), schedulesOrNone]);
  const names = roleNamesOf(definitions);
  return assignments.map((json) => toRoleAssignment(json, names, directory.tenantId, RoleAssignmentState.ACTIVE, scheduleOf(json, schedules)));
}

/** Active assignments, then PIM-eligible ones (Graph lists them apart: roleEligibilitySchedules). */
async function activeAndEligibleOf(directory: TenantDirectory): Promise<RoleAssignment[]> {
  const [active, eligible, definitions] = await Promise.all([roleAssignmentsOf(directory), readRoleEligibilitySchedules(directory), readRoleDefinitions(directory)]);
  const names = roleNamesOf(definitions);
  return [...active, ...eligible.map((json) => toRoleAssignment(json, names, directory.tenantId, RoleAssignmentState.ELIGIBLE))];
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
      'Holders of privileged directory roles (Global Administrator, Privileged Role Administrator, User Administrator ...: the roles Microsoft labels privileged), active or PIM-eligible, each with the roles and the assignments that grant them (ACTIVE/ELIGIBLE, DIRECT/GROUP, until when).',
  })
  async privilegedUsers(@Root() tenant: Tenant, @Ctx() ctx: GatewayContext): Promise<PrivilegedUser[]> {
    return privilegedUsersOf(await activeAndEligibleOf(ctx.directory(tenant.id)));
  }
}

@Resolver(() => DirectoryRole)
export class DirectoryRoleSecurityResolver {
  @FieldResolver(() => Boolean, { description: 'True for a role Microsoft labels privileged: its holders can raise their own or others\' privileges.' })
  privileged(@Root() role: DirectoryRole): boolean {
    return isPrivilegedRole(role.roleTemplateId);
  }

  @FieldResolver(() => [DirectoryMember], { nullable: true, description: 'Who holds the role: users, service principals (and role-assignable groups).' })
  async members(@Root() role: DirectoryRole, @Ctx() ctx: GatewayContext, @Info() info: GraphQLResolveInfo): Promise<RolePrincipal[]> {
    const fields = ['User', 'Group', 'ServicePrincipal'].flatMap((type) => [...selectedFields(info, [], type)]);
    const select = graphSelect(fields, USER_PROPERTIES, GROUP_PROPERTIES, SERVICE_PRINCIPAL_PROPERTIES);
    const members = await readDirectoryRoleMembers(ctx.directory(role.tenantId), role.id, select);
    return members.map((json) => toMember(json, role.tenantId)).filter((member): member is RolePrincipal => member !== null);
  }
}
