/**
 * SubscriptionManager: keeps each ACTIVE tenant's Graph subscriptions on users and groups alive. Every tick it
 * compares what each tenant should have (subscriptionSteps, decisions.ts) with graph_subscriptions and, for a
 * tenant with work to do, takes that tenant's management lease (one instance at a time) and creates, renews,
 * reauthorizes or deletes. Each subscription gets a fresh random clientState (stored encrypted). A failure is
 * recorded on the row (the tenant's status shows it), retried with back-off, and never stops polling.
 *
 * Lifecycle notifications land here through the service: reauthorizationRequired flags the row (reauthorized
 * on the next look, or re-created if Graph no longer knows it), subscriptionRemoved forgets the id (re-created on
 * the next look); both ask for a look right away.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import { GraphNotFoundError, type GraphClient } from '../graph';
import type { Logger } from '../logging';
import { CHANGE_TYPE, retryDelayMs, subscriptionSteps, type Resource, type Step, type TenantFacts } from './decisions';
import type { SubscriptionRecords } from './subscription-records';

export interface SubscriptionManagerOptions {
  dataSource: DataSource;
  records: SubscriptionRecords;
  clientFor: (tenantId: string) => GraphClient;
  logger: Logger;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  lifetimeMinutes: number;
  renewBeforeMinutes: number;
  tickMs: number;
  /** Management lease length; default 120 s. */
  leaseSeconds?: number;
  owner?: string;
}

interface TenantRow {
  id: string;
  status: string;
  features: string[];
  granted_scopes: string[];
}

