/**
 * The hosted admin portal in the GraphQL API: the product's backend asks for links (createPortalLink,
 * createPortalLinkForNewConnection); the portal page reads its own session (portalSession) and asks for
 * Microsoft's consent screen (startPortalConsent). Every other field the portal uses is an ordinary root field
 * whose @Access lists the portal steps allowed on it (AccessRule.portal).
 */
import 'reflect-metadata';
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Access, ANY_CALLER } from '../core/auth/access';
import { ApiScope, describePrincipal, PortalStep } from '../core/auth/principal';
import type { GatewayContext } from '../core/context';
import { ErrorCode, GatewayError } from '../core/errors';
import type { Feature } from '../tenants/features';
import type { Tenant } from '../tenants/tenant.entity';
import { ALL_PORTAL_STEPS, explainPermissions } from './portal-decisions';
import { PORTAL_PATH } from './portal.service';
import { CreatePortalLinkForNewConnectionInput, CreatePortalLinkInput, PortalLinkObject, PortalSessionObject } from './portal.types';

@Resolver()
export class PortalResolver {
  @Access(ApiScope.TENANTS_ADMIN, { tenantArg: 'input.tenantId' })
  @Mutation(() => PortalLinkObject, {
    description:
      "A short-lived, single-use link to the hosted admin portal for one tenant (tenants:admin). Opening it gives the browser a session limited to that tenant and those steps (an HttpOnly cookie), never an API key.",
  })
  async createPortalLink(@Arg('input', () => CreatePortalLinkInput) input: CreatePortalLinkInput, @Ctx() ctx: GatewayContext): Promise<PortalLinkObject> {
    return ctx.services.portal.createLink(input.tenantId, { ...input, createdBy: describePrincipal(ctx.principal!) });
  }

  @Access(ApiScope.TENANTS_ADMIN, { productWide: 'connecting a tenant' })
  @Mutation(() => PortalLinkObject, {
    description:
      'Stores a new tenant as PENDING_CONSENT and returns a portal link for it (tenants:admin on every tenant): the portal explains the permissions and sends the administrator to Microsoft\'s consent screen.',
  })
  async createPortalLinkForNewConnection(
    @Arg('input', () => CreatePortalLinkForNewConnectionInput) input: CreatePortalLinkForNewConnectionInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<PortalLinkObject> {
    const createdBy = describePrincipal(ctx.principal!);
    const request = { steps: [PortalStep.CONNECT, ...input.steps], returnUrl: input.returnUrl, expiresInSeconds: input.expiresInSeconds, createdBy };
    // Everything the link needs is checked before the tenant is stored; the two are written together.
    ctx.services.portal.validate(request);
    const fields = { displayName: input.displayName, authMode: input.authMode, features: input.features, cloud: ctx.services.config.entra.cloud };
    return ctx.services.tenants.createPending(fields, createdBy, (tenant, manager) => ctx.services.portal.createLink(tenant.id, request, manager));
  }

  @Access(ANY_CALLER, { portal: ALL_PORTAL_STEPS })
  @Query(() => PortalSessionObject, { nullable: true, description: 'The calling browser\'s portal session; null for any other caller.' })
  async portalSession(@Ctx() ctx: GatewayContext): Promise<PortalSessionObject | null> {
    const principal = ctx.principal!;
    if (principal.kind !== 'portal') return null;
    const session = await ctx.services.portal.sessionById(principal.id);
    if (!session) return null;
    const tenant = await ctx.services.tenants.get(session.tenantId);
    const { config } = ctx.services;
    return {
      ...session,
      tenant: tenant as never,
      branding: config.portal.branding,
      permissions: tenant ? explainPermissions(tenant.features as Feature[]) : [],
      productAppId: config.entra.credentials?.clientId ?? null,
    };
  }

  @Access(ApiScope.TENANTS_ADMIN, { tenantArg: 'tenantId', portal: [PortalStep.CONNECT, PortalStep.STATUS] })
  @Mutation(() => String, {
    description:
      "For a portal session: a fresh Microsoft consent URL for its tenant (every permission its features need), whose callback returns to the portal. Audited. Other callers use Tenant.reconsentUrl.",
  })
  async startPortalConsent(@Arg('tenantId', () => ID) tenantId: string, @Ctx() ctx: GatewayContext): Promise<string> {
    const principal = ctx.principal!;
    if (principal.kind !== 'portal') throw new GatewayError(ErrorCode.FORBIDDEN, 'startPortalConsent is for portal sessions; other callers use Tenant.reconsentUrl(returnUrl)');
    const tenant: Tenant | null = await ctx.services.tenants.get(tenantId);
    if (!tenant) throw new GatewayError(ErrorCode.NOT_FOUND, `tenant ${tenantId}: expected an existing tenant, found none`, { tenantId });
    const by = describePrincipal(principal);
    const url = await ctx.services.tenants.consentUrlToGatewayPage(tenant, `${ctx.services.portal.publicUrl}${PORTAL_PATH}/`, by);
    await ctx.services.provisioning.audit([{ tenantId, principal: by, operation: 'REQUEST_CONSENT', target: `tenant:${tenantId}`, result: 'SUCCESS', requestId: ctx.requestId }]);
    return url;
  }
}
