/**
 * The gateway's Prometheus metrics (issue 14): one registry and every metric's definition, plus the small
 * recording functions the domains call at their seams (graph/executor.ts, identity/token-provider.ts,
 * sync/round.ts, events/event-log.ts and event-stream.ts, the Apollo plugin in server/). Below the domains:
 * it imports nothing of src/ but its own label rules.
 *
 * Process-wide by design (like prom-client's default registry): a metric counts what this process did, whatever
 * gateway object in it did it. Gauges read from the database or from a pool at scrape time come from
 * "sources" that a gateway registers while it runs (addScrapeSource), so several gateways in one process (tests)
 * each contribute and stop contributing when stopped.
 *
 * Cardinality: labels are enums, status codes, bounded endpoint classes, GraphQL operation names capped at
 * OPERATION_NAME_LIMIT distinct values, and our tenant id (never a user id) only on the metrics documented as
 * per tenant, capped at METRICS_TENANT_LABEL_LIMIT distinct tenants (the rest share "other").
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BoundedLabel, endpointClass, operationLabel, OPERATION_NAME_LIMIT } from './labels';

export { endpointClass, operationLabel } from './labels';

const PREFIX = 'entra_gateway_';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/**
 * Off until a gateway with metrics enabled starts (then every record* call below is a few label lookups and an
 * increment); while off they return at once, so a process that serves no /metrics pays nothing for them.
 */
let recording = false;

export function setMetricsRecording(on: boolean): void {
  recording = on;
}

/** Tenant ids as a label, for the per-tenant metrics only; configured by METRICS_TENANT_LABEL_LIMIT. */
export const tenantLabel = new BoundedLabel(500);
const operationNames = new BoundedLabel(OPERATION_NAME_LIMIT);

/** Fast calls (a Graph page, a GraphQL read) to slow ones (a full sync of 100k users). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const ROUND_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

// --- GraphQL operations (server/: Apollo plugin) -------------------------------------------------------------

const graphqlOperations = new Counter({
  name: `${PREFIX}graphql_operations_total`,
  help: 'GraphQL operations by operation name (anonymous, unknown or other when not nameable), type, outcome (success, error) and transport (http, ws)',
  labelNames: ['operation', 'type', 'outcome', 'transport'] as const,
  registers: [registry],
});
const graphqlDuration = new Histogram({
  name: `${PREFIX}graphql_operation_duration_seconds`,
  help: 'GraphQL operation latency: over HTTP from the request reaching Apollo to the response; over WebSocket the execution (a subscription: its start)',
  labelNames: ['operation', 'type', 'outcome', 'transport'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

/** The bounded operation label (also the GraphQL span's name). */
export function graphqlOperationLabel(name: string | null | undefined): string {
  return operationLabel(name, operationNames);
}

export function recordGraphqlOperation(op: { name: string | null | undefined; type: string | undefined; errors: boolean; seconds: number; transport: 'http' | 'ws' }): void {
  if (!recording) return;
  const labels = { operation: graphqlOperationLabel(op.name), type: op.type ?? 'unknown', outcome: op.errors ? 'error' : 'success', transport: op.transport };
  graphqlOperations.inc(labels);
  graphqlDuration.observe(labels, op.seconds);
}

// --- Graph requests (graph/executor.ts) ----------------------------------------------------------------------

