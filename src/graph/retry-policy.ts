/**
 * When to try a Graph request again, and after how long: pure functions over plain data, so the whole policy
 * is one unit-test table. Follows Microsoft's Graph SDK RetryHandler: only 429, 503 and 504 are retried;
 * Retry-After (seconds, decimals allowed, or an HTTP date) wins; without it, capped exponential back-off with
 * full jitter (conditional access answers 429 without Retry-After). Network failures and missed deadlines are
 * retried only for idempotent requests: a POST that may have reached Graph must not run twice.
 */

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** Back-off before the 2nd attempt when Graph gives no Retry-After; doubles each attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Time from the first attempt after which no further attempt starts. */
  budgetMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  budgetMs: 120_000,
};

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

export type AttemptOutcome =
  | { kind: 'response'; status: number; retryAfter?: string }
  | { kind: 'network'; idempotent: boolean };

export interface RetryDecision {
  retry: boolean;
  delayMs: number;
  /** For logs: why the decision was made. */
  reason: string;
}

export interface RetryContext {
  policy: RetryPolicy;
  /** When the first attempt started (ms since epoch). */
  startedAt: number;
  /** A number in [0, 1) for the jitter; injected so the decision stays pure. */
  random: number;
}

/** Retry-After as milliseconds: delta-seconds (decimals allowed) or an HTTP date; undefined when unusable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // Only an IMF-fixdate-like string: Date.parse accepts "1" or "2024" as dates, which a hostile header could abuse.
  if (!/[a-z]{3},? \d{1,2} [a-z]{3} \d{4} \d{2}:\d{2}:\d{2}/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Full jitter: uniform in [0, min(max, base * 2^(attempt-1))]. `attempt` = attempts made so far (>= 1). */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random * ceiling);
}

/** `attempt` = attempts made so far, the failed one included (1 after the first failure). */
export function retryDecision(attempt: number, outcome: AttemptOutcome, now: number, context: RetryContext): RetryDecision {
  const { policy } = context;
  const stop = (reason: string): RetryDecision => ({ retry: false, delayMs: 0, reason });
  if (outcome.kind === 'response' && !RETRYABLE_STATUSES.has(outcome.status)) return stop(`status ${outcome.status} is not retryable`);
  if (outcome.kind === 'network' && !outcome.idempotent) return stop('network failure of a non-idempotent request');
  if (attempt >= policy.maxAttempts) return stop(`${attempt} of ${policy.maxAttempts} attempts made`);
  const retryAfter = outcome.kind === 'response' ? parseRetryAfter(outcome.retryAfter, now) : undefined;
  const delayMs = retryAfter ?? backoffDelay(attempt, policy, context.random);
  const elapsedAfterWait = now - context.startedAt + delayMs;
  if (elapsedAfterWait > policy.budgetMs) return stop(`waiting ${delayMs} ms would exceed the ${policy.budgetMs} ms retry budget`);
  return { retry: true, delayMs, reason: retryAfter === undefined ? 'back-off' : 'Retry-After' };
}
