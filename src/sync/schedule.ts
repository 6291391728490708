/** When a tenant syncs next: pure decisions over plain numbers (no clock, no database). */

export interface NextRunInput {
  ok: boolean;
  /** After this round (0 after a success). */
  consecutiveFailures: number;
  intervalSeconds: number;
  /** 0 <= random < 1. */
  random: number;
  /** Graph's Retry-After of the failure (throttling), in seconds: never retry sooner. */
  retryAfterSeconds?: number;
}

/** Spread rounds of many tenants: +-10% of the interval. */
export const JITTER = 0.1;
/** First retry after a failure, doubled each further failure. */
export const FAILURE_BASE_SECONDS = 30;
/** Never wait longer than this between attempts of a failing tenant. */
export const FAILURE_CAP_SECONDS = 3600;

/**
 * Seconds until the next round: the tenant's interval with jitter; after failures a capped exponential
 * back-off, but never longer than the interval (a tenant synced every 2 s is not left 30 s behind by one
 * failed round), and never sooner than Graph's Retry-After.
 */
export function nextRunDelaySeconds(input: NextRunInput): number {
  const jitter = 1 + JITTER * (2 * input.random - 1);
  if (input.ok) return Math.max(1, Math.round(input.intervalSeconds * jitter));
  const exponent = Math.min(Math.max(input.consecutiveFailures - 1, 0), 20);
  const backoff = Math.min(FAILURE_CAP_SECONDS, FAILURE_BASE_SECONDS * 2 ** exponent, input.intervalSeconds > 0 ? input.intervalSeconds : Infinity);
  const delay = Math.max(1, Math.round(backoff * jitter));
  const retryAfter = input.retryAfterSeconds !== undefined && Number.isFinite(input.retryAfterSeconds) && input.retryAfterSeconds > 0 ? Math.ceil(input.retryAfterSeconds) : 0;
  return Math.max(delay, retryAfter);
}
