/**
 * The directory hung on Tenant: users and groups, as lists (Relay connections over Graph's paging) and one
 * at a time. Every field asks ctx.directory(tenant.id), which checks directory:read on that tenant first.
 */
import 'reflect-metadata';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../core/context';
import { ErrorCode, GatewayError } from '../core/errors';
import { Tenant } from '../tenants/tenant.entity';
import { TenantObject } from '../tenants/tenant.types';
import { pageSize, type Connection } from './connection';
import { toGroup, toUser, type GraphJson } from './directory-object.mapping';
import { Group, GROUP_PROPERTIES, GroupConnection, User, USER_PROPERTIES, UserConnection } from './directory-object.types';
import { GroupFilter, PageArgs, UserFilter } from './directory.inputs';
import { groupListQuery, listLink, objectLink, userListQuery } from './directory-queries';
import { graphSelect, selectedFields } from './select';

const NODE = ['edges', 'node'];

/** The object, or null when Graph says it does not exist. */
export async function nullWhenNotFound<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof GatewayError && err.extensions.code === ErrorCode.NOT_FOUND) return null;
    throw err;
  }
}

export function defaultPageSize(ctx: GatewayContext): number {
  return ctx.services.config.server.queryLimits.defaultPageSize;
}

@Resolver(() => TenantObject)
export class TenantDirectoryResolver {
  @FieldResolver(() => UserConnection, {
    nullable: true,
    description: "The tenant's users, a page at a time, read live from Microsoft Graph (directory:read). Null when Graph could not be read; the error says why.",
  })
  async users(
    @Root() tenant: Tenant,
    @Arg('filter', () => UserFilter, { nullable: true, description: 'Conditions the users must meet.' }) filter: UserFilter | null,
    @Arg('search', () => String, {
      nullable: true,
      description: 'Words that a display name, mail or sign-in name starts with (Graph $search; eventually consistent).',
    })
    search: string | null,
    @Args() { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<User>> {
    const directory = ctx.directory(tenant.id);
    const top = pageSize(first, defaultPageSize(ctx));
    const query = userListQuery(filter, search);
    const count = selectedFields(info).has('totalCount');
    const select = graphSelect(selectedFields(info, NODE), USER_PROPERTIES);
    return directory.connection(
      { field: 'Tenant.users', link: listLink('/users', { select, top, query, count }), eventual: query.advanced || count, first: top, after },
      (json: GraphJson) => toUser(json, tenant.id),
    );
  }

  @FieldResolver(() => User, { nullable: true, description: 'One user by object id or sign-in name (exactly one of them); null when there is none.' })
  async user(
    @Root() tenant: Tenant,
    @Arg('id', () => ID, { nullable: true, description: "The user's object id." }) id: string | null,
    @Arg('userPrincipalName', () => String, { nullable: true, description: "The user's sign-in name (guests: the #EXT# form)." })
    userPrincipalName: string | null,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<User | null> {
    const directory = ctx.directory(tenant.id);
    if ((id == null) === (userPrincipalName == null)) {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'user: expected exactly one of id and userPrincipalName');
    }
    const link = objectLink('users', (id ?? userPrincipalName)!, graphSelect(selectedFields(info), USER_PROPERTIES));
    return nullWhenNotFound(directory.load<GraphJson>(link).then((json) => toUser(json, tenant.id)));
  }

  @FieldResolver(() => GroupConnection, {
    nullable: true,
    description: "The tenant's groups, a page at a time, read live from Microsoft Graph (directory:read). Null when Graph could not be read.",
  })
  async groups(
    @Root() tenant: Tenant,
    @Arg('filter', () => GroupFilter, { nullable: true, description: 'Conditions the groups must meet.' }) filter: GroupFilter | null,
    @Args() { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Group>> {
    const directory = ctx.directory(tenant.id);
    const top = pageSize(first, defaultPageSize(ctx));
    const query = groupListQuery(filter);
    const count = selectedFields(info).has('totalCount');
    const select = graphSelect(selectedFields(info, NODE), GROUP_PROPERTIES);
    return directory.connection(
      { field: 'Tenant.groups', link: listLink('/groups', { select, top, query, count }), eventual: query.advanced || count, first: top, after },
      (json: GraphJson) => toGroup(json, tenant.id),
    );
  }

  @FieldResolver(() => Group, { nullable: true, description: 'One group by object id; null when there is none.' })
  async group(
    @Root() tenant: Tenant,
    @Arg('id', () => ID, { description: "The group's object id." }) id: string,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Group | null> {
    const directory = ctx.directory(tenant.id);
    const link = objectLink('groups', id, graphSelect(selectedFields(info), GROUP_PROPERTIES));
    return nullWhenNotFound(directory.load<GraphJson>(link).then((json) => toGroup(json, tenant.id)));
  }
}
