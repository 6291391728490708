/** Delivery decisions as pure functions: what an answer means, when to try again, when to give up. */

export interface RetryPolicy {
  /** First retry after this; doubles per consecutive failure. */
  baseMs: number;
  /** Never waits longer than this. */
  maxMs: number;
  /** This many consecutive failures disable the endpoint. */
  disableAfter: number;
}

/** A 2xx is delivered; everything else (3xx too: redirects are not followed) is a failure. */
export function isDelivered(status: number | null): boolean {
  return status !== null && status >= 200 && status < 300;
}

/**
 * The wait before the next attempt after `failures` consecutive failures (>= 1): base * 2^(failures-1), capped,
 * with up to 20% random jitter taken off (so instances recovering together spread out). `random` in [0, 1).
 */
export function retryDelayMs(failures: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>, random = Math.random()): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const raw = Math.min(policy.baseMs * 2 ** exponent, policy.maxMs);
  return Math.round(raw * (1 - 0.2 * random));
}

export type FailureOutcome = { disable: false; retryInMs: number } | { disable: true; reason: string };

export function afterFailure(consecutiveFailures: number, policy: RetryPolicy, random = Math.random()): FailureOutcome {
  if (consecutiveFailures >= policy.disableAfter) {
    return { disable: true, reason: `${consecutiveFailures} consecutive failed deliveries (the limit is ${policy.disableAfter})` };
  }
  return { disable: false, retryInMs: retryDelayMs(consecutiveFailures, policy, random) };
}

/** The tenants an endpoint covers for a caller: the ones named, else all the caller's (null: every tenant, now and later). */
export function endpointTenants(named: readonly string[] | null | undefined, callerTenants: 'ALL' | ReadonlySet<string>): string[] | null {
  if (named && named.length > 0) return [...new Set(named.map((t) => t.toLowerCase()))].sort();
  return callerTenants === 'ALL' ? null : [...callerTenants].sort();
}

/** Whether a caller may see and manage an endpoint: it must reach every tenant the endpoint covers. */
export function mayManage(endpointTenantIds: readonly string[] | null, callerTenants: 'ALL' | ReadonlySet<string>): boolean {
  if (callerTenants === 'ALL') return true;
  return endpointTenantIds !== null && endpointTenantIds.every((t) => callerTenants.has(t));
}
