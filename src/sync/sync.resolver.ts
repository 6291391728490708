/**
 * Sync in the GraphQL API: `syncNow` (tenants:admin) runs a round immediately; `Tenant.syncStatus` (readers of
 * the tenant) says where its sync stands.
 */
import 'reflect-metadata';
import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { Access } from '../core/auth/access';
import { authorize } from '../core/auth/guard';
import { ApiScope } from '../core/auth/principal';
import type { GatewayContext } from '../core/context';
import { ErrorCode, GatewayError } from '../core/errors';
import { Tenant } from '../tenants/tenant.entity';
import { TenantObject } from '../tenants/tenant.types';
import type { SyncStateRecord } from './snapshot.entity';
import { SyncModeValue, SyncNowResultObject, TenantSyncStatusObject } from './sync.types';

export function toSyncStatus(state: SyncStateRecord | null, leaseRunning = false): TenantSyncStatusObject | null {
  if (!state) return null;
  const c = state.counts ?? {};
  return {
    lastSuccessAt: state.lastSuccessAt,
    lastError: state.lastError,
    lastErrorAt: state.lastErrorAt,
    lastDurationMs: state.lastDurationMs,
    counts: {
      users: c.users ?? null,
      groups: c.groups ?? null,
      memberships: c.memberships ?? null,
      effectiveMemberships: c.effectiveMemberships ?? null,
      mode: (c.mode as SyncModeValue | undefined) ?? null,
      pages: c.pages ?? null,
      objects: c.objects ?? null,
      events: c.events ?? null,
      graphRequests: c.graphRequests ?? null,
    },
    nextRunAt: state.nextRunAt,
    consecutiveFailures: state.consecutiveFailures,
    running: leaseRunning || (state.leaseOwner !== null && state.leaseExpiresAt !== null && state.leaseExpiresAt.getTime() > Date.now()),
  };
}

@Resolver(() => TenantObject)
export class SyncResolver {
  @Access(ApiScope.TENANTS_ADMIN, { tenantArg: 'tenantId' })
  @Mutation(() => SyncNowResultObject, {
    description: "Runs a directory sync round for the tenant now and waits for it (tenants:admin). A round already running in any gateway process answers ran: false, LEASE_HELD.",
  })
  async syncNow(@Arg('tenantId', () => ID, { description: 'The tenant id.' }) tenantId: string, @Ctx() ctx: GatewayContext): Promise<SyncNowResultObject> {
    authorize(ctx, ApiScope.TENANTS_ADMIN, tenantId);
    if (!/^[0-9a-f-]{36}$/i.test(tenantId) || !(await ctx.services.tenants.get(tenantId))) {
      throw new GatewayError(ErrorCode.NOT_FOUND, `tenant ${tenantId}: expected an existing tenant, found none`, { tenantId });
    }
    const sync = ctx.services.sync;
    const outcome = await sync.syncNow(tenantId).then(
      (result) => ({ result, error: null as string | null }),
      (error: unknown) => ({ result: null, error: error instanceof Error ? error.message : String(error) }),
    );
    const status = toSyncStatus(await sync.status(tenantId));
    if (outcome.error !== null || !outcome.result) {
      return { ran: true, skippedReason: null, error: outcome.error, mode: null, events: null, durationMs: null, status };
    }
    const r = outcome.result;
    if (!r.ran) return { ran: false, skippedReason: r.reason, error: null, mode: null, events: null, durationMs: null, status };
    return { ran: true, skippedReason: null, error: null, mode: r.mode as SyncModeValue, events: r.events, durationMs: r.durationMs, status };
  }

  @FieldResolver(() => TenantSyncStatusObject, { nullable: true, description: 'Where the directory sync stands; null before the first round.' })
  async syncStatus(@Root() tenant: Tenant, @Ctx() ctx: GatewayContext): Promise<TenantSyncStatusObject | null> {
    const scope = ctx.principal?.scopes.has(ApiScope.TENANTS_ADMIN) ? ApiScope.TENANTS_ADMIN : ApiScope.DIRECTORY_READ;
    authorize(ctx, scope, tenant.id);
    return toSyncStatus(await ctx.services.sync.status(tenant.id));
  }
}