export class SubscriptionManager {
  readonly owner: string;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly inFlight = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly opts: SubscriptionManagerOptions) {
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    const loop = () => {
      this.ticking = this.tick()
        .catch((error: unknown) => this.opts.logger.error({ component: 'notifications', err: error }, 'subscription tick failed'))
        .finally(() => {
          this.ticking = undefined;
          if (!this.stopped) {
            this.timer = setTimeout(loop, this.opts.tickMs);
            this.timer.unref();
          }
        });
    };
    this.timer = setTimeout(loop, 0);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await Promise.allSettled(this.inFlight.values());
  }

  /** One look at every tenant that has or should have subscriptions (also what tests call). */
  async tick(): Promise<void> {
    const tenants: TenantRow[] = await this.opts.dataSource.query(
      `SELECT t.id, t.status, t.features, t.granted_scopes FROM tenants t
        WHERE (t.status = 'ACTIVE' AND 'READ_DIRECTORY' = ANY (t.features))
           OR EXISTS (SELECT 1 FROM graph_subscriptions s WHERE s.tenant_id = t.id)`,
    );
    if (tenants.length === 0) return;
    const rows = await this.opts.records.rows(tenants.map((t) => t.id));
    const now = new Date();
    for (const tenant of tenants) {
      if (this.stopped) return;
      const steps = subscriptionSteps(facts(tenant), rows.filter((r) => r.tenantId === tenant.id), now, this.opts.renewBeforeMinutes * 60_000);
      if (steps.length > 0) await this.reconcile(tenant.id);
    }
  }

  /** Brings one tenant's subscriptions in line now, if this instance can take its lease. */
  reconcile(tenantId: string): Promise<void> {
    const running = this.inFlight.get(tenantId);
    if (running) return running;
    const work = this.reconcileWithLease(tenantId).finally(() => this.inFlight.delete(tenantId));
    this.inFlight.set(tenantId, work);
    return work;
  }

  /** Deletes every subscription of the tenant at Graph and forgets them (before a disconnect). */
  async removeAll(tenantId: string): Promise<void> {
    const log = this.opts.logger.child({ component: 'notifications', tenantId });
    for (const row of await this.opts.records.rows([tenantId])) {
      await this.perform(tenantId, { resource: row.resource, action: 'delete', subscriptionId: row.subscriptionId, reason: 'tenant disconnecting' }, log);
    }
  }

  private async reconcileWithLease(tenantId: string): Promise<void> {
    const { records, dataSource } = this.opts;
    if (!(await records.takeLease(tenantId, this.owner, this.opts.leaseSeconds ?? 120))) return;
    const log = this.opts.logger.child({ component: 'notifications', tenantId });
    try {
      const [tenant]: TenantRow[] = await dataSource.query(`SELECT id, status, features, granted_scopes FROM tenants WHERE id = $1`, [tenantId]);
      if (!tenant) return;
      const steps = subscriptionSteps(facts(tenant), await records.rows([tenantId]), new Date(), this.opts.renewBeforeMinutes * 60_000);
      for (const step of steps) {
        if (this.stopped) return;
        await this.perform(tenantId, step, log);
      }
    } finally {
      await records.releaseLease(tenantId, this.owner).catch((e: unknown) => log.error({ err: e }, 'could not release the subscription lease (it expires by itself)'));
    }
  }

  private async perform(tenantId: string, step: Step, log: Logger): Promise<void> {
    const client = this.opts.clientFor(tenantId);
    try {
      switch (step.action) {
        case 'create':
          await this.create(tenantId, step.resource, client, log);
          return;
        case 'renew': {
          const expiresAt = this.expiry();
          try {
            await client.patch(`/subscriptions/${encodeURIComponent(step.subscriptionId)}`, { expirationDateTime: expiresAt.toISOString() });
          } catch (error) {
            if (!(error instanceof GraphNotFoundError)) throw error;
            log.warn({ resource: step.resource }, 'Graph no longer knows the subscription: creating a new one');
            await this.create(tenantId, step.resource, client, log);
            return;
          }
          await this.opts.records.saveRenewed(tenantId, step.resource, expiresAt);
          log.info({ resource: step.resource, expiresAt }, 'Graph subscription renewed');
          return;
        }
        case 'reauthorize':
          try {
            await client.post(`/subscriptions/${encodeURIComponent(step.subscriptionId)}/reauthorize`, undefined);
          } catch (error) {
            if (!(error instanceof GraphNotFoundError)) throw error;
            await this.create(tenantId, step.resource, client, log);
            return;
          }
          await this.opts.records.saveReauthorized(tenantId, step.resource);
          log.info({ resource: step.resource }, 'Graph subscription reauthorized');
          return;
        case 'delete':
          if (step.subscriptionId) {
            // A disconnected tenant may no longer give us a token: Graph then drops the subscription at expiry,
            // and its notifications are refused meanwhile (unknown subscription).
            await client.delete(`/subscriptions/${encodeURIComponent(step.subscriptionId)}`).catch((error: unknown) =>
              log.warn({ resource: step.resource, err: error }, 'could not delete the Graph subscription; it expires by itself'),
            );
          }
          await this.opts.records.remove(tenantId, step.resource);
          log.info({ resource: step.resource, reason: step.reason }, 'Graph subscription deleted');
          return;
      }
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const failures = await this.opts.records.recordFailure(tenantId, step.resource, `${step.action} failed: ${message}`, retryDelayMs);
      log.warn({ resource: step.resource, action: step.action, consecutiveFailures: failures, err: error }, 'Graph subscription step failed; polling continues');
    }
  }

  private async create(tenantId: string, resource: Resource, client: GraphClient, log: Logger): Promise<void> {
    // 32 random bytes as base64url: 43 characters, within Graph's 128.
    const clientState = randomBytes(32).toString('base64url');
    const expiresAt = this.expiry();
    const created = await client.post<{ id?: unknown; expirationDateTime?: unknown }>('/subscriptions', {
      changeType: CHANGE_TYPE,
      notificationUrl: this.opts.notificationUrl,
      lifecycleNotificationUrl: this.opts.lifecycleNotificationUrl,
      resource,
      expirationDateTime: expiresAt.toISOString(),
      clientState,
    });
    if (typeof created?.id !== 'string' || created.id.length === 0) {
      throw new Error(`POST /subscriptions: expected a subscription with an id, got ${JSON.stringify(created)?.slice(0, 200)}`);
    }
    const granted = typeof created.expirationDateTime === 'string' ? new Date(created.expirationDateTime) : expiresAt;
    await this.opts.records.saveCreated(tenantId, resource, created.id, clientState, Number.isNaN(granted.getTime()) ? expiresAt : granted);
    log.info({ resource, subscriptionId: created.id, expiresAt: granted }, 'Graph subscription created');
  }

  private expiry(): Date {
    return new Date(Date.now() + this.opts.lifetimeMinutes * 60_000);
  }
}

function facts(t: TenantRow): TenantFacts {
  return { status: t.status, features: t.features, grantedScopes: t.granted_scopes };
}
