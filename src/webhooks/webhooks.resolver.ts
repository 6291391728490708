/** Webhook endpoints and their delivery log (events:read). The work is in WebhooksService. */
import 'reflect-metadata';
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Access } from '../core/auth/access';
import { ApiScope } from '../core/auth/principal';
import type { GatewayContext } from '../core/context';
import { RegisterWebhookEndpointInput, WebhookDeliveryConnection, WebhookEndpoint, WebhookEndpointWithSecret } from './webhooks.graphql';
import { DELIVERIES_PAGE_SIZE } from './webhooks.service';
import type { WebhookEndpointRecord } from './endpoint-store';

function toObject(record: WebhookEndpointRecord): WebhookEndpoint {
  const { secret: _secret, previousSecret: _previous, startSequence: _start, createdBy: _by, ...visible } = record;
  return visible as WebhookEndpoint;
}

@Resolver()
export class WebhooksResolver {
  @Access(ApiScope.EVENTS_READ, { tenantArg: 'input.tenantIds' })
  @Mutation(() => WebhookEndpointWithSecret, { description: 'Registers an endpoint that receives events by POST, signed; the secret is shown in this answer only.' })
  async registerWebhookEndpoint(@Arg('input', () => RegisterWebhookEndpointInput) input: RegisterWebhookEndpointInput, @Ctx() ctx: GatewayContext): Promise<WebhookEndpointWithSecret> {
    const { endpoint, secret } = await ctx.services.webhooks.register(ctx.principal!, input);
    return { endpoint: toObject(endpoint), secret };
  }

  @Access(ApiScope.EVENTS_READ)
  @Query(() => [WebhookEndpoint], { description: 'The endpoints whose tenants the caller may all touch.' })
  async webhookEndpoints(@Ctx() ctx: GatewayContext): Promise<WebhookEndpoint[]> {
    return (await ctx.services.webhooks.list(ctx.principal!)).map(toObject);
  }

  @Access(ApiScope.EVENTS_READ)
  @Mutation(() => WebhookEndpointWithSecret, {
    description: 'A new secret, shown once. The previous one stays valid for previousSecretValidForSeconds: meanwhile webhook-signature carries both signatures.',
  })
  async rotateWebhookSecret(
    @Arg('id', () => ID) id: string,
    @Arg('previousSecretValidForSeconds', () => Int, { defaultValue: 86_400 }) previousSecretValidForSeconds: number,
    @Ctx() ctx: GatewayContext,
  ): Promise<WebhookEndpointWithSecret> {
    const { endpoint, secret } = await ctx.services.webhooks.rotateSecret(ctx.principal!, id, previousSecretValidForSeconds);
    return { endpoint: toObject(endpoint), secret };
  }

  @Access(ApiScope.EVENTS_READ)
  @Mutation(() => WebhookEndpoint, { description: 'Resumes a disabled endpoint from where it stopped (its failure count back to 0).' })
  async enableWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: GatewayContext): Promise<WebhookEndpoint> {
    return toObject(await ctx.services.webhooks.enable(ctx.principal!, id));
  }

  @Access(ApiScope.EVENTS_READ)
  @Mutation(() => Boolean, { description: 'Deletes the endpoint, its cursors and its delivery log.' })
  async deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: GatewayContext): Promise<boolean> {
    return ctx.services.webhooks.delete(ctx.principal!, id);
  }

  @Access(ApiScope.EVENTS_READ, { tenantArg: 'tenantId' })
  @Mutation(() => WebhookEndpoint, { description: "Delivers the tenant's events again, from after `after` (an event cursor) or from the oldest kept event; same webhook-ids as before." })
  async replayWebhookEvents(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('after', () => String, { nullable: true, description: 'An event cursor (events, directoryEvents, or data.cursor of a delivery).' }) after: string | null | undefined,
    @Ctx() ctx: GatewayContext,
  ): Promise<WebhookEndpoint> {
    return toObject(await ctx.services.webhooks.replay(ctx.principal!, endpointId, tenantId, after));
  }

  @Access(ApiScope.EVENTS_READ, { tenantArg: 'tenantId' })
  @Query(() => WebhookDeliveryConnection, { description: "An endpoint's delivery attempts, newest first." })
  async webhookDeliveries(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('tenantId', () => ID, { nullable: true, description: "Only this tenant's deliveries." }) tenantId: string | null | undefined,
    @Arg('first', () => Int, { defaultValue: DELIVERIES_PAGE_SIZE.default }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null | undefined,
    @Ctx() ctx: GatewayContext,
  ): Promise<WebhookDeliveryConnection> {
    return ctx.services.webhooks.deliveries(ctx.principal!, { endpointId, tenantId, first, after }) as Promise<WebhookDeliveryConnection>;
  }
}
