/**
 * Typed Graph failures. Callers branch on the class (or `code`, Graph's error.code), never on `message`.
 * Every error carries the HTTP status, Graph's code, Graph's request-id and our client-request-id so a
 * failure can be traced on both sides. Messages never hold a bearer token: only method, path and Graph's text.
 */

export interface GraphErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export interface GraphErrorInit {
  /** HTTP status; 0 when no response arrived (network failure, deadline). */
  status: number;
  code: string;
  message: string;
  requestId?: string;
  clientRequestId?: string;
  details?: GraphErrorDetail[];
  cause?: unknown;
}

export abstract class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId?: string;
  readonly clientRequestId?: string;
  readonly details: GraphErrorDetail[];

  constructor(init: GraphErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.clientRequestId = init.clientRequestId;
    this.details = init.details ?? [];
  }
}

/** 404: the object does not exist or is soft-deleted (Request_ResourceNotFound). */
export class GraphNotFoundError extends GraphError {}

/** 403: the token lacks a permission (Authorization_RequestDenied) or the tenant forbids the call. */
export class GraphForbiddenError extends GraphError {}

/** 401 that a fresh token did not cure. */
export class GraphAuthError extends GraphError {}

/** 400: the request itself is wrong (Request_BadRequest, Request_UnsupportedQuery, ObjectConflict in details). */
export class GraphBadRequestError extends GraphError {}

/** 429 after the retry budget: `retryAfterMs` is Graph's last Retry-After, absent for conditional access. */
export class GraphThrottledError extends GraphError {
  readonly retryAfterMs?: number;
  constructor(init: GraphErrorInit & { retryAfterMs?: number }) {
    super(init);
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 5xx, a network failure or a missed deadline, after the retry budget. */
export class GraphUnavailableError extends GraphError {}

/** Any other Graph error status (409, 412, 424, 501 ...). */
export class GraphRequestError extends GraphError {}

/**
 * A delta token Graph no longer honours (syncStateNotFound, resyncRequired, 410 Gone): the caller must run a
 * full round. `restartUrl` is the 410's Location (a delta URL with an empty $deltatoken) when Graph sent one.
 */
export class DeltaResyncRequiredError extends GraphError {
  readonly restartUrl?: string;
  constructor(init: GraphErrorInit & { restartUrl?: string }) {
    super(init);
    this.restartUrl = init.restartUrl;
  }
}

/**
 * Graph (or something pretending to be it) answered with a shape we cannot trust: not JSON, a missing
 * `value` array, a nextLink to another host. Not retried: the same request would get the same answer.
 */
export class GraphProtocolError extends GraphError {}
