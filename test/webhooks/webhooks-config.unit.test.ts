/** WEBHOOK_* settings: defaults, and every problem named with the variable. */
import { webhooksSection } from '../../src/config/webhooks.config';

it('has defaults that work together', () => {
  expect(webhooksSection({})).toEqual({
    ok: true,
    value: { delivery: true, timeoutMs: 10_000, pollMs: 1_000, retryBaseMs: 5_000, retryMaxMs: 3_600_000, disableAfterFailures: 15, leaseSeconds: 60, batchSize: 100 },
  });
});

it.each([
  [{ WEBHOOK_DELIVERY: 'maybe' }, 'WEBHOOK_DELIVERY'],
  [{ WEBHOOK_DISABLE_AFTER_FAILURES: '0' }, 'WEBHOOK_DISABLE_AFTER_FAILURES'],
  [{ WEBHOOK_RETRY_BASE_MS: '5000', WEBHOOK_RETRY_MAX_MS: '1000' }, 'WEBHOOK_RETRY_BASE_MS'],
  [{ WEBHOOK_TIMEOUT_MS: '60000', WEBHOOK_LEASE_SECONDS: '30' }, 'WEBHOOK_TIMEOUT_MS'],
])('refuses %j, naming %s', (env, variable) => {
  const result = webhooksSection(env);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.problems.map((p) => p.variable)).toContain(variable);
});
