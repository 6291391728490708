/**
 * JSON batching (graph-facts §3): requests go out as `POST /$batch` of at most 20, with ids unique per batch;
 * answers are matched by id (Graph does not keep the order) and each sub-response becomes a value or a typed
 * error. Throttled or unavailable sub-requests (429/503/504) are sent again ALONE, in a batch of their own,
 * after the longest Retry-After among them, within the same retry policy as direct requests. Microsoft's
 * SDK never retries inside a batch; a gateway that batches every load must, or one busy tick fails a page.
 */
import { errorFromAnswer } from './classify';
import { GraphError } from './errors';
import type { GraphExecutor } from './executor';
import { headerValue, numericHeader, type HeaderBag } from './headers';
import { isRecord, protocolError } from './response';
import { retryDecision, type RetryPolicy } from './retry-policy';
import { sleep } from './sleep';
import type { GraphCounters, GraphResult, HttpMethod } from './types';

export const MAX_BATCH_SIZE = 20;

export interface GraphBatchRequest {
  method: HttpMethod;
  /** A path below /v1.0 ("/users/{id}?$select=id") or a full URL under the client's Graph root. */
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  consistencyLevel?: 'eventual';
}

/** An item's value with its sub-response's request-id, or its typed error (which carries its own ids). */
export type GraphBatchResult<T = unknown> = ({ ok: true } & GraphResult<T>) | { ok: false; error: GraphError };

export interface BatcherOptions {
  retry: RetryPolicy;
  /** $batch calls in flight at once for one send() of more than 20 requests. */
  concurrency: number;
  counters: GraphCounters;
  now: () => number;
  random: () => number;
}

interface SubResponse {
  status: number;
  headers: HeaderBag;
  body: unknown;
}

/** A sub-response with the client-request-id of the $batch call that carried it. */
type SubAnswer = SubResponse & { clientRequestId: string };

export class GraphBatcher {
  constructor(
    private readonly exec: GraphExecutor,
    private readonly options: BatcherOptions,
  ) {}

  /** Results in the order of `requests`; never rejects for a single item's failure. */
  async send<T = unknown>(requests: readonly GraphBatchRequest[], signal?: AbortSignal): Promise<GraphBatchResult<T>[]> {
    const results: GraphBatchResult<T>[] = new Array(requests.length);
    const chunks: number[][] = [];
    for (let start = 0; start < requests.length; start += MAX_BATCH_SIZE) {
      chunks.push(requests.slice(start, start + MAX_BATCH_SIZE).map((_, i) => start + i));
    }
    await forEachLimited(chunks, this.options.concurrency, (chunk) => this.settle(requests, chunk, results, signal));
    return results;
  }

  /** Sends one chunk, then its retryable failures alone, until every index in it has a result. */
  private async settle<T>(requests: readonly GraphBatchRequest[], chunk: number[], results: GraphBatchResult<T>[], signal?: AbortSignal): Promise<void> {
    const startedAt = this.options.now();
    const attempts = new Map(chunk.map((index) => [index, 0]));
    let round = chunk;
    while (round.length > 0) {
      let answers: Map<number, SubAnswer | GraphError>;
      try {
        answers = await this.post(requests, round, signal);
      } catch (error) {
        // The executor already retried the $batch call itself; what reaches here is final for the whole round.
        if (!(error instanceof GraphError)) throw error;
        for (const index of round) results[index] = { ok: false, error };
        return;
      }
      const again: number[] = [];
      let waitMs = 0;
      for (const index of round) {
        const attempt = attempts.get(index)! + 1;
        attempts.set(index, attempt);
        const verdict = this.judge<T>(requests[index], answers.get(index)!, attempt, startedAt);
        if ('result' in verdict) {
          results[index] = verdict.result;
        } else {
          again.push(index);
          waitMs = Math.max(waitMs, verdict.retryInMs);
        }
      }
      if (again.length > 0) {
        this.options.counters.retries += again.length;
        await sleep(waitMs, signal);
      }
      round = again;
    }
  }

