/**
 * services.notifications: near-real-time changes (issue 16). Graph change notifications on users and groups
 * say that a tenant changed; the delta round then says what. This service owns the endpoint's handlers (the
 * router is mounted by the gateway), the per-tenant round trigger, the subscription manager, and the status
 * shown on Tenant.changeNotifications. When notifications are unavailable (GRAPH_NOTIFICATIONS=off, or a
 * PUBLIC_URL Microsoft cannot reach) nothing is created and polling works as before.
 */
import type { Router } from 'express';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { GraphClient } from '../graph';
import type { Encryptor } from '../identity';
import type { Logger } from '../logging';
import type { RoundResult } from '../sync/sync-engine';
import { clientStateMatches, notificationAvailability, wantedResources, type Availability, type ChangeNotice, type LifecycleNotice, type Resource } from './decisions';
import { LIFECYCLE_PATH, NOTIFICATION_PATH, notificationRouter, type NotificationHandlers, type Verified } from './notification-router';
import { RoundTrigger, type RoundOutcome } from './round-trigger';
import { SubscriptionManager } from './subscription-manager';
import { SubscriptionRecords, type KnownSubscription } from './subscription-records';

export interface NotificationsServiceDeps {
  config: Readonly<Config>;
  dataSource: DataSource;
  encryptor: Encryptor;
  clientFor: (tenantId: string) => GraphClient;
  /** The sync service's entry point (services.sync.syncNow): the same lease and round code as the scheduler. */
  syncNow: (tenantId: string) => Promise<RoundResult>;
  logger: Logger;
}

export interface SubscriptionStatus {
  resource: Resource;
  /** ACTIVE, FAILING (last attempt failed; polling covers it), PENDING (not created yet), NOT_SUBSCRIBED. */
  state: 'ACTIVE' | 'FAILING' | 'PENDING' | 'NOT_SUBSCRIBED';
  reason: string | null;
  subscriptionId: string | null;
  expiresAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  consecutiveFailures: number;
}

const CACHE_MS = 60_000;
const CACHE_MAX = 10_000;

export class NotificationsService {
  readonly availability: Availability;
  readonly records: SubscriptionRecords;
  readonly trigger: RoundTrigger;
  readonly manager: SubscriptionManager;
  private readonly log: Logger;
  /** Verified subscriptions by Graph id: a burst of notifications costs one lookup, not one per POST. */
  private readonly cache = new Map<string, { known: KnownSubscription; until: number }>();

  constructor(private readonly deps: NotificationsServiceDeps) {
    const { config } = deps;
    this.log = deps.logger.child({ component: 'notifications' });
    this.availability = notificationAvailability({ mode: config.notifications.mode, publicUrl: config.server.publicUrl, customCloud: config.entra.cloud === 'custom' });
    this.records = new SubscriptionRecords(deps.dataSource, deps.encryptor);
    this.trigger = new RoundTrigger({
      runRound: (tenantId) => this.runRound(tenantId),
      // LEASE_HELD retries: every second for up to the sync lease's length, by then the other round has ended.
      settings: { debounceMs: config.notifications.debounceMs, leaseRetryMs: 1_000, maxLeaseRetries: Math.max(1, config.sync.leaseSeconds) },
      logger: deps.logger,
    });
    const base = config.server.publicUrl.replace(/\/+$/, '');
    this.manager = new SubscriptionManager({
      dataSource: deps.dataSource,
      records: this.records,
      clientFor: deps.clientFor,
      logger: deps.logger,
      notificationUrl: `${base}${NOTIFICATION_PATH}`,
      lifecycleNotificationUrl: `${base}${LIFECYCLE_PATH}`,
      lifetimeMinutes: config.notifications.lifetimeMinutes,
      renewBeforeMinutes: config.notifications.renewBeforeMinutes,
      tickMs: config.notifications.tickMs,
    });
  }

  /** The Express router for Graph's calls (mounted whether or not subscriptions are on: old ones may still post). */
  router(): Router {
    const handlers: NotificationHandlers = {
      verify: (items) => this.verify(items),
      onChanges: (accepted) => this.onChanges(accepted),
      onLifecycle: (accepted) => this.onLifecycle(accepted),
    };
    return notificationRouter(handlers, this.deps.logger);
  }

  /** Starts the subscription manager (main.ts), when notifications are available here. */
  start(): void {
    this.log.info({ enabled: this.availability.enabled, reason: this.availability.reason }, 'Graph change notifications');
    if (this.availability.enabled) this.manager.start();
  }

