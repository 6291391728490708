/**
 * Tenant.changeNotifications: where a tenant's Graph change-notification subscriptions stand, beside its
 * syncStatus (readers of the tenant). A failed creation or renewal shows here while polling continues.
 */
import 'reflect-metadata';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { authorize } from '../core/auth/guard';
import { ApiScope } from '../core/auth/principal';
import type { GatewayContext } from '../core/context';
import type { Tenant } from '../tenants/tenant.entity';
import { TenantObject } from '../tenants/tenant.types';
import { ChangeNotificationStatusObject } from './notifications.types';

@Resolver(() => TenantObject)
export class ChangeNotificationsResolver {
  @FieldResolver(() => ChangeNotificationStatusObject, { description: "Near-real-time changes: the tenant's Graph subscriptions on users and groups." })
  async changeNotifications(@Root() tenant: Tenant, @Ctx() ctx: GatewayContext): Promise<ChangeNotificationStatusObject> {
    const scope = ctx.principal?.scopes.has(ApiScope.TENANTS_ADMIN) ? ApiScope.TENANTS_ADMIN : ApiScope.DIRECTORY_READ;
    authorize(ctx, scope, tenant.id);
    const notifications = ctx.services.notifications;
    const subscriptions = await notifications.status(tenant);
    return {
      enabled: notifications.availability.enabled,
      reason: notifications.availability.reason,
      subscriptions: subscriptions.map(({ subscriptionId: _id, ...rest }) => rest),
    };
  }
}
