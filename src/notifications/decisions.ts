/**
 * The decisions of near-real-time changes as pure functions (no database, no Graph, no clock: `now` is an
 * input): whether this deployment may create Graph subscriptions at all, which subscriptions a tenant needs and
 * what to do about each, what a notification POST holds, and the per-tenant round trigger's state machine.
 *
 * Graph's facts used here (microsoft-graph-docs-contrib; details in src/simulator/graph/subscriptions/rules.ts):
 * - notificationUrl and lifecycleNotificationUrl must be HTTPS, and Graph validates them from Microsoft's
 *   servers before it creates a subscription, so a loopback or private host can never work against real Graph.
 * - users: changeType updated,deleted (created is not supported for users and groups; `updated` covers creation
 *   and soft deletion); permission User.Read.All. groups: the same change types; permission Group.Read.All
 *   (GroupMember.Read.All is not enough). Membership changes arrive as `updated` on the group.
 * - Maximum lifetime for user, group and other directory resources: 41760 minutes (under 29 days).
 * - clientState: at most 128 characters, echoed in every notification.
 */
import { timingSafeEqual, createHash } from 'node:crypto';

export type Resource = 'users' | 'groups';
export const RESOURCES: readonly Resource[] = ['users', 'groups'];
export const CHANGE_TYPE = 'updated,deleted';

// ---- may this deployment subscribe at all ------------------------------------------------------------------

export interface DeploymentFacts {
  mode: 'auto' | 'off';
  publicUrl: string;
  /** The Entra endpoints are the simulator or another custom cloud (not Microsoft's). */
  customCloud: boolean;
}

export type Availability = { enabled: true; reason: string } | { enabled: false; reason: string };

export function notificationAvailability(facts: DeploymentFacts): Availability {
  if (facts.mode === 'off') return { enabled: false, reason: 'GRAPH_NOTIFICATIONS=off: polling only' };
  // The simulator (a custom cloud) trusts a local http URL; it is the developer's and the tests' Graph.
  if (facts.customCloud) return { enabled: true, reason: 'custom Entra cloud (the simulator): its notifications reach PUBLIC_URL directly' };
  let url: URL;
  try {
    url = new URL(facts.publicUrl);
  } catch {
    return { enabled: false, reason: `PUBLIC_URL ${facts.publicUrl} is not a URL` };
  }
  if (url.protocol !== 'https:') return { enabled: false, reason: `PUBLIC_URL must be https for Microsoft Graph to deliver notifications, got ${url.protocol}//${url.host}: polling only` };
  if (!isPublicHost(url.hostname)) return { enabled: false, reason: `PUBLIC_URL host ${url.hostname} cannot be reached from Microsoft's servers: polling only` };
  return { enabled: true, reason: `PUBLIC_URL ${url.origin} is https on a public host` };
}

/** Loopback, private (RFC 1918, unique-local, link-local) and single-label hosts are not reachable from outside. */
export function isPublicHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return false;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return !(a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127));
  }
  if (host.includes(':')) return !(host === '::1' || host === '::' || host.startsWith('fc') || host.startsWith('fd') || host.startsWith('fe80'));
  return host.includes('.');
}

// ---- which subscriptions a tenant needs ------------------------------------------------------------------

const COVERS: Record<Resource, readonly string[]> = {
  users: ['user.read.all', 'user.readwrite.all', 'directory.read.all', 'directory.readwrite.all'],
  groups: ['group.read.all', 'group.readwrite.all', 'directory.read.all', 'directory.readwrite.all'],
};
export const LEAST_PERMISSION: Record<Resource, string> = { users: 'User.Read.All', groups: 'Group.Read.All' };

export interface TenantFacts {
  status: string;
  features: readonly string[];
  /** As granted (application roles or delegated scopes; a resource prefix is ignored). */
  grantedScopes: readonly string[];
}

/** Resources the tenant may subscribe to, and why each of the others may not. */
export function wantedResources(tenant: TenantFacts): { wanted: Resource[]; skipped: Array<{ resource: Resource; reason: string }> } {
  if (tenant.status !== 'ACTIVE') return { wanted: [], skipped: RESOURCES.map((resource) => ({ resource, reason: `tenant is ${tenant.status}` })) };
  if (!tenant.features.includes('READ_DIRECTORY')) {
    return { wanted: [], skipped: RESOURCES.map((resource) => ({ resource, reason: 'the READ_DIRECTORY feature is not enabled' })) };
  }
  const granted = new Set(tenant.grantedScopes.map((s) => s.slice(s.lastIndexOf('/') + 1).toLowerCase()));
  const wanted: Resource[] = [];
  const skipped: Array<{ resource: Resource; reason: string }> = [];
  for (const resource of RESOURCES) {
    if (COVERS[resource].some((p) => granted.has(p))) wanted.push(resource);
    else skipped.push({ resource, reason: `needs ${LEAST_PERMISSION[resource]}, which the tenant has not granted: polling covers ${resource}` });
  }
  return { wanted, skipped };
}

