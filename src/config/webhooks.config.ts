/**
 * Webhooks (issue 14): how this process delivers events to registered endpoints. Delivery runs in every instance;
 * a lease per endpoint in PostgreSQL makes one instance at a time deliver an endpoint's events.
 */
import { z } from 'zod';
import { Env, integer, oneOf, parseSection, SectionResult } from './env';

const schema = z
  .object({
    WEBHOOK_DELIVERY: oneOf(['on', 'off'] as const).default('on'),
    WEBHOOK_TIMEOUT_MS: integer(100, 120_000, 'milliseconds').default(10_000),
    WEBHOOK_POLL_MS: integer(10, 60_000, 'milliseconds').default(1_000),
    WEBHOOK_RETRY_BASE_MS: integer(10, 3_600_000, 'milliseconds').default(5_000),
    WEBHOOK_RETRY_MAX_MS: integer(10, 86_400_000, 'milliseconds').default(3_600_000),
    WEBHOOK_DISABLE_AFTER_FAILURES: integer(1, 10_000, 'a count').default(15),
    WEBHOOK_LEASE_SECONDS: integer(2, 3_600, 'seconds').default(60),
    WEBHOOK_BATCH_SIZE: integer(1, 1_000, 'a count').default(100),
  })
  .refine((v) => v.WEBHOOK_RETRY_BASE_MS <= v.WEBHOOK_RETRY_MAX_MS, { message: 'at most WEBHOOK_RETRY_MAX_MS', path: ['WEBHOOK_RETRY_BASE_MS'] })
  .refine((v) => v.WEBHOOK_TIMEOUT_MS < v.WEBHOOK_LEASE_SECONDS * 1000, { message: 'less than WEBHOOK_LEASE_SECONDS (a delivery must end within the lease)', path: ['WEBHOOK_TIMEOUT_MS'] });

export interface WebhooksConfig {
  /** off: this process delivers nothing (endpoints can still be managed; another instance delivers). */
  delivery: boolean;
  timeoutMs: number;
  /** How often this process looks for endpoints with events to deliver. */
  pollMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  disableAfterFailures: number;
  leaseSeconds: number;
  batchSize: number;
}

export function webhooksSection(env: Env): SectionResult<WebhooksConfig> {
  const parsed = parseSection(schema, env);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  return {
    ok: true,
    value: {
      delivery: v.WEBHOOK_DELIVERY === 'on',
      timeoutMs: v.WEBHOOK_TIMEOUT_MS,
      pollMs: v.WEBHOOK_POLL_MS,
      retryBaseMs: v.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: v.WEBHOOK_RETRY_MAX_MS,
      disableAfterFailures: v.WEBHOOK_DISABLE_AFTER_FAILURES,
      leaseSeconds: v.WEBHOOK_LEASE_SECONDS,
      batchSize: v.WEBHOOK_BATCH_SIZE,
    },
  };
}
