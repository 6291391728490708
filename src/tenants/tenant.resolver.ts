/**
 * Tenant connections in the GraphQL API. Root fields declare their access (`@Access`); the ones that let
 * directory readers in, and every nested field that reaches a tenant, call `authorize` themselves.
 */
import 'reflect-metadata';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access, ANY_CALLER } from '../core/auth/access';
import { authorize } from '../core/auth/guard';
import { ApiScope, describePrincipal, PortalStep, type Principal } from '../core/auth/principal';
import type { GatewayContext } from '../core/context';
import { ErrorCode, GatewayError } from '../core/errors';
import { missingPermissions, type Feature } from './features';
import { encodeTenantCursor } from './tenant-cursor';
import { PAGE_SIZE } from './tenant.service';
import { Tenant } from './tenant.entity';
import {
  ConnectTenantInput,
  ConnectTenantPayload,
  TenantConnection,
  TenantConnectionCheck,
  TenantObject,
  TenantStatusChangeObject,
  UpdateTenantInput,
} from './tenant.types';

/** tenants:admin, or directory:read, may read a tenant (within the caller's tenants). */
function authorizeRead(ctx: GatewayContext, tenantId?: string): Principal {
  const scope = ctx.principal?.scopes.has(ApiScope.TENANTS_ADMIN) ? ApiScope.TENANTS_ADMIN : ApiScope.DIRECTORY_READ;
  return authorize(ctx, scope, tenantId);
}

@Resolver(() => TenantObject)
export class TenantResolver {
  @Access(ApiScope.TENANTS_ADMIN, { productWide: 'connecting a tenant' })
  @Mutation(() => ConnectTenantPayload, {
    description: 'Starts connecting a tenant: stores it as PENDING_CONSENT and returns the Microsoft consent URL for its administrator.',
  })
  async connectTenant(@Arg('input', { description: 'The tenant to connect.' }) input: ConnectTenantInput, @Ctx() ctx: GatewayContext): Promise<ConnectTenantPayload> {
    const principal = authorize(ctx, ApiScope.TENANTS_ADMIN);
    // A caller limited to some tenants could not see the tenant it creates.
    if (principal.tenants !== 'ALL') {
      throw new GatewayError(ErrorCode.FORBIDDEN, 'connecting a tenant needs a caller allowed on every tenant');
    }
    return ctx.services.tenants.connect(input, describePrincipal(principal));
  }

  @Access(ANY_CALLER)
  @Query(() => TenantConnection, { description: 'The tenants the caller may see (tenants:admin or directory:read), a page at a time.' })
  async tenants(
    @Arg('first', () => Int, { defaultValue: PAGE_SIZE.default, description: `Page size, 1 to ${PAGE_SIZE.max}.` }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after: string | null | undefined,
    @Ctx() ctx: GatewayContext,
  ): Promise<TenantConnection> {
    const principal = authorizeRead(ctx);
    const page = await ctx.services.tenants.list(principal.tenants, first, after ?? null);
    const edges = page.tenants.map((node) => ({ cursor: encodeTenantCursor(node.id), node }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  @Access(ANY_CALLER, { tenantArg: 'id', portal: [PortalStep.CONNECT, PortalStep.MAP_GROUPS, PortalStep.STATUS] })
  @Query(() => TenantObject, { nullable: true, description: 'One tenant (tenants:admin or directory:read); null when it does not exist.' })
  async tenant(@Arg('id', () => ID, { description: 'The tenant id.' }) id: string, @Ctx() ctx: GatewayContext): Promise<Tenant | null> {
    authorizeRead(ctx, id);
    return ctx.services.tenants.get(id);
  }

  @Access(ApiScope.TENANTS_ADMIN, { tenantArg: 'id' })
  @Mutation(() => TenantObject, { description: "Changes a tenant's name, features or sync interval." })
  async updateTenant(
    @Arg('id', () => ID, { description: 'The tenant id.' }) id: string,
    @Arg('input', { description: 'The changes.' }) input: UpdateTenantInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<Tenant> {
    authorize(ctx, ApiScope.TENANTS_ADMIN, id);
    return ctx.services.tenants.update(id, input);
  }

  @Access(ApiScope.TENANTS_ADMIN, { tenantArg: 'id' })
  @Mutation(() => TenantObject, { description: 'Disconnects a tenant: DISCONNECTED, its stored tokens and pending consents deleted.' })
  async disconnectTenant(@Arg('id', () => ID, { description: 'The tenant id.' }) id: string, @Ctx() ctx: GatewayContext): Promise<Tenant> {
    const principal = authorize(ctx, ApiScope.TENANTS_ADMIN, id);
    // Graph subscriptions go while the tenant's tokens still work (issue 16); a failure there never blocks this.
    await ctx.services.notifications.beforeDisconnect(id);
    return ctx.services.tenants.disconnect(id, describePrincipal(principal));
  }

  @Access(ApiScope.TENANTS_ADMIN, { tenantArg: 'id' })
  @Mutation(() => TenantConnectionCheck, {
    description: 'Asks Microsoft for a token for the tenant now (as any Graph call would) and reports the outcome and the resulting status.',
  })
  async verifyTenantConnection(@Arg('id', () => ID, { description: 'The tenant id.' }) id: string, @Ctx() ctx: GatewayContext): Promise<TenantConnectionCheck> {
    authorize(ctx, ApiScope.TENANTS_ADMIN, id);
    const problem = await ctx.services.tenantTokens.getAccessToken(id, { forceRefresh: true }).then(
      () => null,
      // Coded errors say what is wrong in words meant for callers; anything else is a failure of ours.
      (err: unknown) => {
        if (err instanceof GatewayError) return err.message;
        throw err;
      },
    );
    const tenant = await ctx.services.tenants.get(id);
    if (!tenant) throw new GatewayError(ErrorCode.NOT_FOUND, `tenant ${id}: expected an existing tenant, found none`);
    return { tenant, tokenAcquired: problem === null, problem };
  }

  @FieldResolver(() => [String], { description: 'Permissions the features need that the last consent did not grant.' })
  missingScopes(@Root() tenant: Tenant): string[] {
    return missingPermissions(tenant.features as Feature[], tenant.grantedScopes);
  }

  @FieldResolver(() => String, {
    description:
      'A fresh Microsoft consent URL asking for every permission the features need (after lost consent or for missing scopes); each read stores a new single-use request valid for 10 minutes. tenants:admin.',
  })
  async reconsentUrl(
    @Root() tenant: Tenant,
    @Arg('returnUrl', { description: 'Where the browser goes afterwards (an origin in ALLOWED_RETURN_ORIGINS).' }) returnUrl: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<string> {
    const principal = authorize(ctx, ApiScope.TENANTS_ADMIN, tenant.id);
    return ctx.services.tenants.reconsentUrl(tenant, returnUrl, describePrincipal(principal));
  }

  @FieldResolver(() => [TenantStatusChangeObject], { description: "The tenant's status changes, oldest first." })
  async statusHistory(@Root() tenant: Tenant, @Ctx() ctx: GatewayContext): Promise<TenantStatusChangeObject[]> {
    authorizeRead(ctx, tenant.id);
    const changes = await ctx.services.tenants.history(tenant.id);
    return changes.map((change) => ({ from: change.fromStatus, to: change.toStatus, reason: change.reason, at: change.at }) as TenantStatusChangeObject);
  }
}
