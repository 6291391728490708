/**
 * GraphClient: the gateway's one way to speak to Microsoft Graph for one tenant. Keep one per tenant for the
 * life of the process (its keep-alive agent and resource-unit budget are worth keeping); per-request state
 * (DataLoaders) goes in createGraphLoaders.
 */
import { chargeOperation } from '../core/operation-budget';
import { GraphBatcher, type GraphBatchRequest, type GraphBatchResult } from './batch';
import { GraphExecutor, type GraphLogger } from './executor';
import { checkDeltaPageSize, DELTA_MAX_PAGE_SIZE, deltaRound, list, pages, withMaxPageSize, type ListOptions, type ListResult, type PageOptions } from './paging';
import { ResourceBudget } from './resource-budget';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';
import { AgentPool } from './transport';
import type { GraphCallOptions, GraphCounters, GraphPage, GraphResult, GraphTenantContext, HttpMethod } from './types';
import { GraphRoot } from './urls';

export interface GraphClientOptions {
  /** Deadline of each HTTP attempt; default 30 s. */
  timeoutMs?: number;
  /** Larger response bodies are refused as malformed; default 64 MiB. */
  maxResponseBytes?: number;
  retry?: Partial<RetryPolicy>;
  /** $batch calls in flight at once when one batch() holds more than 20 requests; default 4. */
  batchConcurrency?: number;
  /** The tenant's budget; pass the same one to every client of a tenant if clients are re-created. */
  budget?: ResourceBudget;
  /** Share connections between clients of tenants on the same Graph host; default: the client's own. */
  agents?: AgentPool;
  logger?: GraphLogger;
  /**
   * `Prefer: odata.maxpagesize` sent on every request of a delta round; default DELTA_MAX_PAGE_SIZE (Graph's
   * largest pages: fewer requests per round). false sends none (Graph's default pages).
   */
  deltaPageSize?: number | false;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_BATCH_CONCURRENCY = 4;

export class GraphClient {
  readonly tenantKey: string;
  private readonly exec: GraphExecutor;
  private readonly batcher: GraphBatcher;
  private readonly ownAgents: AgentPool | undefined;
  private readonly deltaPageSize: number | false;
  private readonly tally: GraphCounters = { requests: 0, batches: 0, subRequests: 0, retries: 0, resourceUnits: 0, budgetWaits: 0 };

  constructor(tenant: GraphTenantContext, opts: GraphClientOptions = {}) {
    this.tenantKey = tenant.tenantKey;
    this.deltaPageSize = checkDeltaPageSize(opts.deltaPageSize ?? DELTA_MAX_PAGE_SIZE);
    this.ownAgents = opts.agents ? undefined : new AgentPool();
    const retry = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    const now = () => Date.now();
    const random = () => Math.random();
    this.exec = new GraphExecutor({
      tenant,
      root: new GraphRoot(tenant.graphBaseUrl),
      agent: (opts.agents ?? this.ownAgents!).agentFor(tenant.graphBaseUrl, tenant.caPem),
      budget: opts.budget ?? new ResourceBudget(),
      counters: this.tally,
      retry,
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxResponseBytes: opts.maxResponseBytes,
      now,
      random,
      logger: opts.logger,
    });
    this.batcher = new GraphBatcher(this.exec, { retry, concurrency: opts.batchConcurrency ?? DEFAULT_BATCH_CONCURRENCY, counters: this.tally, now, random });
  }

  async get<T = unknown>(path: string, opts?: GraphCallOptions): Promise<T> {
    return (await this.request<T>('GET', path, opts)).value;
  }

  async post<T = unknown>(path: string, body: unknown, opts?: GraphCallOptions): Promise<T> {
    return (await this.request<T>('POST', path, { ...opts, body })).value;
  }

  async patch<T = unknown>(path: string, body: unknown, opts?: GraphCallOptions): Promise<T> {
    return (await this.request<T>('PATCH', path, { ...opts, body })).value;
  }

  async delete(path: string, opts?: GraphCallOptions): Promise<void> {
    await this.request('DELETE', path, opts);
  }

  /**
   * One request of any method, answered with its status and Graph's request-id besides the value: for
   * callers that record what Graph did (audited writes). get/post/patch/delete are this, value only.
   * Failures reject with a typed GraphError, as for the others.
   */
  async request<T = unknown>(method: HttpMethod, path: string, opts: GraphCallOptions & { body?: unknown } = {}): Promise<GraphResult<T>> {
    const response = await this.exec.send<T>({ ...opts, method, url: path });
    return { status: response.status, value: response.body, requestId: response.requestId };
  }

  pages<T = unknown>(path: string, opts?: PageOptions): AsyncGenerator<GraphPage<T>> {
    return pages<T>(this.exec, path, opts);
  }

  list<T = unknown>(path: string, opts?: ListOptions): Promise<ListResult<T>> {
    return list<T>(this.exec, path, opts);
  }

  /** Up to 20 per $batch call; results in request order, each a value or a typed error. */
  async batch<T = unknown>(requests: readonly GraphBatchRequest[], opts: { signal?: AbortSignal } = {}): Promise<GraphBatchResult<T>[]> {
    // Every item is a Graph request for the operation's budget: all charged before the first $batch call, so an
    // operation of 2,000 aliased reads is refused whole rather than cut off after some of them.
    chargeOperation('graphRequests', requests.length);
    return this.batcher.send<T>(requests, opts.signal);
  }

  /**
   * One delta round to its deltaLink (paging.ts). Every request of the round, nextLinks included, carries
   * `Prefer: odata.maxpagesize` (the client's deltaPageSize): Graph reads the Prefer header on each request.
   */
  deltaRound<T = unknown>(startUrlOrDeltaLink: string, onPage: (page: GraphPage<T>) => void | Promise<void>, opts: GraphCallOptions = {}): Promise<string> {
    const call = this.deltaPageSize === false ? opts : { ...opts, headers: withMaxPageSize(opts.headers, this.deltaPageSize) };
    return deltaRound<T>(this.exec, startUrlOrDeltaLink, onPage, call);
  }

  counters(): GraphCounters {
    return { ...this.tally };
  }

  /** Closes the client's own pooled connections (a shared AgentPool is its owner's to close). */
  close(): void {
    this.ownAgents?.destroy();
  }
}
