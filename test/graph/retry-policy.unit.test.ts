/** retryDecision, parseRetryAfter and backoffDelay as tables: the whole retry policy without a server. */
import { backoffDelay, parseRetryAfter, retryDecision, type AttemptOutcome, type RetryPolicy } from '../../src/graph';

const NOW = Date.parse('2026-01-10T12:00:00Z');
const POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8_000, budgetMs: 60_000 };
const context = { policy: POLICY, startedAt: NOW, random: 0.5 };

const response = (status: number, retryAfter?: string): AttemptOutcome => ({ kind: 'response', status, retryAfter });

describe('retryDecision', () => {
  test.each<[string, number, AttemptOutcome, { retry: boolean; delayMs: number }]>([
    ['429 with Retry-After seconds', 1, response(429, '3'), { retry: true, delayMs: 3_000 }],
    ['429 with decimal Retry-After', 1, response(429, '0.25'), { retry: true, delayMs: 250 }],
    ['429 with an HTTP-date Retry-After', 1, response(429, 'Sat, 10 Jan 2026 12:00:07 GMT'), { retry: true, delayMs: 7_000 }],
    ['429 without Retry-After (conditional access): back-off, attempt 1', 1, response(429), { retry: true, delayMs: 250 }],
    ['429 without Retry-After: back-off doubles, attempt 3', 3, response(429), { retry: true, delayMs: 1_000 }],
    ['503 with Retry-After', 2, response(503, '1'), { retry: true, delayMs: 1_000 }],
    ['504 without Retry-After', 1, response(504), { retry: true, delayMs: 250 }],
    ['429 with a garbage Retry-After falls back to back-off', 1, response(429, 'soon'), { retry: true, delayMs: 250 }],
    ['network failure of a GET', 1, { kind: 'network', idempotent: true }, { retry: true, delayMs: 250 }],
    ['network failure of a POST', 1, { kind: 'network', idempotent: false }, { retry: false, delayMs: 0 }],
    ['500 is not retried', 1, response(500), { retry: false, delayMs: 0 }],
    ['502 is not retried', 1, response(502), { retry: false, delayMs: 0 }],
    ['400 is not retried', 1, response(400), { retry: false, delayMs: 0 }],
    ['404 is not retried', 1, response(404), { retry: false, delayMs: 0 }],
    ['the last attempt is final', 4, response(429, '1'), { retry: false, delayMs: 0 }],
    ['a Retry-After beyond the time budget is not waited for', 1, response(429, '61'), { retry: false, delayMs: 0 }],
  ])('%s', (_name, attempt, outcome, expected) => {
    expect(retryDecision(attempt, outcome, NOW, context)).toMatchObject(expected);
  });

  test('the budget counts time already spent', () => {
    const late = NOW + 59_000;
    expect(retryDecision(1, response(429, '2'), late, context)).toMatchObject({ retry: false });
    expect(retryDecision(1, response(429, '1'), late, context)).toMatchObject({ retry: true, delayMs: 1_000 });
  });

  test('the reason says why it stopped', () => {
    expect(retryDecision(4, response(503), NOW, context).reason).toBe('4 of 4 attempts made');
    expect(retryDecision(1, response(403), NOW, context).reason).toBe('status 403 is not retryable');
  });
});

describe('backoffDelay (full jitter, capped)', () => {
  test.each([
    [1, 0.999, 499],
    [2, 0.999, 999],
    [5, 0.999, 7_992],
    [12, 0.999, 7_992],
    [3, 0, 0],
  ])('attempt %i with random %d -> %i ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, POLICY, random)).toBe(expected);
  });
});

describe('parseRetryAfter', () => {
  test.each<[string | undefined, number | undefined]>([
    ['120', 120_000],
    ['1.5', 1_500],
    ['0', 0],
    [' 2 ', 2_000],
    ['Sat, 10 Jan 2026 12:00:30 GMT', 30_000],
    ['Sat, 10 Jan 2026 11:59:00 GMT', 0],
    ['-1', undefined],
    ['1e3', undefined],
    ['2026-01-10T12:00:30Z', undefined],
    ['1 2', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j -> %j', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});
