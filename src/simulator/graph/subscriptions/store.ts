/**
 * The simulator's change-notification service: subscriptions per (tenant, app), the validation request to a
 * notification URL before a subscription exists, and delivery of change notifications when the directory
 * changes (a watcher over each tenant's change log), retried with back-off when the endpoint fails. The facts
 * it follows are in rules.ts; delivery facts (microsoft-graph-docs-contrib concepts/
 * change-notifications-delivery-webhooks.md):
 *
 * - Validation: POST {notificationUrl}?validationToken=<opaque, URL-encoded> with Content-Type text/plain; the
 *   endpoint must answer 200, text/plain, the decoded token as body, within 10 s, else creation fails with 400
 *   ValidationError "Subscription validation request failed. ..." (or InvalidRequest "Subscription validation
 *   request timed out."; both messages as quoted in GitHub issues of microsoftgraph's webhook samples). The
 *   lifecycleNotificationUrl is validated the same way.
 * - Delivery: a POST of {"value":[changeNotification...]}; the endpoint must answer 2xx within 3 s, else Graph
 *   retries "multiple times, for up to 4 hours", then discards the notification.
 *
 * Time compression: retries back off from `retryBaseMs` (default 1 s, doubling, capped at `retryCapMs`) and the
 * 4-hour give-up is measured on the simulator's clock (ctx.now), so a test advances the clock through the
 * control API instead of waiting. Real Graph's retry schedule is not published; the back-off here is a model.
 *
 * State lives beside the SimulatorContext (a WeakMap), so the Graph router and the control router share it
 * without a field on the context.
 */
import { randomUUID } from 'node:crypto';
import type { SimulatorContext } from '../../context';
import { SimGraphError } from '../../errors';
import type { AccessTokenClaims } from '../../tokens';
import {
  DELIVERY_GIVE_UP_MS,
  deliveryDelayMs,
  notificationFor,
  parseExpiration,
  type ChangeType,
  type LifecycleEvent,
  type SubscribedResource,
  type SubscriptionRequest,
} from './rules';

export interface SimSubscription {
  id: string;
  tenantId: string;
  applicationId: string;
  creatorId: string;
  resource: SubscribedResource;
  changeTypes: ChangeType[];
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expiresAt: number;
  /** The tenant's change-log position this subscription has been notified up to. */
  notifiedSeq: number;
}

export interface NotificationSettings {
  /** How often the change logs are looked at (ms). */
  pollMs: number;
  retryBaseMs: number;
  retryCapMs: number;
  /** Notifications per POST at most. */
  batchSize: number;
  deliveryTimeoutMs: number;
  validationTimeoutMs: number;
}

export interface NotificationStats {
  validations: number;
  failedValidations: number;
  /** POSTs answered 2xx, and the notifications they carried. */
  deliveries: number;
  notificationsDelivered: number;
  failedAttempts: number;
  /** Notifications discarded after 4 hours of failures. */
  notificationsDropped: number;
  lifecycleSent: number;
}

interface Delivery {
  url: string;
  items: object[];
  attempt: number;
  firstAttemptAt: number;
  nextAt: number;
}

const DEFAULT_SETTINGS: NotificationSettings = {
  pollMs: 50,
  retryBaseMs: 1_000,
  retryCapMs: 60_000,
  batchSize: 100,
  deliveryTimeoutMs: 3_000,
  validationTimeoutMs: 10_000,
};

const stores = new WeakMap<SimulatorContext, SubscriptionStore>();

export function subscriptionsOf(ctx: SimulatorContext): SubscriptionStore {
  let store = stores.get(ctx);
  if (!store) {
    store = new SubscriptionStore(ctx);
    stores.set(ctx, store);
  }
  return store;
}

