/**
 * The directory hung on Tenant: users and groups, as lists (Relay connections) and one at a time, live from
 * Graph or from the sync's snapshot (`source`; snapshot-reads.ts). Every field asks ctx.directory(tenant.id)
 * first, which checks directory:read on that tenant, whichever source then answers.
 */
import 'reflect-metadata';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../core/context';
import { ErrorCode, GatewayError } from '../core/errors';
import { Tenant } from '../tenants/tenant.entity';
import { TenantObject } from '../tenants/tenant.types';
import { LIVE_ORIGIN, pageSize, type SourcedConnection } from './connection';
import { toGroup, toUser, type GraphJson } from './directory-object.mapping';
import { Group, GROUP_PROPERTIES, GroupConnection, User, USER_PROPERTIES, UserConnection } from './directory-object.types';
import { GroupFilter, PageArgs, SourceArgs, UserFilter } from './directory.inputs';
import { AnswerSource } from './read-source';
import { chooseSource, fillLiveFields, groupFromRow, liveOnly, snapshotOf, userFromRow, type GroupRow, type UserRow } from './snapshot-reads';
import { groupByIdSql, groupCountSql, groupPageOrder, groupPageSql, isObjectId, userByKeySql, userCountSql, userPageOrder, userPageSql } from './snapshot-sql';
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
    description:
      "The tenant's users, a page at a time (directory:read): live from Microsoft Graph, or from the sync's snapshot (source; the answer's source, asOf and ageSeconds say which answered). Order: live, Graph's own (Graph documents none without $orderby); from the snapshot, object id order, except when filter.displayNameStartsWith is the only condition (no other filter, no search): display name (lower-cased, by character code), then object id. Null when it could not be read; the error says why.",
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
    @Args() { source, maxAgeSeconds }: SourceArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<SourcedConnection<User>> {
    const directory = ctx.directory(tenant.id);
    const top = pageSize(first, defaultPageSize(ctx));
    const query = userListQuery(filter, search);
    const count = selectedFields(info).has('totalCount');
    const fields = selectedFields(info, NODE);
    const snapshot = snapshotOf(ctx, tenant.id);
    const list = { field: 'Tenant.users', key: JSON.stringify([filter ?? null, search ?? null]), order: userPageOrder(filter, search), after };
    const { decision, cursor } = await chooseSource(snapshot, { requested: source, maxAgeSeconds, needsLiveFields: liveOnly('User', fields).length > 0, list });
    if (decision.source === AnswerSource.SNAPSHOT) {
      const origin = await snapshot.origin();
      const page = await snapshot.page<UserRow, User>(
        { ...list, first: top, cursor, count: count ? () => userCountSql(tenant.id, filter, search) : undefined },
        (keyset) => userPageSql(tenant.id, filter, search, keyset),
        (row) => userFromRow(row, tenant.id, origin),
      );
      if (decision.fillLiveFields) await fillLiveFields(directory, page.edges.map((e) => e.node), (type) => liveOnly(type, fields));
      return page;
    }
    const select = graphSelect(fields, USER_PROPERTIES);
    const page = await directory.connection(
      { field: 'Tenant.users', link: listLink('/users', { select, top, query, count }), eventual: query.advanced || count, first: top, after },
      (json: GraphJson) => toUser(json, tenant.id),
    );
    return { ...page, ...LIVE_ORIGIN };
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: "One user by object id or sign-in name (exactly one of them), live or from the snapshot (source; the user's source field says which); null when there is none.",
  })
  async user(
    @Root() tenant: Tenant,
    @Arg('id', () => ID, { nullable: true, description: "The user's object id." }) id: string | null,
    @Arg('userPrincipalName', () => String, { nullable: true, description: "The user's sign-in name (guests: the #EXT# form)." })
    userPrincipalName: string | null,
    @Args() { source, maxAgeSeconds }: SourceArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<User | null> {
    const directory = ctx.directory(tenant.id);
    if ((id == null) === (userPrincipalName == null)) {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'user: expected exactly one of id and userPrincipalName');
    }
    const link = objectLink('users', (id ?? userPrincipalName)!, graphSelect(selectedFields(info), USER_PROPERTIES));
    const fields = selectedFields(info);
    const snapshot = snapshotOf(ctx, tenant.id);
    const { decision } = await chooseSource(snapshot, { requested: source, maxAgeSeconds, needsLiveFields: liveOnly('User', fields).length > 0 });
    if (decision.source === AnswerSource.SNAPSHOT) {
      // An id that is no object id cannot be in the snapshot (nor in Graph): none, without a query.
      if (id != null && !isObjectId(id)) return null;
      const [rows, origin] = await Promise.all([snapshot.query<UserRow>(userByKeySql(tenant.id, id != null ? { id } : { userPrincipalName: userPrincipalName! })), snapshot.origin()]);
      if (rows.length === 0) return null;
      const user = userFromRow(rows[0], tenant.id, origin);
      if (decision.fillLiveFields) await fillLiveFields(directory, [user], (type) => liveOnly(type, fields));
      return user;
    }
    return nullWhenNotFound(directory.load<GraphJson>(link).then((json) => toUser(json, tenant.id)));
  }

  @FieldResolver(() => GroupConnection, {
    nullable: true,
    description:
      "The tenant's groups, a page at a time (directory:read): live from Microsoft Graph, or from the sync's snapshot (source; the answer says which). Order: live, Graph's own (Graph documents none without $orderby); from the snapshot, object id order, except when filter.nameStartsWith is the only condition: display name (lower-cased, by character code), then object id. Null when they could not be read.",
  })
  async groups(
    @Root() tenant: Tenant,
    @Arg('filter', () => GroupFilter, { nullable: true, description: 'Conditions the groups must meet.' }) filter: GroupFilter | null,
    @Args() { first, after }: PageArgs,
    @Args() { source, maxAgeSeconds }: SourceArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<SourcedConnection<Group>> {
    const directory = ctx.directory(tenant.id);
    const top = pageSize(first, defaultPageSize(ctx));
    const query = groupListQuery(filter);
    const count = selectedFields(info).has('totalCount');
    const fields = selectedFields(info, NODE);
    const snapshot = snapshotOf(ctx, tenant.id);
    const list = { field: 'Tenant.groups', key: JSON.stringify([filter ?? null]), order: groupPageOrder(filter), after };
    const { decision, cursor } = await chooseSource(snapshot, { requested: source, maxAgeSeconds, needsLiveFields: liveOnly('Group', fields).length > 0, list });
    if (decision.source === AnswerSource.SNAPSHOT) {
      const origin = await snapshot.origin();
      const page = await snapshot.page<GroupRow, Group>(
        { ...list, first: top, cursor, count: count ? () => groupCountSql(tenant.id, filter) : undefined },
        (keyset) => groupPageSql(tenant.id, filter, keyset),
        (row) => groupFromRow(row, tenant.id, origin),
      );
      if (decision.fillLiveFields) await fillLiveFields(directory, page.edges.map((e) => e.node), (type) => liveOnly(type, fields));
      return page;
    }
    const select = graphSelect(fields, GROUP_PROPERTIES);
    const page = await directory.connection(
      { field: 'Tenant.groups', link: listLink('/groups', { select, top, query, count }), eventual: query.advanced || count, first: top, after },
      (json: GraphJson) => toGroup(json, tenant.id),
    );
    return { ...page, ...LIVE_ORIGIN };
  }

  @FieldResolver(() => Group, {
    nullable: true,
    description: "One group by object id, live or from the snapshot (source; the group's source field says which); null when there is none.",
  })
  async group(
    @Root() tenant: Tenant,
    @Arg('id', () => ID, { description: "The group's object id." }) id: string,
    @Args() { source, maxAgeSeconds }: SourceArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Group | null> {
    const directory = ctx.directory(tenant.id);
    const fields = selectedFields(info);
    const link = objectLink('groups', id, graphSelect(fields, GROUP_PROPERTIES));
    const snapshot = snapshotOf(ctx, tenant.id);
    const { decision } = await chooseSource(snapshot, { requested: source, maxAgeSeconds, needsLiveFields: liveOnly('Group', fields).length > 0 });
    if (decision.source === AnswerSource.SNAPSHOT) {
      if (!isObjectId(id)) return null;
      const [rows, origin] = await Promise.all([snapshot.query<GroupRow>(groupByIdSql(tenant.id, id)), snapshot.origin()]);
      if (rows.length === 0) return null;
      const group = groupFromRow(rows[0], tenant.id, origin);
      if (decision.fillLiveFields) await fillLiveFields(directory, [group], (type) => liveOnly(type, fields));
      return group;
    }
    return nullWhenNotFound(directory.load<GraphJson>(link).then((json) => toGroup(json, tenant.id)));
  }
}
