/**
 * One logical Graph request: token, budget wait, send with a deadline, decode, classify, retry. This is the
 * only place that decides to send a request again; the decision itself is retryDecision (pure).
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { chargeOperation } from '../core/operation-budget';
import { endpointClass, recordBudgetWait, recordGraphAttempt, recordGraphRetry, recordResourceUnits } from '../observability/metrics';
import { injectTraceContext, inSpan, SpanKind, tracingEnabled, type Span } from '../observability/tracing';
import { errorFromAnswer, pathOf } from './classify';
import { GraphProtocolError, GraphUnavailableError, type GraphError } from './errors';
import { headerValue, numericHeader } from './headers';
import type { ResourceBudget } from './resource-budget';
import { decodeBody, protocolError } from './response';
import { retryDecision, type AttemptOutcome, type RetryPolicy } from './retry-policy';
import { sleep } from './sleep';
import { sendHttp } from './transport';
import type { GraphCallOptions, GraphCounters, GraphResponse, GraphTenantContext, HttpMethod, RawResponse } from './types';
import type { GraphRoot } from './urls';

/** pino-compatible; only what the client uses. */
export interface GraphLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface ExecutorDeps {
  tenant: GraphTenantContext;
  root: GraphRoot;
  agent: http.Agent;
  budget: ResourceBudget;
  counters: GraphCounters;
  retry: RetryPolicy;
  timeoutMs: number;
  maxResponseBytes?: number;
  now: () => number;
  random: () => number;
  logger?: GraphLogger;
}

export interface GraphCall extends GraphCallOptions {
  method: HttpMethod;
  /** A path below /v1.0 or a full URL under the same root. */
  url: string;
  /** Sent as JSON. */
  body?: unknown;
}

const BATCH_PATH = '/$batch';

type AttemptResult = { response: GraphResponse } | { error: GraphError; outcome: AttemptOutcome; invalidToken: boolean };

export class GraphExecutor {
  constructor(private readonly deps: ExecutorDeps) {}

  get root(): GraphRoot {
    return this.deps.root;
  }

  async send<T>(call: GraphCall): Promise<GraphResponse<T>> {
    // One logical request against the operation's budget, before anything is sent (retries are not charged
    // again). A $batch call was charged per item by GraphClient.batch.
    if (call.url !== BATCH_PATH) chargeOperation('graphRequests');
    const url = this.deps.root.resolve(call.url);
    const clientRequestId = randomUUID();
    if (!tracingEnabled()) return this.sendInSpan<T>(call, url, clientRequestId, undefined);
    const endpoint = endpointClass(url);
    // One span per logical request, its retries included; each attempt carries its traceparent to Graph.
    const attributes = { 'http.request.method': call.method, 'graph.endpoint': endpoint, 'graph.client_request_id': clientRequestId, 'gateway.tenant_id': this.deps.tenant.tenantKey };
    return inSpan(`Graph ${call.method} ${endpoint}`, { kind: SpanKind.CLIENT, attributes }, (span) => this.sendInSpan<T>(call, url, clientRequestId, span));
  }

  private async sendInSpan<T>(call: GraphCall, url: string, clientRequestId: string, span: Span | undefined): Promise<GraphResponse<T>> {
    const { deps } = this;
    const startedAt = deps.now();
    let attempts = 0;
    let refreshed = false;
    let refreshNow = false;
    let retries = 0;
    for (;;) {
      await this.waitForBudget(call.signal);
      const token = await deps.tenant.getAccessToken(refreshNow ? { forceRefresh: true } : undefined);
      refreshNow = false;
      const result = await this.attempt(call, url, token, clientRequestId);
      if ('response' in result) {
        span?.setAttributes({ 'http.response.status_code': result.response.status, 'graph.retry_count': retries, ...(result.response.requestId && { 'graph.request_id': result.response.requestId }) });
        return result.response as GraphResponse<T>;
      }
      span?.setAttributes({ 'http.response.status_code': result.error.status, 'graph.retry_count': retries, ...(result.error.requestId && { 'graph.request_id': result.error.requestId }) });
      // A token Graph calls invalid (expired early, revoked) gets exactly one fresh one; a second 401 is final.
      // That extra attempt is not counted against the retry policy: it is not the service failing.
      if (result.invalidToken && !refreshed) {
        refreshed = refreshNow = true;
        deps.counters.retries += 1;
        retries += 1;
        recordGraphRetry(url, 'invalid_token');
        continue;
      }
      attempts += 1;
      const decision = retryDecision(attempts, result.outcome, deps.now(), { policy: deps.retry, startedAt, random: deps.random() });
      if (!decision.retry) throw result.error;
      deps.counters.retries += 1;
      retries += 1;
      recordGraphRetry(url, retryReason(result.outcome));
      deps.logger?.warn(
        {
          tenantKey: deps.tenant.tenantKey,
          method: call.method,
          path: pathOf(url),
          status: result.error.status,
          code: result.error.code,
          attempt: attempts,
          delayMs: decision.delayMs,
          reason: decision.reason,
          clientRequestId,
        },
        'retrying Graph request',
      );
      await sleep(decision.delayMs, call.signal);
    }
  }

