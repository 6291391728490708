/**
 * Applies a life-cycle event to a stored tenant: the pure transition table (status.ts) decides, and the new
 * status, any fields that come with it, and the history row are written in one transaction under a row lock,
 * so concurrent events for one tenant are applied one after the other.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { appendEvents } from '../events/event-log';
import { DirectoryEventType } from '../events/event.types';
import { TenantStatus, transition, type TenantEvent } from './status';
import { Tenant, TenantStatusChange } from './tenant.entity';

/** Fields an event may set together with the status (what the consent taught us). */
export type TenantEventPatch = Partial<Pick<Tenant, 'entraTenantId' | 'grantedScopes'>>;

/** The tenant's status does not allow the event (e.g. anything after DISCONNECTED). */
export class TenantTransitionError extends Error {
  constructor(
    readonly tenantId: string,
    reason: string,
  ) {
    super(`Tenant ${tenantId}: ${reason}`);
    this.name = 'TenantTransitionError';
  }
}

export async function applyTenantEvent(
  dataSource: DataSource,
  tenantId: string,
  event: TenantEvent,
  reason: string,
  patch: TenantEventPatch = {},
): Promise<Tenant> {
  return dataSource.transaction((manager) => applyTenantEventIn(manager, tenantId, event, reason, patch));
}

/** The same, inside a transaction the caller owns (to add its own writes to it). */
export async function applyTenantEventIn(
  manager: EntityManager,
  tenantId: string,
  event: TenantEvent,
  reason: string,
  patch: TenantEventPatch = {},
): Promise<Tenant> {
  const tenants = manager.getRepository(Tenant);
  const tenant = await tenants.findOne({ where: { id: tenantId }, lock: { mode: 'pessimistic_write' } });
  if (!tenant) throw new TenantTransitionError(tenantId, 'expected an existing tenant, found none');
  const from = tenant.status as TenantStatus;
  const next = transition(from, event);
  if (!next.ok) throw new TenantTransitionError(tenantId, next.reason);
  Object.assign(tenant, patch, { status: next.to });
  const saved = await tenants.save(tenant);
  if (next.changed) await recordStatus(manager, tenantId, from, next.to, reason);
  return saved;
}

/**
 * One history row, stamped with the transaction's time, and its TENANT_STATUS_CHANGED event in the same
 * transaction; `from` is null for a tenant's first status.
 */
export async function recordStatus(
  manager: EntityManager,
  tenantId: string,
  from: TenantStatus | null,
  to: TenantStatus,
  reason: string,
): Promise<void> {
  await manager.getRepository(TenantStatusChange).insert({ tenantId, fromStatus: from, toStatus: to, reason });
  await appendEvents(manager, [{ tenantId, type: DirectoryEventType.TENANT_STATUS_CHANGED, payload: { from, to, reason } }]);
}
