/** Retry, disabling, tenant coverage and signing as pure functions. */
import { afterFailure, endpointTenants, isDelivered, mayManage, retryDelayMs } from '../../src/webhooks/decisions';
import { generateSecret, sign, signatureHeader, verifySignature } from '../../src/webhooks/signing';

const policy = { baseMs: 1000, maxMs: 60_000, disableAfter: 5 };

it.each([
  [200, true],
  [204, true],
  [299, true],
  [301, false],
  [400, false],
  [500, false],
  [null, false],
])('status %s delivered: %s', (status, expected) => {
  expect(isDelivered(status)).toBe(expected);
});

it.each([
  [1, 0, 1000],
  [2, 0, 2000],
  [3, 0, 4000],
  [7, 0, 60_000],
  [40, 0, 60_000],
  [1, 0.5, 900],
  [3, 0.999, 3201],
])('after %s failure(s) with random %s the wait is %s ms', (failures, random, expected) => {
  expect(retryDelayMs(failures, policy, random)).toBe(expected);
});

it('disables at the configured run of failures, not before', () => {
  expect(afterFailure(4, policy, 0)).toEqual({ disable: false, retryInMs: 8000 });
  expect(afterFailure(5, policy, 0)).toEqual({ disable: true, reason: '5 consecutive failed deliveries (the limit is 5)' });
});

it.each([
  [['B', 'a'], 'ALL', ['a', 'b']],
  [null, 'ALL', null],
  [[], 'ALL', null],
  [null, new Set(['t2', 't1']), ['t1', 't2']],
  [['t1'], new Set(['t1', 't2']), ['t1']],
] as const)('endpoint tenants for %j and caller %s', (named, caller, expected) => {
  expect(endpointTenants(named as string[] | null, caller as 'ALL' | Set<string>)).toEqual(expected);
});

it.each([
  [null, 'ALL', true],
  [null, new Set(['t1']), false],
  [['t1'], new Set(['t1', 't2']), true],
  [['t1', 't3'], new Set(['t1', 't2']), false],
] as const)('endpoint %j manageable by %s: %s', (tenants, caller, expected) => {
  expect(mayManage(tenants as string[] | null, caller as 'ALL' | Set<string>)).toBe(expected);
});

it('signs as Standard Webhooks does (the specification\'s test vector)', () => {
  // From standard-webhooks' reference libraries: secret, msg id, timestamp, payload and the expected signature.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"test": 2432232314}';
  expect(sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe('g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});

it('lists one signature per valid secret and verifies with either', () => {
  const [a, b] = [generateSecret(), generateSecret()];
  const header = signatureHeader([a, b], 'evt_1', 1_700_000_000, '{}');
  expect(header.split(' ')).toHaveLength(2);
  const headers = { id: 'evt_1', timestamp: '1700000000', signature: header };
  expect(verifySignature(a, headers, '{}', 300, 1_700_000_010)).toBe(true);
  expect(verifySignature(b, headers, '{}', 300, 1_700_000_010)).toBe(true);
  expect(verifySignature(generateSecret(), headers, '{}', 300, 1_700_000_010)).toBe(false);
  expect(verifySignature(a, headers, '{}', 300, 1_700_001_000)).toBe(false);
});
