/**
 * Tenant.deletedUsers: users soft-deleted in the last 30 days (Graph's directory/deletedItems), which an
 * administrator can still restore in Entra with their memberships, roles and licences; after 30 days Entra
 * deletes them for good. Read live: the snapshot keeps a deleted user's row with deleted_at, not Graph's list.
 */
import 'reflect-metadata';
import { Ctx, Field, FieldResolver, ObjectType, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../../core/context';
import { Tenant } from '../../tenants/tenant.entity';
import { TenantObject } from '../../tenants/tenant.types';
import { toUser } from '../directory-object.mapping';
import { User } from '../directory-object.types';
import { dateOrNull } from './json';
import { readDeletedUsers } from './security-reads';

/** Graph keeps a soft-deleted object this long (directory resource type: "up to 30 days"). */
const RETENTION_MS = 30 * 24 * 3600 * 1000;

@ObjectType({ description: 'A user soft-deleted in Entra, restorable until permanentDeletionAt.' })
export class DeletedUser {
  @Field(() => User, { description: 'The user as it was (id, names, UPN, department ...).' })
  user!: User;

  @Field(() => Date, { nullable: true, description: 'When it was deleted (Graph deletedDateTime); null when Graph does not say.' })
  deletedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When Entra deletes it for good: 30 days after deletedAt.' })
  permanentDeletionAt!: Date | null;
}

@Resolver(() => TenantObject)
export class DeletedUsersResolver {
  @FieldResolver(() => [DeletedUser], {
    nullable: true,
    description: "Users deleted in the last 30 days that Entra can still restore (Graph's deleted items; needs User.Read.All), most recently deleted first.",
  })
  async deletedUsers(@Root() tenant: Tenant, @Ctx() ctx: GatewayContext): Promise<DeletedUser[]> {
    const items = await readDeletedUsers(ctx.directory(tenant.id));
    return items
      .map((json) => {
        const deletedAt = dateOrNull(json.deletedDateTime);
        return { user: toUser(json, tenant.id), deletedAt, permanentDeletionAt: deletedAt && new Date(deletedAt.getTime() + RETENTION_MS) };
      })
      .sort((a, b) => (b.deletedAt?.getTime() ?? 0) - (a.deletedAt?.getTime() ?? 0));
  }
}