  /** Feeds the tenant's budget and the counters from one response or sub-response set. */
  recordUsage(units: number, percentage: number | undefined): void {
    this.deps.counters.resourceUnits += units;
    this.deps.budget.record(units, percentage, this.deps.now());
    recordResourceUnits(this.deps.tenant.tenantKey, units, percentage);
  }

  private async waitForBudget(signal: AbortSignal | undefined): Promise<void> {
    const delay = this.deps.budget.delayMs(this.deps.now());
    if (delay <= 0) return;
    this.deps.counters.budgetWaits += 1;
    recordBudgetWait(this.deps.tenant.tenantKey);
    await sleep(delay, signal);
  }

  private async attempt(call: GraphCall, url: string, token: string, clientRequestId: string): Promise<AttemptResult> {
    const { deps } = this;
    const timeoutMs = call.timeoutMs ?? deps.timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, deadline]) : deadline;
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    const headers = requestHeaders(call, token, clientRequestId, body !== undefined);
    injectTraceContext(headers);
    let raw: RawResponse;
    deps.counters.requests += 1;
    const sentAt = performance.now();
    try {
      raw = await sendHttp({ method: call.method, url, headers, body, signal, agent: deps.agent, maxBodyBytes: deps.maxResponseBytes });
    } catch (cause) {
      recordGraphAttempt({ url, method: call.method, status: 'network', seconds: (performance.now() - sentAt) / 1000, retryAfter: false });
      if (call.signal?.aborted) throw call.signal.reason;
      if (cause instanceof GraphProtocolError) throw cause;
      const where = `Graph ${call.method} ${pathOf(url)}`;
      const error = deadline.aborted
        ? new GraphUnavailableError({ status: 0, code: 'DeadlineExceeded', message: `${where} gave no complete answer within ${timeoutMs} ms`, clientRequestId, cause })
        : new GraphUnavailableError({ status: 0, code: 'NetworkError', message: `${where} failed before an answer: ${networkReason(cause)}`, clientRequestId, cause });
      return { error, outcome: { kind: 'network', idempotent: call.method === 'GET' }, invalidToken: false };
    }
    recordGraphAttempt({ url, method: call.method, status: raw.status, seconds: (performance.now() - sentAt) / 1000, retryAfter: headerValue(raw.headers, 'retry-after') !== undefined });
    this.recordUsage(numericHeader(raw.headers, 'x-ms-resource-unit') ?? 0, numericHeader(raw.headers, 'x-ms-throttle-limit-percentage'));
    return this.interpret(call, url, raw, clientRequestId);
  }

  private interpret(call: GraphCall, url: string, raw: RawResponse, clientRequestId: string): AttemptResult {
    const decoded = decodeBody(raw.text, raw.headers);
    const ids = { requestId: headerValue(raw.headers, 'request-id'), clientRequestId: headerValue(raw.headers, 'client-request-id') ?? clientRequestId };
    if (raw.status >= 200 && raw.status < 300) {
      if (!decoded.ok) throw protocolError(`Graph ${call.method} ${pathOf(url)}`, 'a JSON body as its content-type says', decoded.text, raw.status);
      return { response: { status: raw.status, body: decoded.value, headers: raw.headers, ...ids } };
    }
    const error = errorFromAnswer({
      method: call.method,
      url,
      status: raw.status,
      headers: raw.headers,
      body: decoded.ok ? decoded.value : decoded.text,
      clientRequestId,
      now: this.deps.now(),
    });
    return {
      error,
      outcome: { kind: 'response', status: raw.status, retryAfter: headerValue(raw.headers, 'retry-after') },
      invalidToken: raw.status === 401 && error.code === 'InvalidAuthenticationToken',
    };
  }
}

function requestHeaders(call: GraphCall, token: string, clientRequestId: string, hasBody: boolean): Record<string, string> {
  return {
    ...call.headers,
    accept: 'application/json',
    authorization: `Bearer ${token}`,
    'client-request-id': clientRequestId,
    ...(hasBody && { 'content-type': 'application/json' }),
    ...(call.consistencyLevel && { ConsistencyLevel: call.consistencyLevel }),
  };
}

function retryReason(outcome: AttemptOutcome): 'throttled' | 'unavailable' | 'network' {
  if (outcome.kind === 'network') return 'network';
  return outcome.status === 429 ? 'throttled' : 'unavailable';
}

/** The system error code (ECONNRESET...) or message; never the request, which holds the token. */
function networkReason(cause: unknown): string {
  const code = (cause as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.message : String(cause);
}