export interface SubscriptionRow {
  resource: Resource;
  /** Graph's id; null while none exists (never created, or its creation failed). */
  subscriptionId: string | null;
  expiresAt: Date | null;
  /** A failed attempt waits for this before the next. */
  nextAttemptAt: Date | null;
  reauthorizeRequested: boolean;
}

export type Step =
  | { resource: Resource; action: 'create'; reason: string }
  | { resource: Resource; action: 'renew'; subscriptionId: string; reason: string }
  | { resource: Resource; action: 'reauthorize'; subscriptionId: string; reason: string }
  | { resource: Resource; action: 'delete'; subscriptionId: string | null; reason: string };

/** What to do now for one tenant: create missing subscriptions, renew those near expiry, drop unwanted ones. */
export function subscriptionSteps(tenant: TenantFacts, rows: readonly SubscriptionRow[], now: Date, renewBeforeMs: number): Step[] {
  const { wanted } = wantedResources(tenant);
  const steps: Step[] = [];
  for (const row of rows) {
    if (!wanted.includes(row.resource)) steps.push({ resource: row.resource, action: 'delete', subscriptionId: row.subscriptionId, reason: 'no longer wanted' });
  }
  for (const resource of wanted) {
    const row = rows.find((r) => r.resource === resource);
    if (row?.nextAttemptAt && row.nextAttemptAt > now) continue;
    if (!row || !row.subscriptionId || !row.expiresAt || row.expiresAt <= now) {
      steps.push({ resource, action: 'create', reason: !row || !row.subscriptionId ? 'none exists' : 'expired' });
    } else if (row.expiresAt.getTime() - now.getTime() <= renewBeforeMs) {
      steps.push({ resource, action: 'renew', subscriptionId: row.subscriptionId, reason: 'expires soon' });
    } else if (row.reauthorizeRequested) {
      steps.push({ resource, action: 'reauthorize', subscriptionId: row.subscriptionId, reason: 'Graph asked for reauthorization' });
    }
  }
  return steps;
}

/** Back-off after failed creations or renewals: 1, 2, 4 ... minutes, at most an hour. */
export function retryDelayMs(consecutiveFailures: number): number {
  return Math.min(60 * 60_000, 60_000 * 2 ** Math.max(0, consecutiveFailures - 1));
}

// ---- notification bodies ---------------------------------------------------------------------------------

export interface ChangeNotice {
  subscriptionId: string;
  clientState: string | null;
  tenantId: string | null;
  changeType: string | null;
  resource: string | null;
}

export interface LifecycleNotice {
  subscriptionId: string;
  clientState: string | null;
  lifecycleEvent: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';
}

export type Parsed<T> = { ok: true; items: T[] } | { ok: false; problem: string };

const LIFECYCLE_EVENTS = new Set(['reauthorizationRequired', 'subscriptionRemoved', 'missed']);
/** A bound on one POST: Graph batches notifications, but never thousands in one request [unverified]. */
export const MAX_ITEMS = 1_000;

/** {"value":[...]} with a subscriptionId string in each item; anything else is refused, saying what was wrong. */
export function parseChangeNotifications(body: unknown): Parsed<ChangeNotice> {
  const items = valueArray(body);
  if (typeof items === 'string') return { ok: false, problem: items };
  const out: ChangeNotice[] = [];
  for (const [i, item] of items.entries()) {
    const id = item.subscriptionId;
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) return { ok: false, problem: `value[${i}].subscriptionId: expected a string, got ${describe(id)}` };
    out.push({ subscriptionId: id, clientState: str(item.clientState), tenantId: str(item.tenantId), changeType: str(item.changeType), resource: str(item.resource) });
  }
  return { ok: true, items: out };
}

