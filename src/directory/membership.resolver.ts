/**
 * Memberships, both ways: a user's groups and directory roles, a group's members and member count. These are
 * read for many parents at once (every group of a page), so every read goes through the request's loader:
 * one tick's reads become `$batch` calls of 20. Each field is nullable: one failing read nulls only itself.
 */
import 'reflect-metadata';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Int, Resolver, Root } from 'type-graphql';
import { graphPath } from '../graph';
import type { GatewayContext } from '../core/context';
import { ErrorCode, GatewayError } from '../core/errors';
import { MAX_PAGE_SIZE, pageSize, type Connection } from './connection';
import { isDirectoryRole, isGroup, toDirectoryRole, toGroup, toMember, type GraphJson } from './directory-object.mapping';
import {
  DIRECTORY_ROLE_PROPERTIES,
  DirectoryMemberConnection,
  DirectoryRole,
  Group,
  GROUP_PROPERTIES,
  GroupConnection,
  SERVICE_PRINCIPAL_PROPERTIES,
  ServicePrincipal,
  User,
  USER_PROPERTIES,
} from './directory-object.types';
import { PageArgs } from './directory.inputs';
import { listLink } from './directory-queries';
import { graphSelect, selectedFields, unionSelect } from './select';
import { defaultPageSize } from './tenant-directory.resolver';

const NODE = ['edges', 'node'];
const MEMBER_TYPES = [
  ['User', USER_PROPERTIES],
  ['Group', GROUP_PROPERTIES],
  ['ServicePrincipal', SERVICE_PRINCIPAL_PROPERTIES],
] as const;

@Resolver(() => User)
export class UserMembershipResolver {
  @FieldResolver(() => GroupConnection, {
    nullable: true,
    description: 'Groups the user is a member of: directly, or with transitive: true also through nested groups. Null when Graph could not be read.',
  })
  async groups(
    @Root() user: User,
    @Arg('transitive', () => Boolean, { defaultValue: false, description: 'Include groups reached through nested groups.' }) transitive: boolean,
    @Args() { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Group>> {
    const directory = ctx.directory(user.tenantId);
    const top = pageSize(first, defaultPageSize(ctx));
    const path = `${graphPath`/users/${user.id}`}/${transitive ? 'transitiveMemberOf' : 'memberOf'}`;
    const link = listLink(path, { select: graphSelect(selectedFields(info, NODE), GROUP_PROPERTIES), top });
    // memberOf also lists directory roles (and administrative units): they take their place in a page, without an edge.
    return directory.connection({ field: 'User.groups', link, first: top, after, batched: true }, (json: GraphJson) =>
      isGroup(json) ? toGroup(json, user.tenantId) : null,
    );
  }

  @FieldResolver(() => [DirectoryRole], {
    nullable: true,
    description: 'Activated directory roles the user holds, directly or through a role-assignable group. Null when Graph could not be read.',
  })
  async directoryRoles(@Root() user: User, @Ctx() ctx: GatewayContext, @Info() info: GraphQLResolveInfo): Promise<DirectoryRole[]> {
    const directory = ctx.directory(user.tenantId);
    const select = graphSelect(selectedFields(info), DIRECTORY_ROLE_PROPERTIES);
    const link = listLink(`${graphPath`/users/${user.id}`}/transitiveMemberOf`, { select, top: MAX_PAGE_SIZE });
    const objects = await directory.all<GraphJson>(link, { batched: true });
    return objects.filter(isDirectoryRole).map((json) => toDirectoryRole(json, user.tenantId));
  }
}

@Resolver(() => Group)
export class GroupMembershipResolver {
  @FieldResolver(() => DirectoryMemberConnection, {
    nullable: true,
    description: 'Members of the group (users, groups, service principals): direct, or with transitive: true those of nested groups too. Null when Graph could not be read.',
  })
  async members(
    @Root() group: Group,
    @Arg('transitive', () => Boolean, { defaultValue: false, description: 'Include members of nested groups (and not the nested groups themselves only).' })
    transitive: boolean,
    @Args() { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<User | Group | ServicePrincipal>> {
    const directory = ctx.directory(group.tenantId);
    const top = pageSize(first, defaultPageSize(ctx));
    const path = `${graphPath`/groups/${group.id}`}/${transitive ? 'transitiveMembers' : 'members'}`;
    const link = listLink(path, { select: unionSelect(info, NODE, MEMBER_TYPES), top });
    return directory.connection({ field: 'Group.members', link, first: top, after, batched: true }, (json: GraphJson) => toMember(json, group.tenantId));
  }

  @FieldResolver(() => Int, { nullable: true, description: 'How many direct members the group has (eventually consistent). Null when Graph could not count them.' })
  async memberCount(@Root() group: Group, @Ctx() ctx: GatewayContext): Promise<number> {
    const directory = ctx.directory(group.tenantId);
    const body = await directory.load<unknown>(`${graphPath`/groups/${group.id}`}/members/$count`, { eventual: true });
    const count = typeof body === 'number' ? body : Number(String(body).trim());
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `tenant ${group.tenantId}: Microsoft Graph answered the member count of group ${group.id} with something other than a number`);
    }
    return count;
  }
}
