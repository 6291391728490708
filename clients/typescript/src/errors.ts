/**
 * Errors as data. Every error the gateway raises carries `extensions.code` from one small set (the gateway's
 * src/core/errors.ts; a test keeps this list equal to it); the client adds two of its own for failures that never
 * reached a GraphQL answer. Requests resolve to a Result: check `ok`, then switch on `error.code`.
 */

/** The gateway's `extensions.code` values. */
export const GATEWAY_ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'UPSTREAM_THROTTLED',
  'UPSTREAM_FORBIDDEN',
  'UPSTREAM_UNAVAILABLE',
  'RECONSENT_REQUIRED',
  'SNAPSHOT_UNAVAILABLE',
  'LIMIT_EXCEEDED',
  'INTERNAL_SERVER_ERROR',
] as const;
export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

/**
 * NETWORK_ERROR: no answer (connection refused or reset, DNS, timeout).
 * BAD_RESPONSE: an answer that is not a GraphQL response (e.g. a proxy's HTML page), or an error without a code.
 */
export type TransportErrorCode = 'NETWORK_ERROR' | 'BAD_RESPONSE';

export type ErrorCode = GatewayErrorCode | TransportErrorCode;

export interface GatewayError {
  code: ErrorCode;
  message: string;
  /** Where in the answer the error happened (GraphQL's `path`), when the gateway said. */
  path?: ReadonlyArray<string | number>;
  /** The rest of `extensions` (e.g. `credential`, `limit`, `max`, `reason`, `retryAfterSeconds`). */
  extensions: Readonly<Record<string, unknown>>;
  /** The HTTP status, when there was an HTTP answer. */
  status?: number;
}

export type Result<T> =
  | { ok: true; data: T }
  /** `error` is the first of `errors`; `partial` is whatever data arrived beside the errors. */
  | { ok: false; error: GatewayError; errors: GatewayError[]; partial?: unknown };

export function isGatewayErrorCode(value: unknown): value is GatewayErrorCode {
  return typeof value === 'string' && (GATEWAY_ERROR_CODES as readonly string[]).includes(value);
}

interface FormattedError {
  message?: unknown;
  path?: unknown;
  extensions?: Record<string, unknown> | null;
}

/** A GraphQL error as it came over the wire, typed. An unknown or missing code is BAD_RESPONSE, saying what arrived. */
export function toGatewayError(raw: FormattedError, status?: number): GatewayError {
  const { code, ...extensions } = raw.extensions ?? {};
  const message = typeof raw.message === 'string' ? raw.message : JSON.stringify(raw);
  return {
    code: isGatewayErrorCode(code) ? code : 'BAD_RESPONSE',
    message: isGatewayErrorCode(code) ? message : `expected an error with extensions.code from the gateway's set, got ${JSON.stringify(code ?? null)}: ${message}`,
    ...(Array.isArray(raw.path) ? { path: raw.path as Array<string | number> } : {}),
    extensions,
    ...(status === undefined ? {} : { status }),
  };
}

export function failure(errors: GatewayError[], partial?: unknown): Result<never> {
  return { ok: false, error: errors[0]!, errors, ...(partial === undefined || partial === null ? {} : { partial }) };
}

/** What `unwrap` throws: the failed Result's errors, as an exception (for scripts that prefer throwing). */
export class GatewayRequestError extends Error {
  readonly code: ErrorCode;
  constructor(readonly errors: GatewayError[]) {
    super(errors.map((e) => `${e.code}: ${e.message}`).join('; '));
    this.name = 'GatewayRequestError';
    this.code = errors[0]!.code;
  }
}

/** The data of a successful Result; throws GatewayRequestError otherwise. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.data;
  throw new GatewayRequestError(result.errors);
}
