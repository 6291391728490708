/**
 * Messages between a benchmark and its load process (bench/access-tier-load.worker.ts), over the fork IPC channel
 * (secrets such as API keys and tokens travel here rather than on the command line, where `ps` would show them):
 * parent -> worker: LoadJob; worker -> parent: { type: 'ready' } once warm; parent -> worker: { type: 'go' };
 * worker -> parent: { type: 'result', result }. Then the worker exits by itself.
 */

/** How the worker decides that an answer is a success (anything else counts as an error). */
export type LoadCheck =
  /** 200, a GraphQL answer without errors whose data.accessTier.tier.name is the request's expectTier (null: no tier). */
  | 'graphql-access-tier'
  /** 200 and a Graph collection (`value` is an array). */
  | 'graph-collection'
  /** 200 and a Graph $batch answer whose every response is 200. */
  | 'graph-batch'
  /** 200, a GraphQL answer without errors whose data is { __typename: "Query" }. */
  | 'graphql-typename';

export interface LoadRequest {
  path: string;
  body?: string;
  /** For graphql-access-tier: the tier the answer must name; null for none; undefined to not check. */
  expectTier?: string | null;
  /** For graphql-access-tier: the source the answer must name (SNAPSHOT, LIVE); undefined to not check. */
  expectSource?: string;
}

export interface LoadJob {
  type: 'job';
  label: string;
  /** http://127.0.0.1:port or https://127.0.0.1:port */
  origin: string;
  /** PEM of the CA that signed an https origin's certificate. */
  ca?: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  check: LoadCheck;
  /** Sent in rotation: request i is requests[i % requests.length]. */
  requests: LoadRequest[];
  /** Measured requests; the run also ends at timeLimitMs, whichever comes first. */
  total: number;
  concurrency: number;
  /** Requests before `ready` (connections opened, first-use costs paid); not measured. */
  warmup: number;
  timeLimitMs: number;
  /** A single request taking longer counts as an error. */
  requestTimeoutMs: number;
}

export interface LoadResult {
  label: string;
  concurrency: number;
  /** Requests that finished (successes and errors). */
  completed: number;
  errors: number;
  /** Up to 3 distinct error descriptions. */
  errorSamples: string[];
  wallMs: number;
  /** Latency of every finished request, ms. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Stopped by timeLimitMs before `total`. */
  timedOut: boolean;
}

export type ParentMessage = LoadJob | { type: 'go' };
export type WorkerMessage = { type: 'ready' } | { type: 'result'; result: LoadResult } | { type: 'failed'; message: string };
