/**
 * /metrics end to end: a real gateway over PostgreSQL with the simulated Verafield tenant connected through the
 * real consent flow, a sync round run over GraphQL (syncNow) against the simulator over HTTPS, a directory read;
 * then /metrics scraped over HTTP shows the figures moved. Without the token it refuses.
 */
import { GraphQLClient } from 'graphql-request';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { bearer, startTestGateway } from '../support/gateway';
import { connectVerafield } from '../directory/directory-fixtures';
import { startConsentBench, type ConsentBench } from '../tenants/consent-fixtures';
import { has, parsePrometheus, sum, type Sample } from './prometheus-text';

const TOKEN = 'scrape-token-0123456789abcdef';

let bench: ConsentBench;

async function scrape(headers: Record<string, string> = bearer(TOKEN)): Promise<Sample[]> {
  const res = await fetch(`${bench.gw.url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

beforeAll(async () => {
  bench = await startConsentBench({ env: { METRICS_TOKEN: TOKEN } });
}, 60_000);

afterAll(async () => {
  await bench?.stop();
});

it('refuses a scrape without the token or with another one', async () => {
  for (const headers of [{}, bearer('scrape-token-0123456789abcdeX'), { authorization: TOKEN }]) {
    const res = await fetch(`${bench.gw.url}/metrics`, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await res.text()).not.toContain('entra_gateway_');
  }
});

it('moves the token, Graph, sync, event, GraphQL and pool figures after a real sync round', async () => {
  const before = await scrape();
  const tenantId = await connectVerafield(bench);
  // The tenant was connected a day ago as far as the lag is concerned: without a successful round, the lag
  // runs from the connection.
  await bench.gw.database.dataSource.query(`UPDATE tenants SET created_at = now() - interval '1 day' WHERE id = $1`, [tenantId]);
  const connected = await scrape();
  const lagBefore = sum(connected, 'entra_gateway_sync_lag_seconds', { tenant: tenantId });
  expect(lagBefore).toBeGreaterThanOrEqual(86_400);
  expect(sum(connected, 'entra_gateway_tenants', { status: 'ACTIVE' })).toBeGreaterThanOrEqual(1);

  // A subscriber from the tenant's newest event on: it receives the round's SYNC_COMPLETED.
  const page = await bench.admin.request<{ events: { pageInfo: { endCursor: string | null } } }>(
    `query Cursor($tenantId: ID!) { events(tenantId: $tenantId, first: 100) { pageInfo { endCursor } } }`,
    { tenantId },
  );
  const received: unknown[] = [];
  const ws: Client = createClient({ url: bench.gw.graphqlUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: bearer(bench.adminKey) });
  const unsubscribe = ws.subscribe(
    { query: `subscription Watch($tenantId: ID!, $after: String) { directoryEvents(tenantId: $tenantId, types: [SYNC_COMPLETED], after: $after) { sequence } }`, variables: { tenantId, after: page.events.pageInfo.endCursor } },
    { next: (value) => received.push(value), error: () => undefined, complete: () => undefined },
  );

  const sync = await bench.admin.request<{ syncNow: { ran: boolean; mode: string; error: string | null } }>(
    `mutation SyncTenant($tenantId: ID!) { syncNow(tenantId: $tenantId) { ran mode error } }`,
    { tenantId },
  );
  expect(sync.syncNow).toEqual({ ran: true, mode: 'INITIAL', error: null });
  const key = await bench.gw.mintKey({ scopes: ['directory:read'] as never, tenantIds: [tenantId] });
  const reader = new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(key) });
  await reader.request(`query ListUsers($tenantId: ID!) { tenant(id: $tenantId) { users(first: 5) { edges { node { id } } } } }`, { tenantId });

  for (let i = 0; i < 500 && received.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(received).toHaveLength(1);
  const after = await scrape();
  unsubscribe();
  await ws.dispose();
  const moved = (name: string, labels: Record<string, string> = {}) => sum(after, name, labels) - sum(before, name, labels);

  // Tokens: the consent's connection check and the rounds' client-credentials token.
  expect(moved('entra_gateway_token_requests_total', { mode: 'APPLICATION', outcome: 'success' })).toBeGreaterThanOrEqual(1);
  expect(moved('entra_gateway_token_request_duration_seconds_count', { mode: 'APPLICATION' })).toBeGreaterThanOrEqual(1);

  // Graph: delta pages for users and groups, answered 200, with their resource units for this tenant.
  expect(moved('entra_gateway_graph_requests_total', { endpoint: 'users.delta', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
  expect(moved('entra_gateway_graph_requests_total', { endpoint: 'groups.delta', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
  expect(moved('entra_gateway_graph_request_duration_seconds_count', { endpoint: 'users.delta' })).toBeGreaterThanOrEqual(1);
  expect(moved('entra_gateway_graph_resource_units_total', { tenant: tenantId })).toBeGreaterThan(0);

  // The round: one full round, its pages and objects (Verafield is ~300 users), a filled duration bucket.
  expect(moved('entra_gateway_sync_rounds_total', { mode: 'full', outcome: 'success' })).toBe(1);
  expect(moved('entra_gateway_sync_round_duration_seconds_count', { mode: 'full', outcome: 'success' })).toBe(1);
  expect(moved('entra_gateway_sync_round_duration_seconds_bucket', { mode: 'full', outcome: 'success', le: '+Inf' })).toBe(1);
  expect(moved('entra_gateway_sync_pages_total', { mode: 'full' })).toBeGreaterThanOrEqual(2);
  expect(moved('entra_gateway_sync_objects_total', { mode: 'full' })).toBeGreaterThan(300);
  const [{ objects }] = await bench.gw.database.dataSource.query(`SELECT (counts->>'objects')::int AS objects FROM sync_state WHERE tenant_id = $1`, [tenantId]);
  expect(moved('entra_gateway_sync_objects_total', { mode: 'full' })).toBe(objects);
  // The lag now runs from the round's success, not from the connection a day ago.
  expect(sum(after, 'entra_gateway_sync_lag_seconds', { tenant: tenantId })).toBeLessThan(lagBefore);
  expect(sum(after, 'entra_gateway_sync_consecutive_failures', { tenant: tenantId })).toBe(0);

  // Events: the round's SYNC_COMPLETED (the first load emits no other), and the tenant's status change.
  expect(moved('entra_gateway_events_appended_total', { type: 'SYNC_COMPLETED' })).toBe(1);

  // GraphQL: the two named operations, a latency bucket each.
  expect(moved('entra_gateway_graphql_operations_total', { operation: 'SyncTenant', type: 'mutation', outcome: 'success', transport: 'http' })).toBe(1);
  expect(moved('entra_gateway_graphql_operations_total', { operation: 'ListUsers', type: 'query', outcome: 'success' })).toBe(1);
  expect(moved('entra_gateway_graphql_operation_duration_seconds_bucket', { operation: 'ListUsers', le: '+Inf' })).toBe(1);

  // The subscriber: its start over WebSocket, the event it took, its (empty) queue while open.
  expect(moved('entra_gateway_graphql_operations_total', { operation: 'Watch', type: 'subscription', outcome: 'success', transport: 'ws' })).toBe(1);
  expect(moved('entra_gateway_events_delivered_total', { channel: 'subscription' })).toBe(1);
  expect(sum(after, 'entra_gateway_event_subscribers')).toBeGreaterThanOrEqual(1);
  expect(has(after, 'entra_gateway_event_subscriber_queue_depth', { aggregate: 'max' })).toBe(true);

  // The pool this gateway queries through.
  expect(sum(after, 'entra_gateway_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
  expect(sum(after, 'entra_gateway_db_pool_connections', { state: 'max' })).toBeGreaterThan(0);
  expect(has(after, 'process_cpu_user_seconds_total')).toBe(true);
}, 60_000);

it('buckets an operation without a name, one that does not parse, and those of callers without a credential', async () => {
  const before = await scrape();
  await bench.admin.request(`{ __typename }`);
  await fetch(bench.gw.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(bench.adminKey) }, body: JSON.stringify({ query: '{ nope(' }) });
  // Without a credential, whatever the name: one shared label (anyone could otherwise fill the name cap).
  await fetch(bench.gw.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Junk123 { __typename }' }) });
  const after = await scrape();
  expect(has(after, 'entra_gateway_graphql_operations_total', { operation: 'Junk123' })).toBe(false);
  const moved = (labels: Record<string, string>) => sum(after, 'entra_gateway_graphql_operations_total', labels) - sum(before, 'entra_gateway_graphql_operations_total', labels);
  expect(moved({ operation: 'anonymous', type: 'query', outcome: 'success' })).toBe(1);
  expect(moved({ operation: 'unknown', type: 'unknown', outcome: 'error' })).toBe(1);
  expect(moved({ operation: 'unauthenticated', type: 'query' })).toBe(1);
});

it('counts a throttled Graph answer, its Retry-After and the retry', async () => {
  const [{ id: tenantId }] = await bench.gw.database.dataSource.query(`SELECT id FROM tenants WHERE status = 'ACTIVE' LIMIT 1`);
  const before = await scrape();
  await bench.sim.control.setFaults({ throttleNextRequests: 1, retryAfterSeconds: 1 });
  try {
    await bench.admin.request(`query Throttled($tenantId: ID!) { tenant(id: $tenantId) { users(first: 2, source: LIVE) { edges { node { id } } } } }`, { tenantId });
  } finally {
    await bench.sim.control.setFaults({ throttleNextRequests: 0, retryAfterSeconds: 0 });
  }
  const after = await scrape();
  const moved = (name: string, labels: Record<string, string>) => sum(after, name, labels) - sum(before, name, labels);
  expect(moved('entra_gateway_graph_throttled_total', { endpoint: 'users', status: '429', retry_after: 'yes' })).toBe(1);
  expect(moved('entra_gateway_graph_requests_total', { endpoint: 'users', method: 'GET', status: '429' })).toBe(1);
  expect(moved('entra_gateway_graph_requests_total', { endpoint: 'users', method: 'GET', status: '200' })).toBe(1);
  expect(moved('entra_gateway_graph_retries_total', { endpoint: 'users', reason: 'throttled' })).toBe(1);
  expect(moved('entra_gateway_graphql_operations_total', { operation: 'Throttled', outcome: 'success' })).toBe(1);
}, 30_000);

it('serves /metrics on its own listener with METRICS_PORT, and not on the gateway port', async () => {
  const gw = await startTestGateway({ env: { METRICS_PORT: '0', METRICS_TOKEN: TOKEN } });
  try {
    expect((await fetch(`${gw.url}/metrics`, { headers: bearer(TOKEN) })).status).toBe(404);
    const url = gw.gateway.metricsUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: bearer(TOKEN) });
    expect(res.status).toBe(200);
    expect(sum(parsePrometheus(await res.text()), 'entra_gateway_db_pool_connections', { state: 'max' })).toBeGreaterThan(0);
  } finally {
    await gw.stop();
  }
});
