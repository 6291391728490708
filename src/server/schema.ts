/**
 * The GraphQL schema, built by type-graphql from the resolver list below. To add a part of the API, append
 * its resolver class to `gatewayResolvers` and run `npm run schema`.
 */
import { createPubSub } from '@graphql-yoga/subscription';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, NonEmptyArray } from 'type-graphql';
import { AboutResolver } from './about.resolver';
import { enforceAccess } from '../core/auth/access';
import { ApiKeyResolver } from '../callers/api-key.resolver';
import { HeartbeatResolver } from './heartbeat.resolver';
import { TenantResolver } from '../tenants/tenant.resolver';
import { GroupMembershipResolver, UserMembershipResolver } from '../directory/membership.resolver';
import { TenantDirectoryResolver } from '../directory/tenant-directory.resolver';
import { securityResolvers } from '../directory/security';
import { AccessTierResolver } from '../access/access.resolver';
import { DriftResolver } from '../sync/drift/drift.resolver';
import { SyncResolver } from '../sync/sync.resolver';
import { ProvisioningResolver } from '../provisioning/provisioning.resolver';
import { EventsResolver } from '../events/events.resolver';
import { ChangeNotificationsResolver } from '../notifications/notifications.resolver';
import { WebhooksResolver } from '../webhooks/webhooks.resolver';
import { PortalResolver } from '../portal/portal.resolver';

export const gatewayResolvers: NonEmptyArray<Function> = [
  AboutResolver,
  HeartbeatResolver,
  ApiKeyResolver,
  TenantResolver,
  TenantDirectoryResolver,
  UserMembershipResolver,
  GroupMembershipResolver,
  ...securityResolvers,
  AccessTierResolver,
  SyncResolver,
  ProvisioningResolver,
  DriftResolver,
  EventsResolver,
  ChangeNotificationsResolver,
  WebhooksResolver,
  PortalResolver,
];

export type GatewayPubSub = ReturnType<typeof createPubSub>;

export interface GatewaySchemaOptions {
  /** Resolvers beyond the gateway's own (tests use this to add failing or slow fields). */
  extraResolvers?: Function[];
  /** Shared with whoever publishes events; a fresh in-process one by default. */
  pubSub?: GatewayPubSub;
}

/** Root fields declaring `@Access` (auth/access.ts) are guarded here, extra resolvers' included. */
export async function buildGatewaySchema(opts: GatewaySchemaOptions = {}): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...gatewayResolvers, ...(opts.extraResolvers ?? [])],
    pubSub: opts.pubSub ?? createPubSub(),
  });
  return enforceAccess(schema);
}
