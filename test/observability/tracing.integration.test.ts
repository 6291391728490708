/**
 * OpenTelemetry spans end to end, exported to an in-memory exporter: a real gateway over PostgreSQL, the
 * simulated Verafield tenant connected through the real consent flow, GraphQL over HTTP with a caller's W3C
 * traceparent. What reached the simulator is read on the simulator's own HTTPS server through Node's
 * `http.server.request.start` diagnostics channel (every server in this process publishes there), so the
 * traceparent is checked as Graph received it; nothing in the request path is replaced.
 */
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { startTracing, type Tracing } from '../../src/observability/tracing';
import { bearer } from '../support/gateway';
import { connectVerafield } from '../directory/directory-fixtures';
import { startConsentBench, type ConsentBench } from '../tenants/consent-fixtures';

interface SimRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** Graph's request-id as the simulator answered it. */
  responseRequestId?: string;
}

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let bench: ConsentBench;
let tenantId: string;
const simRequests: SimRequest[] = [];

const onRequest = (message: unknown) => {
  const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
  // Only the simulator's Graph and token endpoints (the gateway's own server publishes here too).
  if (!request.url?.startsWith('/v1.0/') && !request.url?.includes('/oauth2/v2.0/token')) return;
  const entry: SimRequest = { method: request.method ?? '', url: request.url, headers: request.headers };
  response.once('finish', () => {
    const id = response.getHeader('request-id');
    if (typeof id === 'string') entry.responseRequestId = id;
  });
  simRequests.push(entry);
};

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'entra-gateway-test', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  diagnostics.subscribe('http.server.request.start', onRequest);
  bench = await startConsentBench();
  tenantId = await connectVerafield(bench);
}, 60_000);

afterAll(async () => {
  diagnostics.unsubscribe('http.server.request.start', onRequest);
  await bench?.stop();
  await tracing?.shutdown();
});

beforeEach(() => {
  exporter.reset();
  simRequests.length = 0;
});

async function graphql(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(bench.gw.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(bench.adminKey), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data;
}

/** The server span of the operation ends when the response is closed: shortly after the client has it. */
async function operationSpan(traceId: string): Promise<ReadableSpan> {
  for (let i = 0; i < 200; i++) {
    const found = exporter.getFinishedSpans().find((s) => s.spanContext().traceId === traceId && s.name.startsWith('GraphQL'));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`expected a GraphQL span in trace ${traceId}, got ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const inTrace = (traceId: string) => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);

it('puts a query under the caller traceparent, with a Graph request span whose traceparent reached the simulator', async () => {
  await graphql(`query ReadUsers($tenantId: ID!) { tenant(id: $tenantId) { users(first: 3, source: LIVE) { edges { node { id } } } } }`, { tenantId }, { traceparent: TRACEPARENT });
  const operation = await operationSpan(TRACE_ID);
  expect(operation.name).toBe('GraphQL query ReadUsers');
  expect(parentOf(operation)).toBe(CALLER_SPAN_ID);
  expect(operation.attributes['graphql.operation.name']).toBe('ReadUsers');

  const graphSpans = inTrace(TRACE_ID).filter((s) => s.name.startsWith('Graph '));
  expect(graphSpans.length).toBeGreaterThanOrEqual(1);
  for (const span of graphSpans) {
    expect(parentOf(span)).toBe(operation.spanContext().spanId);
    const clientRequestId = span.attributes['graph.client_request_id'];
    // The request the simulator received for this span: same client-request-id, and the span as its parent.
    const received = simRequests.filter((r) => r.headers['client-request-id'] === clientRequestId);
    expect(received).toHaveLength(1);
    expect(received[0].headers.traceparent).toBe(`00-${TRACE_ID}-${span.spanContext().spanId}-01`);
    expect(span.attributes['http.response.status_code']).toBe(200);
    expect(span.attributes['graph.retry_count']).toBe(0);
    expect(span.attributes['graph.request_id']).toBe(received[0].responseRequestId);
    expect(span.attributes['graph.request_id']).toMatch(/^[0-9a-f-]{36}$/);
  }
  expect(graphSpans.map((s) => s.name)).toContain('Graph GET users');
});

it('puts a sync round, its Graph pages and a forced token request under the operation that asked for them', async () => {
  const traceId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
  await graphql(`mutation Sync($id: ID!) { syncNow(tenantId: $id) { ran error } }`, { id: tenantId }, { traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` });
  const operation = await operationSpan(traceId);
  const round = inTrace(traceId).find((s) => s.name === 'sync round');
  expect(round).toBeDefined();
  expect(parentOf(round!)).toBe(operation.spanContext().spanId);
  expect(round!.attributes).toMatchObject({ 'gateway.tenant_id': tenantId, 'sync.mode': 'INITIAL' });
  expect(round!.attributes['sync.pages']).toBeGreaterThanOrEqual(2);
  const pages = inTrace(traceId).filter((s) => s.name === 'Graph GET users.delta' || s.name === 'Graph GET groups.delta');
  expect(pages.length).toBeGreaterThanOrEqual(2);
  for (const page of pages) expect(parentOf(page)).toBe(round!.spanContext().spanId);
  const deltaRequests = simRequests.filter((r) => r.url.includes('/delta'));
  expect(deltaRequests.length).toBe(pages.length);
  for (const r of deltaRequests) expect(r.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

  const verifyTrace = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2';
  await graphql(`mutation Verify($id: ID!) { verifyTenantConnection(id: $id) { __typename } }`, { id: tenantId }, { traceparent: `00-${verifyTrace}-${CALLER_SPAN_ID}-01` });
  const verify = await operationSpan(verifyTrace);
  const token = inTrace(verifyTrace).find((s) => s.name === 'token request');
  expect(token).toBeDefined();
  expect(parentOf(token!)).toBe(verify.spanContext().spanId);
  expect(token!.attributes).toMatchObject({ 'gateway.tenant_id': tenantId, 'identity.auth_mode': 'APPLICATION' });
  const tokenRequests = simRequests.filter((r) => r.url.includes('/oauth2/v2.0/token'));
  expect(tokenRequests).toHaveLength(1);
  expect(tokenRequests[0].headers.traceparent).toBe(`00-${verifyTrace}-${token!.spanContext().spanId}-01`);
});

