/**
 * Provisioning in the GraphQL API: user and membership writes, bulk onboarding, and the audit log. Every
 * mutation needs directory:write on the tenant (@Access) and a tenant whose PROVISIONING feature is enabled
 * and consented (a FeatureDisabled / MissingPermission result otherwise). The work is in the writer.
 */
import 'reflect-metadata';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, ID, Info, Int, Mutation, Query, Resolver } from 'type-graphql';
import { guidArg } from '../access/access-input';
import { selectedFields } from '../directory/select';
import { Access } from '../core/auth/access';
import { ApiScope, describePrincipal } from '../core/auth/principal';
import type { GatewayContext } from '../core/context';
import { ErrorCode, GatewayError } from '../core/errors';
import type { AuditLogRecord } from './provisioning.entity';
import { AUDIT_PAGE, idempotencyKeyArg } from './provisioning.service';
import {
  AuditEntryConnection,
  CreateUserInput,
  CreateUserResult,
  GroupMemberResult,
  ProvisionUserInput,
  ProvisionUsersResult,
  RestoreUserResult,
  UpdateUserInput,
  UpdateUserResult,
  type CreateUserOutcome,
  type GroupMemberOutcome,
  type ProvisionUsersOutcome,
  type RestoreUserOutcome,
  type UpdateUserOutcome,
} from './provisioning.types';
import { ProvisioningWriter, provisioningGate } from './provisioning.writer';
import type { FeatureDisabled, MissingPermission } from './provisioning.types';

/** The tenant's writer, or the typed result saying why the tenant cannot be written to. */
async function writerFor(ctx: GatewayContext, tenantArg: string): Promise<ProvisioningWriter | FeatureDisabled | MissingPermission> {
  const tenantId = guidArg('tenantId', tenantArg);
  const tenant = await ctx.services.tenants.get(tenantId);
  if (!tenant) throw new GatewayError(ErrorCode.NOT_FOUND, `tenant ${tenantId}: expected an existing tenant, found none`, { tenantId });
  const refused = provisioningGate(tenant);
  if (refused) return refused;
  return new ProvisioningWriter({
    // @Access has checked directory:write on this tenant; ctx.directory would demand directory:read as well.
    client: ctx.services.directory.client(tenantId),
    service: ctx.services.provisioning,
    tenantId,
    principal: describePrincipal(ctx.principal!),
    requestId: ctx.requestId,
    graphBaseUrl: ctx.services.provisioning.graphBaseUrl,
    logger: ctx.logger,
  });
}

const encodeAuditCursor = (id: string) => Buffer.from(`audit:${id}`, 'utf8').toString('base64url');
function decodeAuditCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith('audit:') ? text.slice('audit:'.length) : '';
  if (!/^[1-9][0-9]{0,18}$/.test(id)) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'after: expected a cursor from a previous page (pageInfo.endCursor)', { argument: 'after' });
  return id;
}

