/**
 * Memberships, both ways: a user's groups and directory roles, a group's members and member count. These are
 * read for many parents at once (every group of a page), so every read goes through the request's loader:
 * one tick's reads become `$batch` calls of 20. Each field is nullable: one failing read nulls only itself.
 * `groups` and `members` can be answered from the sync's snapshot too (`source`, snapshot-reads.ts); directory
 * roles and member counts are always read live. User and Group say where they were read (source, asOf, ageSeconds).
 */
import 'reflect-metadata';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Int, Resolver, Root } from 'type-graphql';
import { graphPath } from '../graph';
import type { GatewayContext } from '../core/context';
import { ErrorCode, GatewayError } from '../core/errors';
import { LIVE_ORIGIN, MAX_PAGE_SIZE, pageSize, type SourcedConnection } from './connection';
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
import { PageArgs, SourceArgs } from './directory.inputs';
import { AnswerSource } from './read-source';
import { chooseSource, fillLiveFields, groupFromRow, liveOnly, memberFromRow, snapshotOf, type GroupRow, type MemberRow, type SnapshotType } from './snapshot-reads';
import { groupMembersSql, userGroupsSql } from './snapshot-sql';
import { listLink } from './directory-queries';
import { graphSelect, selectedFields, unionSelect } from './select';
import { defaultPageSize } from './tenant-directory.resolver';

const NODE = ['edges', 'node'];
const MEMBER_TYPES: ReadonlyArray<readonly [SnapshotType, typeof USER_PROPERTIES]> = [
  ['User', USER_PROPERTIES],
  ['Group', GROUP_PROPERTIES],
  ['ServicePrincipal', SERVICE_PRINCIPAL_PROPERTIES],
] as const;