const graphRequests = new Counter({
  name: `${PREFIX}graph_requests_total`,
  help: 'HTTP requests sent to Microsoft Graph (each attempt) by endpoint class, method and status (network: no answer)',
  labelNames: ['endpoint', 'method', 'status'] as const,
  registers: [registry],
});
const graphDuration = new Histogram({
  name: `${PREFIX}graph_request_duration_seconds`,
  help: 'Latency of one HTTP request to Microsoft Graph by endpoint class',
  labelNames: ['endpoint'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
const graphRetries = new Counter({
  name: `${PREFIX}graph_retries_total`,
  help: 'Graph requests sent again, by endpoint class and reason (throttled, unavailable, network, invalid_token)',
  labelNames: ['endpoint', 'reason'] as const,
  registers: [registry],
});
const graphThrottled = new Counter({
  name: `${PREFIX}graph_throttled_total`,
  help: 'Graph answers 429 and 503 by endpoint class, status and whether they carried Retry-After',
  labelNames: ['endpoint', 'status', 'retry_after'] as const,
  registers: [registry],
});
const resourceUnits = new Counter({
  name: `${PREFIX}graph_resource_units_total`,
  help: 'Graph resource units consumed (x-ms-resource-unit), per tenant (our tenant id)',
  labelNames: ['tenant'] as const,
  registers: [registry],
});
const throttlePercentage = new Gauge({
  name: `${PREFIX}graph_throttle_limit_percentage`,
  help: "Graph's last reported use of the tenant's throttle limit (x-ms-throttle-limit-percentage), per tenant",
  labelNames: ['tenant'] as const,
  registers: [registry],
});
const budgetWaits = new Counter({
  name: `${PREFIX}graph_budget_waits_total`,
  help: "Graph requests held back by the tenant's resource-unit budget before sending, per tenant",
  labelNames: ['tenant'] as const,
  registers: [registry],
});

/** `url`: the request's URL (or path); only its endpoint class is kept. */
export function recordGraphAttempt(a: { url: string; method: string; status: number | 'network'; seconds: number; retryAfter: boolean }): void {
  if (!recording) return;
  const endpoint = endpointClass(a.url);
  graphRequests.inc({ endpoint, method: a.method, status: String(a.status) });
  graphDuration.observe({ endpoint }, a.seconds);
  if (a.status === 429 || a.status === 503) graphThrottled.inc({ endpoint, status: String(a.status), retry_after: a.retryAfter ? 'yes' : 'no' });
}

export function recordGraphRetry(url: string, reason: 'throttled' | 'unavailable' | 'network' | 'invalid_token'): void {
  if (!recording) return;
  graphRetries.inc({ endpoint: endpointClass(url), reason });
}

export function recordResourceUnits(tenantId: string, units: number, percentage: number | undefined): void {
  if (!recording) return;
  const tenant = tenantLabel.of(tenantId);
  if (units > 0) resourceUnits.inc({ tenant }, units);
  if (percentage !== undefined) throttlePercentage.set({ tenant }, percentage);
}

export function recordBudgetWait(tenantId: string): void {
  if (!recording) return;
  budgetWaits.inc({ tenant: tenantLabel.of(tenantId) });
}

// --- Tokens (identity/token-provider.ts) ---------------------------------------------------------------------

const tokenRequests = new Counter({
  name: `${PREFIX}token_requests_total`,
  help: 'Requests to the Microsoft identity platform for an access token, by auth mode and outcome (success, failure)',
  labelNames: ['mode', 'outcome'] as const,
  registers: [registry],
});
const tokenDuration = new Histogram({
  name: `${PREFIX}token_request_duration_seconds`,
  help: 'Latency of a token acquisition (retries included), by auth mode',
  labelNames: ['mode'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
const tokenFailures = new Counter({
  name: `${PREFIX}token_failures_total`,
  help: 'Failed token acquisitions (refreshes included) by auth mode and kind (reconsent_required, transient, configuration, unknown)',
  labelNames: ['mode', 'kind'] as const,
  registers: [registry],
});

export function recordTokenRequest(mode: string, seconds: number, failureKind: string | null): void {
  if (!recording) return;
  tokenRequests.inc({ mode, outcome: failureKind === null ? 'success' : 'failure' });
  tokenDuration.observe({ mode }, seconds);
  if (failureKind !== null) tokenFailures.inc({ mode, kind: failureKind });
}

// --- Sync rounds (sync/round.ts) -----------------------------------------------------------------------------

const syncRounds = new Counter({
  name: `${PREFIX}sync_rounds_total`,
  help: 'Sync rounds run by this process, by mode (full: first load or resync; delta) and outcome (success, failure)',
  labelNames: ['mode', 'outcome'] as const,
  registers: [registry],
});
const syncDuration = new Histogram({
  name: `${PREFIX}sync_round_duration_seconds`,
  help: 'Sync round duration by mode and outcome',
  labelNames: ['mode', 'outcome'] as const,
  buckets: ROUND_BUCKETS,
  registers: [registry],
});
const syncPages = new Counter({
  name: `${PREFIX}sync_pages_total`,
  help: 'Delta pages read by sync rounds, by mode',
  labelNames: ['mode'] as const,
  registers: [registry],
});
const syncObjects = new Counter({
  name: `${PREFIX}sync_objects_total`,
  help: 'Directory objects (users, groups) read by sync rounds, by mode',
  labelNames: ['mode'] as const,
  registers: [registry],
});

export type SyncModeLabel = 'full' | 'delta';

export function recordSyncRound(r: { mode: SyncModeLabel; ok: boolean; seconds: number; pages: number; objects: number }): void {
  if (!recording) return;
  const outcome = r.ok ? 'success' : 'failure';
  syncRounds.inc({ mode: r.mode, outcome });
  syncDuration.observe({ mode: r.mode, outcome }, r.seconds);
  syncPages.inc({ mode: r.mode }, r.pages);
  syncObjects.inc({ mode: r.mode }, r.objects);
}

// --- Events (events/) ----------------------------------------------------------------------------------------

const eventsAppended = new Counter({
  name: `${PREFIX}events_appended_total`,
  help: 'Change events appended to the event log by this process, by type',
  labelNames: ['type'] as const,
  registers: [registry],
});
const eventsDelivered = new Counter({
  name: `${PREFIX}events_delivered_total`,
  help: 'Change events handed to consumers, by channel (subscription: a GraphQL subscriber took it; webhook: delivered)',
  labelNames: ['channel'] as const,
  registers: [registry],
});

export function recordEventsAppended(types: readonly string[]): void {
  if (!recording) return;
  for (const type of types) eventsAppended.inc({ type });
}

/** Subscriptions call this per event taken; webhook delivery per event delivered (the cursor moved past it). */
export function recordEventsDelivered(channel: 'subscription' | 'webhook', count = 1): void {
  if (!recording) return;
  eventsDelivered.inc({ channel }, count);
}

/** Live subscriber queues of this process (event-stream.ts adds itself while it runs). */
const queues = new Set<{ queueDepth(): number }>();

export function trackSubscriberQueue(queue: { queueDepth(): number }): () => void {
  queues.add(queue);
  return () => queues.delete(queue);
}

new Gauge({
  name: `${PREFIX}event_subscribers`,
  help: 'Event subscriptions open in this process',
  registers: [registry],
  collect() {
    this.set(queues.size);
  },
});
new Gauge({
  name: `${PREFIX}event_subscriber_queue_depth`,
  help: 'Events waiting in subscriber queues of this process: total and the deepest one',
  labelNames: ['aggregate'] as const,
  registers: [registry],
  collect() {
    let total = 0;
    let max = 0;
    for (const queue of queues) {
      const depth = queue.queueDepth();
      total += depth;
      max = Math.max(max, depth);
    }
    this.set({ aggregate: 'sum' }, total);
    this.set({ aggregate: 'max' }, max);
  },
});

// --- Read at scrape time: the database pool and the tenants' state ---------------------------------------------

export interface PoolFigures {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface TenantSyncFigures {
  tenantId: string;
  /** Seconds since the tenant's last successful round (since it was connected when it never had one). */
  lagSeconds: number;
  consecutiveFailures: number;
}

/** What one running gateway reports at scrape time (server/ registers it). */
export interface ScrapeSource {
  pool(): PoolFigures | null;
  /** Tenants by status (ACTIVE, RECONSENT_REQUIRED, ...). */
  tenantStatuses(): Promise<Record<string, number>>;
  /** Active tenants, the worst lag first, at most `limit`. */
  syncLag(limit: number): Promise<TenantSyncFigures[]>;
}

const sources = new Set<ScrapeSource>();

export function addScrapeSource(source: ScrapeSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

new Gauge({
  name: `${PREFIX}db_pool_connections`,
  help: 'Database pool connections by state (total open, idle, waiting: callers queued for one, max: the pool size)',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    const sum: PoolFigures = { total: 0, idle: 0, waiting: 0, max: 0 };
    for (const source of sources) {
      const pool = source.pool();
      if (!pool) continue;
      for (const key of Object.keys(sum) as Array<keyof PoolFigures>) sum[key] += pool[key];
    }
    for (const [state, value] of Object.entries(sum)) this.set({ state }, value);
  },
});

new Gauge({
  name: `${PREFIX}tenants`,
  help: 'Tenants by status (alert on RECONSENT_REQUIRED > 0: the customer must consent again)',
  labelNames: ['status'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const all = await Promise.all([...sources].map((source) => source.tenantStatuses()));
    const totals: Record<string, number> = {};
    for (const counts of all) for (const [status, n] of Object.entries(counts)) totals[status] = (totals[status] ?? 0) + n;
    for (const [status, n] of Object.entries(totals)) this.set({ status }, n);
  },
});

const syncLag = new Gauge({
  name: `${PREFIX}sync_lag_seconds`,
  help: "Seconds since an active tenant's last successful sync round, per tenant (our tenant id; the worst METRICS_TENANT_LABEL_LIMIT tenants)",
  labelNames: ['tenant'] as const,
  registers: [registry],
});
const syncFailures = new Gauge({
  name: `${PREFIX}sync_consecutive_failures`,
  help: 'Sync rounds failed in a row, per active tenant (same tenants as sync_lag_seconds)',
  labelNames: ['tenant'] as const,
  registers: [registry],
});

/** Both per-tenant sync gauges come from one query per source: filled before the registry serialises. */
async function collectSyncLag(): Promise<void> {
  const rows = (await Promise.all([...sources].map((source) => source.syncLag(tenantLabel.limit)))).flat();
  syncLag.reset();
  syncFailures.reset();
  for (const row of rows) {
    syncLag.set({ tenant: row.tenantId }, row.lagSeconds);
    syncFailures.set({ tenant: row.tenantId }, row.consecutiveFailures);
  }
}

/** The Prometheus text exposition. */
export async function scrape(): Promise<{ contentType: string; body: string }> {
  await collectSyncLag();
  return { contentType: registry.contentType, body: await registry.metrics() };
}