  /** An item's result, or how soon to send it again (the retry policy of direct requests, per item). */
  private judge<T>(request: GraphBatchRequest, answer: SubAnswer | GraphError, attempt: number, startedAt: number): { result: GraphBatchResult<T> } | { retryInMs: number } {
    if (answer instanceof GraphError) return { result: { ok: false, error: answer } };
    if (answer.status >= 200 && answer.status < 300) {
      return { result: { ok: true, status: answer.status, value: answer.body as T, requestId: headerValue(answer.headers, 'request-id') } };
    }
    const { retry, now, random } = this.options;
    const outcome = { kind: 'response' as const, status: answer.status, retryAfter: headerValue(answer.headers, 'retry-after') };
    const decision = retryDecision(attempt, outcome, now(), { policy: retry, startedAt, random: random() });
    if (decision.retry) return { retryInMs: decision.delayMs };
    return { result: { ok: false, error: errorFromAnswer({ method: request.method, url: request.url, ...answer, now: now() }) } };
  }

  /** One $batch call for `round` (indices into `requests`); the answer per index, matched by id. */
  private async post(requests: readonly GraphBatchRequest[], round: number[], signal?: AbortSignal): Promise<Map<number, SubAnswer | GraphError>> {
    const idOf = new Map(round.map((index, position) => [String(position + 1), index]));
    const body = { requests: round.map((index, position) => subRequest(this.exec, requests[index], String(position + 1))) };
    this.options.counters.batches += 1;
    this.options.counters.subRequests += round.length;
    const response = await this.exec.send({ method: 'POST', url: '/$batch', body, signal });
    const byId = readBatchResponses(response.body, new Set(idOf.keys()));
    let units = 0;
    let percentage: number | undefined;
    const answers = new Map<number, SubAnswer | GraphError>();
    for (const [id, index] of idOf) {
      const sub = byId.get(id);
      if (!sub) {
        answers.set(index, protocolError('POST /$batch', `a sub-response with id ${id}`, [...byId.keys()], response.status));
        continue;
      }
      units += numericHeader(sub.headers, 'x-ms-resource-unit') ?? 0;
      const reported = numericHeader(sub.headers, 'x-ms-throttle-limit-percentage');
      if (reported !== undefined) percentage = Math.max(percentage ?? 0, reported);
      answers.set(index, { ...sub, clientRequestId: response.clientRequestId });
    }
    this.exec.recordUsage(units, percentage);
    return answers;
  }
}

function subRequest(exec: GraphExecutor, request: GraphBatchRequest, id: string): Record<string, unknown> {
  const headers: Record<string, string> = {
    ...request.headers,
    ...(request.consistencyLevel && { ConsistencyLevel: request.consistencyLevel }),
    // Graph refuses a sub-request body without its Content-Type.
    ...(request.body !== undefined && { 'Content-Type': 'application/json' }),
  };
  return {
    id,
    method: request.method,
    url: exec.root.relative(request.url),
    ...(Object.keys(headers).length > 0 && { headers }),
    ...(request.body !== undefined && { body: request.body }),
  };
}

/** `{"responses":[{id,status,headers?,body?}]}` checked as hostile input; ids must be ours and unique. */
function readBatchResponses(body: unknown, expectedIds: ReadonlySet<string>): Map<string, SubResponse> {
  const where = 'POST /$batch';
  if (!isRecord(body) || !Array.isArray(body.responses)) throw protocolError(where, '{"responses":[...]}', body);
  const byId = new Map<string, SubResponse>();
  for (const entry of body.responses) {
    if (!isRecord(entry)) throw protocolError(where, 'each response to be an object', entry);
    const { id, status, headers } = entry;
    if (typeof id !== 'string' || !expectedIds.has(id)) throw protocolError(where, `a response id among [${[...expectedIds].join(', ')}]`, id);
    if (byId.has(id)) throw protocolError(where, `one response for id ${id}`, 'a second one');
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
      throw protocolError(where, `an HTTP status for id ${id}`, status);
    }
    if (headers !== undefined && !(isRecord(headers) && Object.values(headers).every((v) => typeof v === 'string'))) {
      throw protocolError(where, `string headers for id ${id}`, headers);
    }
    byId.set(id, { status, headers: (headers as HeaderBag | undefined) ?? {}, body: entry.body });
  }
  return byId;
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