export function parseLifecycleNotifications(body: unknown): Parsed<LifecycleNotice> {
  const items = valueArray(body);
  if (typeof items === 'string') return { ok: false, problem: items };
  const out: LifecycleNotice[] = [];
  for (const [i, item] of items.entries()) {
    const id = item.subscriptionId;
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) return { ok: false, problem: `value[${i}].subscriptionId: expected a string, got ${describe(id)}` };
    if (typeof item.lifecycleEvent !== 'string' || !LIFECYCLE_EVENTS.has(item.lifecycleEvent)) {
      return { ok: false, problem: `value[${i}].lifecycleEvent: expected reauthorizationRequired, subscriptionRemoved or missed, got ${describe(item.lifecycleEvent)}` };
    }
    out.push({ subscriptionId: id, clientState: str(item.clientState), lifecycleEvent: item.lifecycleEvent as LifecycleNotice['lifecycleEvent'] });
  }
  return { ok: true, items: out };
}

function valueArray(body: unknown): Array<Record<string, unknown>> | string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return `expected a JSON object {"value":[...]}, got ${describe(body)}`;
  const value = (body as { value?: unknown }).value;
  if (!Array.isArray(value)) return `value: expected an array of notifications, got ${describe(value)}`;
  if (value.length === 0) return 'value: expected at least one notification, got an empty array';
  if (value.length > MAX_ITEMS) return `value: expected at most ${MAX_ITEMS} notifications, got ${value.length}`;
  for (const [i, item] of value.entries()) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return `value[${i}]: expected an object, got ${describe(item)}`;
  }
  return value as Array<Record<string, unknown>>;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : v === undefined ? 'nothing' : typeof v);

/**
 * Constant-time comparison of the clientState a notification carries with the one stored for its subscription.
 * Both sides are hashed first so that neither the content nor the length leaks through timing.
 */
export function clientStateMatches(received: string | null, expected: string): boolean {
  if (received === null) return false;
  const a = createHash('sha256').update(received, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

// ---- the per-tenant round trigger ------------------------------------------------------------------------

/**
 * One tenant's trigger. idle -> (notified) waiting: a debounce timer runs, more notifications join it ->
 * (timer) running: one round through the sync engine -> idle, or waiting again when notifications arrived
 * during the round (that round may have read Graph before their change). A round refused with LEASE_HELD
 * (another process, or this process's scheduler, is syncing the tenant) is retried after `leaseRetryMs`, since
 * the running round may have started before the change; up to `maxLeaseRetries` times, then polling is the net.
 */
export type TriggerState =
  | { kind: 'idle' }
  | { kind: 'waiting'; leaseRetries: number }
  | { kind: 'running'; wanted: boolean; leaseRetries: number };

export type TriggerEvent = { kind: 'notified' } | { kind: 'timer' } | { kind: 'roundDone'; outcome: 'ran' | 'failed' | 'leaseHeld' | 'skipped' };

export type TriggerAction = { kind: 'none' } | { kind: 'startTimer'; ms: number } | { kind: 'runRound' };

export interface TriggerSettings {
  debounceMs: number;
  leaseRetryMs: number;
  maxLeaseRetries: number;
}

export function triggerStep(state: TriggerState, event: TriggerEvent, s: TriggerSettings): { state: TriggerState; action: TriggerAction } {
  const none = { kind: 'none' } as const;
  switch (state.kind) {
    case 'idle':
      if (event.kind === 'notified') return { state: { kind: 'waiting', leaseRetries: 0 }, action: { kind: 'startTimer', ms: s.debounceMs } };
      return { state, action: none };
    case 'waiting':
      if (event.kind === 'timer') return { state: { kind: 'running', wanted: false, leaseRetries: state.leaseRetries }, action: { kind: 'runRound' } };
      // Notified while waiting: the coming round covers it.
      return { state, action: none };
    case 'running':
      if (event.kind === 'notified') return { state: { ...state, wanted: true }, action: none };
      if (event.kind !== 'roundDone') return { state, action: none };
      if (event.outcome === 'leaseHeld') {
        if (state.leaseRetries >= s.maxLeaseRetries) {
          return state.wanted
            ? { state: { kind: 'waiting', leaseRetries: 0 }, action: { kind: 'startTimer', ms: s.debounceMs } }
            : { state: { kind: 'idle' }, action: none };
        }
        return { state: { kind: 'waiting', leaseRetries: state.leaseRetries + 1 }, action: { kind: 'startTimer', ms: s.leaseRetryMs } };
      }
      if (state.wanted) return { state: { kind: 'waiting', leaseRetries: 0 }, action: { kind: 'startTimer', ms: s.debounceMs } };
      return { state: { kind: 'idle' }, action: none };
  }
}