@Resolver()
export class ProvisioningResolver {
  @Access(ApiScope.DIRECTORY_WRITE, { tenantArg: 'tenantId' })
  @Mutation(() => CreateUserResult, {
    description:
      'Creates a user (directory:write). Without input.password one is generated and returned once in initialPassword. With an idempotencyKey, a retry returns the first result (without the password) instead of a UpnConflict.',
  })
  async createUser(
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('input', () => CreateUserInput) input: CreateUserInput,
    @Arg('idempotencyKey', () => String, { nullable: true, description: 'Any string unique per intended create, e.g. a UUID; kept per tenant.' }) idempotencyKey: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<CreateUserOutcome> {
    const key = idempotencyKeyArg(idempotencyKey);
    const writer = await writerFor(ctx, tenantId);
    if (!(writer instanceof ProvisioningWriter)) return writer;
    return writer.createUser(input, key);
  }

  @Access(ApiScope.DIRECTORY_WRITE, { tenantArg: 'tenantId' })
  @Mutation(() => UpdateUserResult, { description: "Changes a user's properties (directory:write); fields left out or null stay as they are." })
  async updateUser(
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('userId', () => ID, { description: "The user's Entra object id." }) userId: string,
    @Arg('input', () => UpdateUserInput) input: UpdateUserInput,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<UpdateUserOutcome> {
    const user = guidArg('userId', userId);
    const writer = await writerFor(ctx, tenantId);
    if (!(writer instanceof ProvisioningWriter)) return writer;
    // Read the user back only when the caller selected it (one more Graph request).
    const readBack = selectedFields(info, [], 'UpdatedUser').has('user');
    return writer.updateUser(user, input, readBack);
  }

  @Access(ApiScope.DIRECTORY_WRITE, { tenantArg: 'tenantId' })
  @Mutation(() => RestoreUserResult, {
    description:
      "Restores a user deleted in Entra within the last 30 days (directory:write; Graph's POST /directory/deletedItems/{id}/restore): same id, properties and, as Graph restores them, group memberships. Already active: success with alreadyActive true. Another user holds its UPN: UpnConflict. Not among the deleted users: NotFound. The next sync round emits USER_CREATED with restored: true.",
  })
  async restoreDeletedUser(
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('userId', () => ID, { description: "The deleted user's Entra object id (Tenant.deletedUsers)." }) userId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<RestoreUserOutcome> {
    const user = guidArg('userId', userId);
    const writer = await writerFor(ctx, tenantId);
    if (!(writer instanceof ProvisioningWriter)) return writer;
    return writer.restoreUser(user);
  }

  @Access(ApiScope.DIRECTORY_WRITE, { tenantArg: 'tenantId' })
  @Mutation(() => GroupMemberResult, { description: 'Adds a member to a group (directory:write). Already a member: success with noOp true.' })
  async addGroupMember(
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('groupId', () => ID) groupId: string,
    @Arg('memberId', () => ID, { description: 'A user, group or service principal object id.' }) memberId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<GroupMemberOutcome> {
    const ids = [guidArg('groupId', groupId), guidArg('memberId', memberId)] as const;
    const writer = await writerFor(ctx, tenantId);
    if (!(writer instanceof ProvisioningWriter)) return writer;
    return writer.addMember(...ids);
  }

  @Access(ApiScope.DIRECTORY_WRITE, { tenantArg: 'tenantId' })
  @Mutation(() => GroupMemberResult, { description: 'Removes a member from a group (directory:write); the member object stays. Not a member: success with noOp true.' })
  async removeGroupMember(
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('groupId', () => ID) groupId: string,
    @Arg('memberId', () => ID) memberId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<GroupMemberOutcome> {
    const ids = [guidArg('groupId', groupId), guidArg('memberId', memberId)] as const;
    const writer = await writerFor(ctx, tenantId);
    if (!(writer instanceof ProvisioningWriter)) return writer;
    return writer.removeMember(...ids);
  }

  @Access(ApiScope.DIRECTORY_WRITE, { tenantArg: 'tenantId' })
  @Mutation(() => ProvisionUsersResult, {
    description:
      'Bulk onboarding (directory:write): creates up to 1,000 users through $batch (20 a call), then adds each to its groups through $batch. One item per user, in input order; failures are reported item by item.',
  })
  async provisionUsers(
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('users', () => [ProvisionUserInput]) users: ProvisionUserInput[],
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<ProvisionUsersOutcome> {
    const key = idempotencyKeyArg(idempotencyKey);
    const checked = users.map((user, i) => ({ ...user, groupIds: user.groupIds.map((id, j) => guidArg(`users[${i}].groupIds[${j}]`, id)) }));
    const writer = await writerFor(ctx, tenantId);
    if (!(writer instanceof ProvisioningWriter)) return writer;
    return writer.provisionUsers(checked, key);
  }

  @Access([ApiScope.DIRECTORY_WRITE, ApiScope.TENANTS_ADMIN], { tenantArg: 'tenantId' })
  @Query(() => AuditEntryConnection, { description: "The tenant's audit log of writes, newest first (directory:write or tenants:admin)." })
  async auditLog(
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('first', () => Int, { defaultValue: AUDIT_PAGE.default, description: `Page size, 1 to ${AUDIT_PAGE.max}.` }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<AuditEntryConnection> {
    const tenant = guidArg('tenantId', tenantId);
    if (!Number.isInteger(first) || first < 1 || first > AUDIT_PAGE.max) {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, `first: expected an integer from 1 to ${AUDIT_PAGE.max}, got ${first}`, { argument: 'first' });
    }
    const page = await ctx.services.provisioning.auditPage(tenant, first, after ? decodeAuditCursor(after) : null);
    const edges = page.rows.map((row: AuditLogRecord) => ({ cursor: encodeAuditCursor(row.id), node: { ...row, id: String(row.id) } }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } } as AuditEntryConnection;
  }
}
