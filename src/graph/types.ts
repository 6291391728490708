/** Shapes shared by the Graph client's modules: what a tenant gives us, what a request asks, what comes back. */
import type { IncomingHttpHeaders } from 'node:http';

export interface GraphTenantContext {
  /** Our tenant id (tenants.id): keys counters and logs, never sent to Graph. */
  tenantKey: string;
  /** Graph's origin without a version, e.g. https://graph.microsoft.com or the simulator's baseUrl. */
  graphBaseUrl: string;
  /**
   * A bearer token for this tenant. `forceRefresh` is passed after Graph refused a token as invalid
   * (401 InvalidAuthenticationToken): the provider should then bypass its cache.
   */
  getAccessToken: (options?: { forceRefresh?: boolean }) => Promise<string>;
  /** An extra CA to trust for this base URL, in addition to Node's roots (e.g. the simulator's CA). */
  caPem?: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface GraphCallOptions {
  /** Extra request headers (e.g. Prefer). Authorization and client-request-id are set by the client. */
  headers?: Record<string, string>;
  /** Adds `ConsistencyLevel: eventual` (advanced queries, $count, $search). */
  consistencyLevel?: 'eventual';
  /** Cancels the call, including waits between retries. */
  signal?: AbortSignal;
  /** Per-attempt deadline in ms; defaults to the client's. */
  timeoutMs?: number;
}

/** One HTTP exchange with Graph, after the body was read. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** A successful Graph answer: the parsed body (JSON value, text, or undefined for 204) and its ids. */
export interface GraphResponse<T = unknown> {
  status: number;
  body: T;
  headers: IncomingHttpHeaders;
  requestId?: string;
  clientRequestId: string;
}

/**
 * A successful answer as a caller that records it sees it: the value and Graph's request-id (the id Microsoft
 * support traces a request by), from a direct call (GraphClient.request) or a $batch item (its sub-response's
 * own header). `requestId` is absent only when the answer carried none.
 */
export interface GraphResult<T = unknown> {
  status: number;
  value: T;
  requestId?: string;
}

export interface GraphPage<T> {
  items: T[];
  /** @odata.count: only on the first page, only when asked for. */
  count?: number;
  nextLink?: string;
  deltaLink?: string;
}

export interface GraphCounters {
  /** HTTP requests sent to Graph, retries and $batch calls included. */
  requests: number;
  batches: number;
  subRequests: number;
  /** Attempts repeated: after a retryable failure (direct requests and batch items) or a refused token. */
  retries: number;
  /** Sum of x-ms-resource-unit over responses and sub-responses. */
  resourceUnits: number;
  /** Requests held back because the tenant neared its resource-unit limit. */
  budgetWaits: number;
}
