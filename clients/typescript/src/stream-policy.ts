/**
 * The decisions of the resumable event stream, as pure functions (tested by table in test/stream-policy.test.ts):
 * how a subscription's end is answered (resubscribe from the cursor, or stop with a typed error) and how long to
 * wait before the next attempt.
 */
import type { GatewayError, GatewayErrorCode } from './errors';

/** How one subscription attempt ended. */
export type StreamEnd =
  /** The socket closed (a gateway stopping closes with 1012 Service Restart). */
  | { kind: 'closed'; code: number; reason: string }
  /** No connection could be made, or the socket failed without a close frame. */
  | { kind: 'unreachable'; message: string }
  /** The gateway answered the subscription with GraphQL errors. */
  | { kind: 'errors'; errors: GatewayError[] }
  /** The gateway completed the subscription (it is open-ended: nothing was lost, so resume). */
  | { kind: 'completed' }
  /** The client's own buffer reached its limit while the caller was busy: resume from the cursor once drained. */
  | { kind: 'overflow' };

/**
 * EVENTS_EXPIRED: the cursor is older than the gateway's retention: resync, then start without a cursor.
 * SUBSCRIBER_TOO_SLOW: the gateway ended the subscription because events waited beyond its limit; start again
 *   with `after: error.resumeAfter` (the cursor of the last event this iterator handed out).
 * UNAUTHENTICATED / FORBIDDEN / NOT_FOUND / BAD_USER_INPUT: the credential, tenant or arguments were refused.
 * CONNECTION_CLOSED: the socket closed with a code that retrying cannot fix (closeCode says which).
 * RETRIES_EXHAUSTED: `retry.maxAttempts` consecutive attempts failed.
 */
export type EventsErrorCode = 'EVENTS_EXPIRED' | 'SUBSCRIBER_TOO_SLOW' | GatewayErrorCode | 'BAD_RESPONSE' | 'CONNECTION_CLOSED' | 'RETRIES_EXHAUSTED';

export type Decision =
  | { action: 'retry'; immediate: boolean; why: string }
  | { action: 'fail'; code: EventsErrorCode; message: string; extensions?: Readonly<Record<string, unknown>>; closeCode?: number };

/** Close codes after which a new connection can succeed (RFC 6455 and graphql-ws). */
const RETRYABLE_CLOSE_CODES: ReadonlySet<number> = new Set([
  1000, // Normal closure by the server: the subscription never ends by itself, so reconnect.
  1001, // Going away
  1005, // No status received
  1006, // Abnormal closure (the process died, the network dropped)
  1011, // Internal error
  1012, // Service restart: what a stopping gateway sends
  1013, // Try again later
  1014, // Bad gateway (a proxy in between)
  4408, // graphql-ws: connection initialisation timeout
  4499, // graphql-ws: terminated (socket froze)
  4500, // graphql-ws: internal server error (e.g. the database unreachable while authenticating)
  4504, // graphql-ws: connection acknowledgement timeout
]);

/** Gateway error codes worth another attempt: the same request can succeed later. */
const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set(['INTERNAL_SERVER_ERROR', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_THROTTLED', 'LIMIT_EXCEEDED']);

/**
 * `refreshableCredential`: the client asks for the credential on each connection (a function), so a socket closed
 * because the token expired (4401) is worth another attempt with the next one.
 */
export function decide(end: StreamEnd, context: { refreshableCredential?: boolean } = {}): Decision {
  switch (end.kind) {
    case 'overflow':
      return { action: 'retry', immediate: true, why: 'client buffer full; resuming from the cursor once drained' };
    case 'completed':
      return { action: 'retry', immediate: false, why: 'the gateway completed the subscription' };
    case 'unreachable':
      return { action: 'retry', immediate: false, why: `gateway unreachable: ${end.message}` };
    case 'closed': {
      if (RETRYABLE_CLOSE_CODES.has(end.code)) return { action: 'retry', immediate: false, why: `socket closed ${end.code} ${end.reason}`.trim() };
      if (end.code === 4401 && context.refreshableCredential) return { action: 'retry', immediate: false, why: `socket closed 4401 ${end.reason}; asking for the credential again`.trim() };
      const code = end.code === 4401 ? 'UNAUTHENTICATED' : end.code === 4403 ? 'FORBIDDEN' : 'CONNECTION_CLOSED';
      return { action: 'fail', code, message: `the gateway closed the connection with ${end.code}${end.reason ? ` (${end.reason})` : ''}`, closeCode: end.code };
    }
    case 'errors': {
      const first = end.errors[0];
      if (!first) return { action: 'retry', immediate: false, why: 'the gateway answered with an empty error list' };
      const reason = first.extensions.reason;
      if (reason === 'EVENTS_EXPIRED' || reason === 'SUBSCRIBER_TOO_SLOW') {
        return { action: 'fail', code: reason, message: first.message, extensions: first.extensions };
      }
      if (RETRYABLE_ERROR_CODES.has(first.code)) return { action: 'retry', immediate: false, why: `${first.code}: ${first.message}` };
      return { action: 'fail', code: first.code as EventsErrorCode, message: first.message, extensions: first.extensions };
    }
  }
}

export interface RetryPolicy {
  /** The first wait, in ms (default 250). */
  initialDelayMs: number;
  /** The longest wait, in ms (default 30,000). */
  maxDelayMs: number;
  /** Retries in a row without an event or a working connection before giving up with RETRIES_EXHAUSTED (default Infinity: a backend keeps trying). */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 250, maxDelayMs: 30_000, maxAttempts: Infinity };

/**
 * The wait before retry number `attempt` (1 for the first): capped exponential back-off with equal jitter, so a
 * fleet of backends reconnecting to a restarted gateway spreads out: between half and all of
 * min(maxDelayMs, initialDelayMs * 2^(attempt-1)). `random` returns [0, 1).
 */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