  async stop(): Promise<void> {
    this.trigger.close();
    await this.manager.stop();
  }

  /**
   * Deletes the tenant's Graph subscriptions while its tokens still work (the disconnect mutation calls this
   * first; once DISCONNECTED no token can be had, and the manager could only forget them). Never throws.
   */
  async beforeDisconnect(tenantId: string): Promise<void> {
    try {
      await this.manager.removeAll(tenantId);
    } catch (error) {
      this.log.warn({ tenantId, err: error }, 'could not delete the Graph subscriptions before disconnecting; they expire by themselves');
    }
  }

  async status(tenant: { id: string; status: string; features: readonly string[]; grantedScopes: readonly string[] }): Promise<SubscriptionStatus[]> {
    const rows = await this.records.rows([tenant.id]);
    const { wanted, skipped } = wantedResources(tenant);
    const out: SubscriptionStatus[] = [];
    for (const { resource, reason } of skipped) {
      out.push({ resource, state: 'NOT_SUBSCRIBED', reason, subscriptionId: null, expiresAt: null, lastError: null, lastErrorAt: null, consecutiveFailures: 0 });
    }
    for (const resource of wanted) {
      const row = rows.find((r) => r.resource === resource);
      const live = Boolean(row?.subscriptionId && row.expiresAt && row.expiresAt > new Date());
      const state = row && row.consecutiveFailures > 0 ? 'FAILING' : live ? 'ACTIVE' : this.availability.enabled ? 'PENDING' : 'NOT_SUBSCRIBED';
      out.push({
        resource,
        state,
        reason: state === 'NOT_SUBSCRIBED' ? this.availability.reason : null,
        subscriptionId: row?.subscriptionId ?? null,
        expiresAt: row?.expiresAt ?? null,
        lastError: row?.lastError ?? null,
        lastErrorAt: row?.lastErrorAt ?? null,
        consecutiveFailures: row?.consecutiveFailures ?? 0,
      });
    }
    return out.sort((a, b) => a.resource.localeCompare(b.resource));
  }

  private async verify<T extends { subscriptionId: string; clientState: string | null }>(items: T[]) {
    const now = Date.now();
    const ids = [...new Set(items.map((i) => i.subscriptionId))];
    const missing = ids.filter((id) => (this.cache.get(id)?.until ?? 0) <= now);
    if (missing.length > 0) {
      const found = await this.records.lookup(missing);
      for (const [id, known] of found) {
        if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(id, { known, until: now + CACHE_MS });
      }
    }
    const accepted: Array<Verified<T>> = [];
    const refused: Array<{ subscriptionId: string; reason: string }> = [];
    for (const item of items) {
      const known = this.cache.get(item.subscriptionId)?.known;
      if (!known) refused.push({ subscriptionId: item.subscriptionId, reason: 'unknown subscription' });
      else if (!clientStateMatches(item.clientState, known.clientState)) refused.push({ subscriptionId: item.subscriptionId, reason: 'clientState mismatch' });
      else accepted.push({ item, tenantId: known.tenantId, resource: known.resource });
    }
    return { accepted, refused };
  }

  private onChanges(accepted: Array<Verified<ChangeNotice>>): void {
    for (const tenantId of new Set(accepted.map((a) => a.tenantId))) this.trigger.notify(tenantId);
  }

  private onLifecycle(accepted: Array<Verified<LifecycleNotice>>): void {
    for (const { item, tenantId, resource } of accepted) {
      this.log.info({ tenantId, resource, lifecycleEvent: item.lifecycleEvent }, 'Graph lifecycle notification');
      if (item.lifecycleEvent === 'missed') {
        this.trigger.notify(tenantId);
        continue;
      }
      const flag = item.lifecycleEvent === 'reauthorizationRequired' ? this.records.requestReauthorization(item.subscriptionId) : this.records.forgetRemoved(item.subscriptionId);
      this.cache.delete(item.subscriptionId);
      void flag
        .then(() => this.manager.reconcile(tenantId))
        .catch((error: unknown) => this.log.error({ tenantId, err: error }, 'lifecycle handling failed; the next tick retries'));
      // Changes made while the subscription was gone reach us through the delta round.
      if (item.lifecycleEvent === 'subscriptionRemoved') this.trigger.notify(tenantId);
    }
  }

  private async runRound(tenantId: string): Promise<RoundOutcome> {
    const result = await this.deps.syncNow(tenantId);
    if (result.ran) return 'ran';
    return result.reason === 'LEASE_HELD' ? 'leaseHeld' : 'skipped';
  }
}
