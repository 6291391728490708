/**
 * Tenant.conditionalAccessPolicies and Tenant.mfaEnforcement. Both read the policy list through the same
 * loader path, so a request asking for both (or for mfaEnforcement under several aliases) makes one Graph call:
 * the endpoint allows 1 request per second per tenant.
 */
import 'reflect-metadata';
import { Arg, Ctx, FieldResolver, ID, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../../core/context';
import { ErrorCode, GatewayError } from '../../core/errors';
import { Tenant } from '../../tenants/tenant.entity';
import { TenantObject } from '../../tenants/tenant.types';
import { analyzeMfaEnforcement, type CaPolicy } from '../mfa-analysis';
import { toMfaEnforcement } from './mfa.mapping';
import { MfaEnforcement } from './mfa.types';
import { toConditionalAccessPolicy } from './policy.mapping';
import { ConditionalAccessPolicy } from './policy.types';
import { readPolicies } from './security-reads';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Resolver(() => TenantObject)
export class PolicyResolver {
  @FieldResolver(() => [ConditionalAccessPolicy], {
    nullable: true,
    description: "The tenant's conditional-access policies, in Graph's order (needs Policy.Read.All; null with an error when the read fails).",
  })
  async conditionalAccessPolicies(@Root() tenant: Tenant, @Ctx() ctx: GatewayContext): Promise<ConditionalAccessPolicy[]> {
    const policies = await readPolicies(ctx.directory(tenant.id));
    return policies.map(toConditionalAccessPolicy);
  }

  @FieldResolver(() => MfaEnforcement, {
    nullable: true,
    description:
      "Whether the tenant's enabled conditional-access policies require MFA for sign-ins to one app, for whom, with which exclusions, and which policies decide it (needs Policy.Read.All).",
  })
  async mfaEnforcement(
    @Root() tenant: Tenant,
    @Arg('appId', () => ID, { description: "The app's application (client) id, a GUID: e.g. the product's own." }) appId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<MfaEnforcement> {
    if (!GUID.test(appId)) throw new GatewayError(ErrorCode.BAD_USER_INPUT, `appId: expected an application (client) id, a GUID, got ${JSON.stringify(appId)}`);
    const policies = await readPolicies(ctx.directory(tenant.id));
    return toMfaEnforcement(analyzeMfaEnforcement({ appId, policies: policies as unknown as CaPolicy[] }));
  }
}
