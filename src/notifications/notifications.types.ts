/** GraphQL types of near-real-time changes: where a tenant's Graph change-notification subscriptions stand. */
import 'reflect-metadata';
import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('GraphSubscriptionStatus', { description: 'One Graph change-notification subscription of a tenant (users or groups).' })
export class GraphSubscriptionStatusObject {
  @Field({ description: 'users or groups.' })
  resource!: string;

  @Field({
    description:
      'ACTIVE (changes arrive within seconds), FAILING (the last creation or renewal failed; retried with back-off, polling covers the tenant), PENDING (not created yet), NOT_SUBSCRIBED (see reason; polling only).',
  })
  state!: string;

  @Field(() => String, { nullable: true, description: 'Why the resource is not subscribed (a permission not granted, notifications off).' })
  reason!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the subscription expires unless renewed (it is renewed before).' })
  expiresAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the last creation, renewal or reauthorization failed; null after a success.' })
  lastError!: string | null;

  @Field(() => Date, { nullable: true })
  lastErrorAt!: Date | null;

  @Field(() => Int, { description: 'Failed attempts since the last success.' })
  consecutiveFailures!: number;
}

@ObjectType('ChangeNotificationStatus', { description: "Near-real-time changes for a tenant: Graph's notifications trigger the delta round; polling stays the safety net." })
export class ChangeNotificationStatusObject {
  @Field({ description: 'Whether this deployment creates subscriptions at all (GRAPH_NOTIFICATIONS, and a PUBLIC_URL Microsoft can reach).' })
  enabled!: boolean;

  @Field({ description: 'Why notifications are on or off for this deployment.' })
  reason!: string;

  @Field(() => [GraphSubscriptionStatusObject])
  subscriptions!: GraphSubscriptionStatusObject[];
}