@Resolver(() => User)
export class UserMembershipResolver {
  @FieldResolver(() => AnswerSource, { description: 'Where this user was read: live from Microsoft Graph, or from the snapshot kept by sync.' })
  source(@Root() user: User): AnswerSource {
    return (user.origin ?? LIVE_ORIGIN).source;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'SNAPSHOT: when the sync round that wrote this user completed; null when read live.' })
  asOf(@Root() user: User): Date | null {
    return (user.origin ?? LIVE_ORIGIN).asOf;
  }

  @FieldResolver(() => Int, { nullable: true, description: 'SNAPSHOT: how old the snapshot this user was read from is, in seconds; null when read live.' })
  ageSeconds(@Root() user: User): number | null {
    return (user.origin ?? LIVE_ORIGIN).ageSeconds;
  }

  @FieldResolver(() => GroupConnection, {
    nullable: true,
    description:
      'Groups the user is a member of (from the snapshot in group id order): directly, or with transitive: true also through nested groups; live or from the snapshot (source; the answer says which). Null when they could not be read.',
  })
  async groups(
    @Root() user: User,
    @Arg('transitive', () => Boolean, { defaultValue: false, description: 'Include groups reached through nested groups.' }) transitive: boolean,
    @Args() { first, after }: PageArgs,
    @Args() { source, maxAgeSeconds }: SourceArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<SourcedConnection<Group>> {
    const directory = ctx.directory(user.tenantId);
    const top = pageSize(first, defaultPageSize(ctx));
    const fields = selectedFields(info, NODE);
    const snapshot = snapshotOf(ctx, user.tenantId);
    const list = { field: 'User.groups', key: JSON.stringify([user.id, transitive]), after };
    const { decision, cursor } = await chooseSource(snapshot, { requested: source, maxAgeSeconds, needsLiveFields: liveOnly('Group', fields).length > 0, list });
    if (decision.source === AnswerSource.SNAPSHOT) {
      const origin = await snapshot.origin();
      const page = await snapshot.nestedPage<GroupRow, Group>(
        { ...list, first: top, cursor },
        { batchKey: String(transitive), parentId: user.id, listSql: (parents, limit) => userGroupsSql(user.tenantId, parents, transitive, limit) },
        (row) => groupFromRow(row, user.tenantId, origin),
      );
      if (decision.fillLiveFields) await fillLiveFields(directory, page.edges.map((e) => e.node), (type) => liveOnly(type, fields));
      return page;
    }
    const path = `${graphPath`/users/${user.id}`}/${transitive ? 'transitiveMemberOf' : 'memberOf'}`;
    const link = listLink(path, { select: graphSelect(fields, GROUP_PROPERTIES), top });
    // memberOf also lists directory roles (and administrative units): they take their place in a page, without an edge.
    const page = await directory.connection({ field: 'User.groups', link, first: top, after, batched: true }, (json: GraphJson) =>
      isGroup(json) ? toGroup(json, user.tenantId) : null,
    );
    return { ...page, ...LIVE_ORIGIN };
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
  @FieldResolver(() => AnswerSource, { description: 'Where this group was read: live from Microsoft Graph, or from the snapshot kept by sync.' })
  source(@Root() group: Group): AnswerSource {
    return (group.origin ?? LIVE_ORIGIN).source;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'SNAPSHOT: when the sync round that wrote this group completed; null when read live.' })
  asOf(@Root() group: Group): Date | null {
    return (group.origin ?? LIVE_ORIGIN).asOf;
  }

  @FieldResolver(() => Int, { nullable: true, description: 'SNAPSHOT: how old the snapshot this group was read from is, in seconds; null when read live.' })
  ageSeconds(@Root() group: Group): number | null {
    return (group.origin ?? LIVE_ORIGIN).ageSeconds;
  }

  @FieldResolver(() => DirectoryMemberConnection, {
    nullable: true,
    description:
      'Members of the group (users, groups, service principals; from the snapshot in object id order): direct, or with transitive: true those of nested groups too; live or from the snapshot (source; the answer says which). Null when they could not be read.',
  })
  async members(
    @Root() group: Group,
    @Arg('transitive', () => Boolean, { defaultValue: false, description: 'Include members of nested groups (and not the nested groups themselves only).' })
    transitive: boolean,
    @Args() { first, after }: PageArgs,
    @Args() { source, maxAgeSeconds }: SourceArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<SourcedConnection<User | Group | ServicePrincipal>> {
    const directory = ctx.directory(group.tenantId);
    const top = pageSize(first, defaultPageSize(ctx));
    const fieldsOf = (type: SnapshotType) => liveOnly(type, selectedFields(info, NODE, type));
    const snapshot = snapshotOf(ctx, group.tenantId);
    const list = { field: 'Group.members', key: JSON.stringify([group.id, transitive]), after };
    const needsLiveFields = MEMBER_TYPES.some(([type]) => fieldsOf(type).length > 0);
    const { decision, cursor } = await chooseSource(snapshot, { requested: source, maxAgeSeconds, needsLiveFields, list });
    if (decision.source === AnswerSource.SNAPSHOT) {
      const origin = await snapshot.origin();
      const page = await snapshot.nestedPage<MemberRow, User | Group | ServicePrincipal>(
        { ...list, first: top, cursor },
        { batchKey: String(transitive), parentId: group.id, listSql: (parents, limit) => groupMembersSql(group.tenantId, parents, transitive, limit) },
        (row) => memberFromRow(row, group.tenantId, origin),
      );
      if (decision.fillLiveFields) await fillLiveFields(directory, page.edges.map((e) => e.node), fieldsOf);
      return page;
    }
    const path = `${graphPath`/groups/${group.id}`}/${transitive ? 'transitiveMembers' : 'members'}`;
    const link = listLink(path, { select: unionSelect(info, NODE, MEMBER_TYPES), top });
    const page = await directory.connection({ field: 'Group.members', link, first: top, after, batched: true }, (json: GraphJson) => toMember(json, group.tenantId));
    return { ...page, ...LIVE_ORIGIN };
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