export class SubscriptionStore {
  readonly settings: NotificationSettings = { ...DEFAULT_SETTINGS };
  readonly stats: NotificationStats = emptyStats();
  private readonly subscriptions = new Map<string, SimSubscription>();
  private readonly queue: Delivery[] = [];
  private readonly busyUrls = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: SimulatorContext) {}

  // ---- the API's operations --------------------------------------------------------------------------------

  async create(claims: AccessTokenClaims, tenantId: string, request: SubscriptionRequest): Promise<SimSubscription> {
    // Both URLs are validated before anything is stored: a failed validation leaves no subscription behind.
    await this.validate(request.notificationUrl);
    if (request.lifecycleNotificationUrl) await this.validate(request.lifecycleNotificationUrl);
    const subscription: SimSubscription = {
      id: randomUUID(),
      tenantId: tenantId.toLowerCase(),
      applicationId: claims.appid.toLowerCase(),
      creatorId: claims.oid,
      ...request,
      // Only changes after creation are notified.
      notifiedSeq: this.ctx.store.currentSeq(tenantId),
    };
    this.subscriptions.set(subscription.id, subscription);
    this.ensureTimer();
    return subscription;
  }

  /** The caller's own subscription in its tenant; anything else is Graph's 404. */
  get(claims: AccessTokenClaims, id: string): SimSubscription {
    this.expire();
    const s = this.subscriptions.get(id.toLowerCase());
    if (!s || s.tenantId !== claims.tid.toLowerCase() || s.applicationId !== claims.appid.toLowerCase()) {
      throw new SimGraphError(404, 'ResourceNotFound', `The object was not found: subscription '${id}' does not exist or belongs to another application.`);
    }
    return s;
  }

  list(claims: AccessTokenClaims): SimSubscription[] {
    this.expire();
    return [...this.subscriptions.values()].filter((s) => s.tenantId === claims.tid.toLowerCase() && s.applicationId === claims.appid.toLowerCase());
  }

  renew(claims: AccessTokenClaims, id: string, expirationDateTime: unknown): SimSubscription {
    const s = this.get(claims, id);
    s.expiresAt = parseExpiration(expirationDateTime, this.ctx.now());
    return s;
  }

  delete(claims: AccessTokenClaims, id: string): void {
    this.subscriptions.delete(this.get(claims, id).id);
  }

  all(): SimSubscription[] {
    this.expire();
    return [...this.subscriptions.values()];
  }

  pendingDeliveries(): number {
    return this.queue.reduce((n, d) => n + d.items.length, 0);
  }

  /**
   * A lifecycle notification to the subscription's lifecycleNotificationUrl (the control API's way to play
   * Graph). subscriptionRemoved also removes the subscription, as Graph has by then.
   */
  sendLifecycle(id: string, event: LifecycleEvent): SimSubscription {
    this.expire();
    const s = this.subscriptions.get(id.toLowerCase());
    if (!s) throw new SimGraphError(404, 'ResourceNotFound', `No subscription '${id}' in the simulator.`);
    if (!s.lifecycleNotificationUrl) {
      throw new SimGraphError(400, 'InvalidRequest', `Subscription '${id}' has no lifecycleNotificationUrl: Graph sends lifecycle notifications only to subscriptions created with one.`);
    }
    this.enqueue(s.lifecycleNotificationUrl, [
      {
        subscriptionId: s.id,
        subscriptionExpirationDateTime: new Date(s.expiresAt).toISOString(),
        tenantId: s.tenantId,
        clientState: s.clientState,
        lifecycleEvent: event,
      },
    ]);
    this.stats.lifecycleSent += 1;
    if (event === 'subscriptionRemoved') this.subscriptions.delete(s.id);
    this.ensureTimer();
    return s;
  }

  /** The subscriptions alive now, for a snapshot (persistence.ts). Queued deliveries are not kept. */
  exportSubscriptions(): SimSubscription[] {
    this.expire();
    return [...this.subscriptions.values()];
  }

  /** Subscriptions a snapshot kept; changes logged since their notifiedSeq are delivered. */
  restoreSubscriptions(list: readonly SimSubscription[]): void {
    for (const s of list) this.subscriptions.set(s.id, { ...s });
    if (list.length) this.ensureTimer();
  }

  /** Stops the watcher; with discardPending (the simulator closing) queued notifications are dropped too. */
  close(opts: { discardPending?: boolean } = {}): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (opts.discardPending) this.queue.length = 0;
  }

  // ---- validation ------------------------------------------------------------------------------------------

  private async validate(url: string): Promise<void> {
    // Graph's tokens are readable text with spaces and colons: a client that does not URL-decode fails here.
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    this.stats.validations += 1;
    let response: Response;
    let body: string;
    try {
      response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: '',
        signal: AbortSignal.timeout(this.settings.validationTimeoutMs),
      });
      body = await response.text();
    } catch (error) {
      this.stats.failedValidations += 1;
      const timedOut = (error as { name?: string }).name === 'TimeoutError';
      throw timedOut
        ? new SimGraphError(400, 'InvalidRequest', 'Subscription validation request timed out.')
        : new SimGraphError(400, 'ValidationError', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
    }
    if (response.status !== 200) {
      this.stats.failedValidations += 1;
      throw new SimGraphError(400, 'ValidationError', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
    }
    if (!(response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/plain') || body !== token) {
      this.stats.failedValidations += 1;
      throw new SimGraphError(400, 'ValidationError', 'Subscription validation request failed. Response must exactly match validationToken query parameter.');
    }
  }

  // ---- notifications ---------------------------------------------------------------------------------------

  private ensureTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.settings.pollMs);
    this.timer.unref();
  }

  /** Removes subscriptions past their expiry (Graph deletes them; nothing more is delivered). */
  private expire(): void {
    const now = this.ctx.now();
    for (const [id, s] of this.subscriptions) if (s.expiresAt <= now) this.subscriptions.delete(id);
  }

  private tick(): void {
    this.expire();
    this.collect();
    this.deliverDue();
    if (this.subscriptions.size === 0 && this.queue.length === 0 && this.busyUrls.size === 0) this.close();
  }

  /** New change-log entries become notifications for every matching subscription. */
  private collect(): void {
    const byUrl = new Map<string, object[]>();
    for (const s of this.subscriptions.values()) {
      if (!this.ctx.store.getTenant(s.tenantId)) continue;
      const entries = this.ctx.store.changesSince(s.tenantId, s.notifiedSeq);
      if (entries.length === 0) continue;
      s.notifiedSeq = entries[entries.length - 1].seq;
      for (const entry of entries) {
        const target = notificationFor(entry);
        if (target.resource !== s.resource || !s.changeTypes.includes(target.changeType)) continue;
        const items = byUrl.get(s.notificationUrl) ?? [];
        items.push(changeNotification(s, target, entry.seq));
        byUrl.set(s.notificationUrl, items);
      }
    }
    for (const [url, items] of byUrl) {
      for (let i = 0; i < items.length; i += this.settings.batchSize) this.enqueue(url, items.slice(i, i + this.settings.batchSize));
    }
  }

  private enqueue(url: string, items: object[]): void {
    const now = this.ctx.now();
    this.queue.push({ url, items, attempt: 0, firstAttemptAt: now, nextAt: now });
  }

  /** One POST in flight per URL at a time, oldest first, so an endpoint sees its notifications in order. */
  private deliverDue(): void {
    const now = this.ctx.now();
    for (const delivery of this.queue) {
      if (delivery.nextAt > now || this.busyUrls.has(delivery.url)) continue;
      this.busyUrls.add(delivery.url);
      void this.post(delivery).finally(() => this.busyUrls.delete(delivery.url));
    }
  }

  private async post(delivery: Delivery): Promise<void> {
    delivery.attempt += 1;
    let ok = false;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: delivery.items }),
        signal: AbortSignal.timeout(this.settings.deliveryTimeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      ok = response.status >= 200 && response.status < 300;
    } catch {
      ok = false;
    }
    const now = this.ctx.now();
    if (ok) {
      this.stats.deliveries += 1;
      this.stats.notificationsDelivered += delivery.items.length;
      this.remove(delivery);
      return;
    }
    this.stats.failedAttempts += 1;
    if (now - delivery.firstAttemptAt >= DELIVERY_GIVE_UP_MS) {
      this.stats.notificationsDropped += delivery.items.length;
      this.remove(delivery);
      return;
    }
    delivery.nextAt = now + deliveryDelayMs(delivery.attempt, this.settings.retryBaseMs, this.settings.retryCapMs);
  }

  private remove(delivery: Delivery): void {
    const at = this.queue.indexOf(delivery);
    if (at >= 0) this.queue.splice(at, 1);
  }
}

