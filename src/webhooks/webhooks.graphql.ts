/** The GraphQL shapes of webhooks: an endpoint, the secret shown once, the delivery log. */
import 'reflect-metadata';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../core/page-info';
import { DirectoryEventType } from '../events/event.types';

export enum WebhookEndpointStatus {
  ENABLED = 'ENABLED',
  DISABLED = 'DISABLED',
}
registerEnumType(WebhookEndpointStatus, { name: 'WebhookEndpointStatus', description: 'DISABLED: after a run of failed deliveries (or by hand); enableWebhookEndpoint resumes from the cursor.' });

export enum WebhookDeliveryOutcome {
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}
registerEnumType(WebhookDeliveryOutcome, { name: 'WebhookDeliveryOutcome' });

@ObjectType({ description: 'Where the gateway POSTs events, signed (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature).' })
export class WebhookEndpoint {
  @Field(() => ID)
  id!: string;

  @Field()
  url!: string;

  @Field(() => [ID], { nullable: true, description: 'The tenants whose events it receives; null: every tenant, including ones connected later.' })
  tenantIds!: string[] | null;

  @Field(() => [DirectoryEventType], { description: 'Only these types; empty: every type.' })
  types!: DirectoryEventType[];

  @Field(() => WebhookEndpointStatus)
  status!: WebhookEndpointStatus;

  @Field(() => Int, { description: 'Failed deliveries since the last success; at WEBHOOK_DISABLE_AFTER_FAILURES the endpoint is disabled.' })
  consecutiveFailures!: number;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due after a failure (back-off).' })
  nextAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true })
  disabledAt!: Date | null;

  @Field(() => String, { nullable: true })
  disabledReason!: string | null;

  @Field(() => Date, { nullable: true, description: 'Until then deliveries are signed with the previous secret too (after a rotation).' })
  previousSecretExpiresAt!: Date | null;

  @Field()
  createdAt!: Date;
}

@ObjectType({ description: 'An endpoint with its signing secret: shown this once, never again.' })
export class WebhookEndpointWithSecret {
  @Field(() => WebhookEndpoint)
  endpoint!: WebhookEndpoint;

  @Field({ description: 'whsec_... : the key is the base64 after the prefix. Store it now; the gateway keeps it encrypted and never shows it again.' })
  secret!: string;
}

@InputType()
export class RegisterWebhookEndpointInput {
  @Field({ description: 'https (in development also http://localhost or http://127.0.0.1). Must resolve to public addresses outside development.' })
  url!: string;

  @Field(() => [ID], { nullable: true, description: 'Tenants whose events it receives; absent: every tenant the caller may touch (every tenant, now and later, for a caller allowed on all).' })
  tenantIds?: string[] | null;

  @Field(() => [DirectoryEventType], { nullable: true, description: 'Only these types; absent or empty: every type.' })
  types?: DirectoryEventType[] | null;
}

@ObjectType({ description: 'One attempt to deliver one event.' })
export class WebhookDelivery {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  tenantId!: string;

  @Field({ description: "The event's sequence." })
  eventSequence!: string;

  @Field({ description: 'The webhook-id header: the same on every attempt and replay of the event.' })
  webhookId!: string;

  @Field(() => Int, { description: '1 for the first attempt of this event.' })
  attempt!: number;

  @Field(() => WebhookDeliveryOutcome)
  outcome!: WebhookDeliveryOutcome;

  @Field(() => Int, { nullable: true, description: "The receiver's HTTP status; null when none came (timeout, connection refused, address refused)." })
  statusCode!: number | null;

  @Field(() => Int)
  latencyMs!: number;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field()
  attemptedAt!: Date;
}

@ObjectType()
export class WebhookDeliveryEdge {
  @Field()
  cursor!: string;

  @Field(() => WebhookDelivery)
  node!: WebhookDelivery;
}

@ObjectType({ description: 'Delivery attempts, newest first.' })
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge])
  edges!: WebhookDeliveryEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
