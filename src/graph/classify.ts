/**
 * From a failed Graph answer (a direct response or a $batch sub-response) to a typed error. Pure: the
 * branch is on the HTTP status and Graph's error.code, never on the message text.
 */
import {
  DeltaResyncRequiredError,
  GraphAuthError,
  GraphBadRequestError,
  GraphForbiddenError,
  GraphNotFoundError,
  GraphRequestError,
  GraphThrottledError,
  GraphUnavailableError,
  type GraphError,
  type GraphErrorDetail,
  type GraphErrorInit,
} from './errors';
import { headerValue, type HeaderBag } from './headers';
import { isRecord } from './response';
import { parseRetryAfter } from './retry-policy';

export interface FailedAnswer {
  method: string;
  /** The request URL or batch-relative path; only its path reaches the message. */
  url: string;
  status: number;
  headers: HeaderBag;
  /** Parsed JSON, text, or undefined. */
  body: unknown;
  clientRequestId: string;
  now: number;
}

interface GraphErrorBody {
  code: string;
  message: string;
  requestId?: string;
  clientRequestId?: string;
  details: GraphErrorDetail[];
}

const DELTA_RESYNC_CODES = new Set(['syncStateNotFound', 'resyncRequired']);

/** Graph's error envelope, checked field by field: a hostile body yields undefined or partial data, never a crash. */
export function readErrorBody(body: unknown): GraphErrorBody | undefined {
  const error = isRecord(body) ? body.error : undefined;
  if (!isRecord(error) || typeof error.code !== 'string' || error.code === '') return undefined;
  const inner = isRecord(error.innerError) ? error.innerError : {};
  const details = Array.isArray(error.details) ? error.details.filter(isDetail) : [];
  return {
    code: error.code,
    message: typeof error.message === 'string' ? error.message : '',
    requestId: typeof inner['request-id'] === 'string' ? inner['request-id'] : undefined,
    clientRequestId: typeof inner['client-request-id'] === 'string' ? inner['client-request-id'] : undefined,
    details: details.map((d) => ({ code: d.code, message: d.message, ...(typeof d.target === 'string' ? { target: d.target } : {}) })),
  };
}

export function errorFromAnswer(answer: FailedAnswer): GraphError {
  const parsed = readErrorBody(answer.body);
  const where = `Graph ${answer.method} ${pathOf(answer.url)} answered ${answer.status}`;
  const init: GraphErrorInit = {
    status: answer.status,
    code: parsed?.code ?? 'UnknownError',
    message: parsed ? `${where} ${parsed.code}: ${parsed.message}` : `${where} without a Graph error body (got ${snippet(answer.body)})`,
    requestId: headerValue(answer.headers, 'request-id') ?? parsed?.requestId,
    clientRequestId: headerValue(answer.headers, 'client-request-id') ?? parsed?.clientRequestId ?? answer.clientRequestId,
    details: parsed?.details,
  };
  if (answer.status === 410 || DELTA_RESYNC_CODES.has(init.code)) {
    return new DeltaResyncRequiredError({ ...init, restartUrl: headerValue(answer.headers, 'location') });
  }
  switch (answer.status) {
    case 400:
      return new GraphBadRequestError(init);
    case 401:
      return new GraphAuthError(init);
    case 403:
      return new GraphForbiddenError(init);
    case 404:
      return new GraphNotFoundError(init);
    case 429:
      return new GraphThrottledError({ ...init, retryAfterMs: parseRetryAfter(headerValue(answer.headers, 'retry-after'), answer.now) });
    case 501:
      return new GraphRequestError(init);
    default:
      return answer.status >= 500 ? new GraphUnavailableError(init) : new GraphRequestError(init);
  }
}

/** Only the path: query strings may hold skiptokens or user-typed filter text. */
export function pathOf(url: string): string {
  const path = /^[a-z]+:\/\//i.test(url) ? new URL(url).pathname : url.split('?')[0];
  return path.startsWith('/') ? path : `/${path}`;
}

function snippet(body: unknown): string {
  if (body === undefined || body === '') return 'an empty body';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text);
}

function isDetail(value: unknown): value is { code: string; message: string; target?: unknown } {
  return isRecord(value) && typeof value.code === 'string' && typeof value.message === 'string';
}
