/** Capped exponential back-off with full jitter, and a loop that applies it to retryable failures only. */

export interface RetryPolicy {
  /** Total tries, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 4_000 });

/**
 * Delay before retry number `attempt` (1 = the first retry): uniformly random in [0, min(cap, base * 2^(attempt-1))].
 * Full jitter keeps many instances that failed together from retrying together.
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `operation` until it succeeds, fails with something `isRetryable` rejects, or the attempts run out;
 * the final failure is passed through `toError` with the number of attempts made.
 */
export async function withRetry<T>(
  operation: () => Promise<T>,
  options: {
    policy: RetryPolicy;
    isRetryable: (err: unknown) => boolean;
    toError: (err: unknown, attempts: number) => Error;
    onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (attempt >= options.policy.maxAttempts || !options.isRetryable(err)) throw options.toError(err, attempt);
      const delayMs = backoffDelayMs(attempt, options.policy);
      options.onRetry?.(err, attempt, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