/** A changeNotification as Graph sends it for a directory object (resource "Users/{id}", basic notification). */
function changeNotification(s: SimSubscription, target: ReturnType<typeof notificationFor>, sequenceNumber: number): object {
  const entitySet = target.resource === 'users' ? 'Users' : 'Groups';
  const resourceData: Record<string, unknown> = {
    '@odata.type': target.resource === 'users' ? '#Microsoft.Graph.User' : '#Microsoft.Graph.Group',
    '@odata.id': `${entitySet}/${target.id}`,
    id: target.id,
    organizationId: s.tenantId,
    sequenceNumber,
  };
  if (target.membersDelta) {
    resourceData['members@delta'] = target.membersDelta.map((m) => (m.removed ? { id: m.id, '@removed': 'deleted' } : { id: m.id }));
  }
  return {
    subscriptionId: s.id,
    subscriptionExpirationDateTime: new Date(s.expiresAt).toISOString(),
    changeType: target.changeType,
    resource: `${entitySet}/${target.id}`,
    resourceData,
    clientState: s.clientState,
    tenantId: s.tenantId,
  };
}

function emptyStats(): NotificationStats {
  return { validations: 0, failedValidations: 0, deliveries: 0, notificationsDelivered: 0, failedAttempts: 0, notificationsDropped: 0, lifecycleSent: 0 };
}
