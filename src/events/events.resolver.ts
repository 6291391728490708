/**
 * `Query.events` (polling) and `Subscription.directoryEvents` (replay, then live), both needing events:read on
 * the tenant. Everything else lives in EventsService.
 */
import 'reflect-metadata';
import { Arg, Ctx, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Access } from '../core/auth/access';
import { ApiScope } from '../core/auth/principal';
import type { GatewayContext } from '../core/context';
import { ErrorCode, GatewayError } from '../core/errors';
import { DirectoryEventConnection, DirectoryEventObject } from './event.graphql';
import type { StoredEvent } from './event-log';
import type { StreamItem } from './event-stream';
import { DirectoryEventType } from './event.types';
import { EVENTS_PAGE_SIZE } from './events.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface DirectoryEventsArgs {
  tenantId: string;
  types?: DirectoryEventType[] | null;
  after?: string | null;
}

async function requireTenant(ctx: GatewayContext, tenantId: string): Promise<void> {
  if (!UUID.test(tenantId) || !(await ctx.services.tenants.get(tenantId))) {
    throw new GatewayError(ErrorCode.NOT_FOUND, `tenantId: expected an existing tenant, found none for ${tenantId}`, { tenantId });
  }
}

function toObject(ctx: GatewayContext, event: StoredEvent): DirectoryEventObject {
  return { ...event, cursor: ctx.services.events.cursors.encode(event.tenantId, event.sequence) };
}

@Resolver()
export class EventsResolver {
  @Access(ApiScope.EVENTS_READ, { tenantArg: 'tenantId' })
  @Query(() => DirectoryEventConnection, {
    description: "A page of the tenant's events after a cursor, oldest first, for backends that poll (events:read).",
  })
  async events(
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('types', () => [DirectoryEventType], { nullable: true, description: 'Only these types; all when absent or empty.' }) types: DirectoryEventType[] | null | undefined,
    @Arg('after', () => String, { nullable: true, description: 'A cursor from an earlier event or page; from the oldest kept event when absent.' }) after: string | null | undefined,
    @Arg('first', () => Int, { defaultValue: EVENTS_PAGE_SIZE.default, description: `Page size, 1 to ${EVENTS_PAGE_SIZE.max}.` }) first: number,
    @Ctx() ctx: GatewayContext,
  ): Promise<DirectoryEventConnection> {
    await requireTenant(ctx, tenantId);
    const page = await ctx.services.events.page({ tenantId, types, after, first });
    return { edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toObject(ctx, edge.node) })), pageInfo: page.pageInfo };
  }

  @Access(ApiScope.EVENTS_READ, { tenantArg: 'tenantId' })
  @Subscription(() => DirectoryEventObject, {
    description:
      "The tenant's events (events:read): those after `after` first (replayed from the log), then each new one as it is committed, " +
      'on whichever gateway instance it happened; none twice, none skipped. Without `after`, only new events. ' +
      'Keep the cursor of the last event received: after a disconnect, subscribe again with it.',
    subscribe: async ({ args, context }) => {
      const ctx = context as GatewayContext;
      const { tenantId, types, after } = args as DirectoryEventsArgs;
      await requireTenant(ctx, tenantId);
      return ctx.services.events.subscribe({ tenantId, types, after });
    },
  })
  directoryEvents(
    @Root() item: StreamItem | undefined,
    @Arg('tenantId', () => ID) _tenantId: string,
    @Arg('types', () => [DirectoryEventType], { nullable: true, description: 'Only these types; all when absent or empty.' }) _types: DirectoryEventType[] | null,
    @Arg('after', () => String, { nullable: true, description: 'The cursor of the last event received; absent: only new events.' }) _after: string | null,
    @Ctx() ctx: GatewayContext,
  ): DirectoryEventObject {
    // Over HTTP a subscription runs through this resolver alone, with nothing to resolve.
    if (!item) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'directoryEvents: expected a subscription over WebSocket (graphql-ws) at /graphql, got a plain HTTP request');
    if ('error' in item) throw item.error;
    return toObject(ctx, item.event);
  }
}