it('gives a throttled Graph request one span with its retry count, each attempt carrying its traceparent', async () => {
  const traceId = 'ddddddddddddddddddddddddddddddd4';
  await bench.sim.control.setFaults({ throttleNextRequests: 1, retryAfterSeconds: 1 });
  try {
    await graphql(`query Retried($tenantId: ID!) { tenant(id: $tenantId) { users(first: 2, source: LIVE) { edges { node { id } } } } }`, { tenantId }, { traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` });
  } finally {
    await bench.sim.control.setFaults({ throttleNextRequests: 0, retryAfterSeconds: 0 });
  }
  await operationSpan(traceId);
  const graph = inTrace(traceId).filter((s) => s.name === 'Graph GET users');
  expect(graph).toHaveLength(1);
  expect(graph[0].attributes).toMatchObject({ 'graph.retry_count': 1, 'http.response.status_code': 200 });
  const attempts = simRequests.filter((r) => r.headers['client-request-id'] === graph[0].attributes['graph.client_request_id']);
  expect(attempts).toHaveLength(2);
  for (const attempt of attempts) expect(attempt.headers.traceparent).toBe(`00-${traceId}-${graph[0].spanContext().spanId}-01`);
  expect(graph[0].attributes['graph.request_id']).toBe(attempts[1].responseRequestId);
});

it('starts a trace of its own for a caller without a valid traceparent', async () => {
  await graphql(`query Hello { __typename }`, {}, { traceparent: '00-zz-not-a-trace-01' });
  let span: ReadableSpan | undefined;
  for (let i = 0; i < 200 && !span; i++) {
    span = exporter.getFinishedSpans().find((s) => s.name === 'GraphQL query Hello');
    if (!span) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(span).toBeDefined();
  expect(parentOf(span!)).toBeUndefined();
  expect(span!.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
});

it('puts a WebSocket operation under the traceparent of its connection_init payload, with its Graph request', async () => {
  const traceId = 'ccccccccccccccccccccccccccccccc3';
  const client = createClient({
    url: bench.gw.graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { ...bearer(bench.adminKey), traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` },
  });
  try {
    const result = await new Promise<any>((resolve, reject) => {
      let value: unknown;
      client.subscribe(
        { query: `query WsUsers($tenantId: ID!) { tenant(id: $tenantId) { users(first: 2, source: LIVE) { edges { node { id } } } } }`, variables: { tenantId } },
        { next: (v) => (value = v), error: reject, complete: () => resolve(value) },
      );
    });
    expect(result.errors).toBeUndefined();
  } finally {
    await client.dispose();
  }
  const operation = await operationSpan(traceId);
  expect(operation.name).toBe('GraphQL query WsUsers');
  expect(parentOf(operation)).toBe(CALLER_SPAN_ID);
  const graph = inTrace(traceId).find((s) => s.name === 'Graph GET users');
  expect(graph).toBeDefined();
  expect(parentOf(graph!)).toBe(operation.spanContext().spanId);
  const received = simRequests.find((r) => r.headers['client-request-id'] === graph!.attributes['graph.client_request_id']);
  expect(received?.headers.traceparent).toBe(`00-${traceId}-${graph!.spanContext().spanId}-01`);
});
