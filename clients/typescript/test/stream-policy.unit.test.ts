/** The resumable stream's decisions, by table: what each way a subscription can end leads to, and the back-off. */
import { toGatewayError } from '../src/errors';
import { streamEndOf } from '../src/events';
import { backoffDelay, decide, type StreamEnd } from '../src/stream-policy';

const err = (code: string, extensions: Record<string, unknown> = {}) => toGatewayError({ message: `${code} happened`, extensions: { code, ...extensions } });

describe('decide', () => {
  const table: Array<[string, StreamEnd, { action: 'retry'; immediate?: boolean } | { action: 'fail'; code: string; closeCode?: number }]> = [
    ['a stopping gateway (1012 Service Restart)', { kind: 'closed', code: 1012, reason: 'Service restart' }, { action: 'retry', immediate: false }],
    ['going away (1001)', { kind: 'closed', code: 1001, reason: '' }, { action: 'retry' }],
    ['abnormal closure (1006: process died)', { kind: 'closed', code: 1006, reason: '' }, { action: 'retry' }],
    ['normal closure by the server (1000)', { kind: 'closed', code: 1000, reason: '' }, { action: 'retry' }],
    ['try again later (1013)', { kind: 'closed', code: 1013, reason: '' }, { action: 'retry' }],
    ['graphql-ws terminated (4499)', { kind: 'closed', code: 4499, reason: 'Terminated' }, { action: 'retry' }],
    ['graphql-ws internal server error (4500)', { kind: 'closed', code: 4500, reason: '' }, { action: 'retry' }],
    ['no credential (4401)', { kind: 'closed', code: 4401, reason: 'Unauthorized' }, { action: 'fail', code: 'UNAUTHENTICATED', closeCode: 4401 }],
    ['bad or revoked credential (4403)', { kind: 'closed', code: 4403, reason: 'Forbidden: the API key was revoked' }, { action: 'fail', code: 'FORBIDDEN', closeCode: 4403 }],
    ['message too big (1009)', { kind: 'closed', code: 1009, reason: '' }, { action: 'fail', code: 'CONNECTION_CLOSED', closeCode: 1009 }],
    ['graphql-ws bad request (4400)', { kind: 'closed', code: 4400, reason: '' }, { action: 'fail', code: 'CONNECTION_CLOSED', closeCode: 4400 }],
    ['connection refused', { kind: 'unreachable', message: 'connect ECONNREFUSED 127.0.0.1:4000' }, { action: 'retry' }],
    ['the gateway completed the subscription', { kind: 'completed' }, { action: 'retry', immediate: false }],
    ['the client buffer overflowed', { kind: 'overflow' }, { action: 'retry', immediate: true }],
    ['cursor past retention', { kind: 'errors', errors: [err('BAD_USER_INPUT', { reason: 'EVENTS_EXPIRED' })] }, { action: 'fail', code: 'EVENTS_EXPIRED' }],
    ['subscriber too slow', { kind: 'errors', errors: [err('BAD_USER_INPUT', { reason: 'SUBSCRIBER_TOO_SLOW', resumeAfter: 'c' })] }, { action: 'fail', code: 'SUBSCRIBER_TOO_SLOW' }],
    ['forged cursor', { kind: 'errors', errors: [err('BAD_USER_INPUT')] }, { action: 'fail', code: 'BAD_USER_INPUT' }],
    ['unknown tenant', { kind: 'errors', errors: [err('NOT_FOUND')] }, { action: 'fail', code: 'NOT_FOUND' }],
    ['tenant not allowed', { kind: 'errors', errors: [err('FORBIDDEN')] }, { action: 'fail', code: 'FORBIDDEN' }],
    ['no events:read', { kind: 'errors', errors: [err('UNAUTHENTICATED')] }, { action: 'fail', code: 'UNAUTHENTICATED' }],
    ['too many subscriptions for now', { kind: 'errors', errors: [err('LIMIT_EXCEEDED')] }, { action: 'retry' }],
    ['an internal error (database blip)', { kind: 'errors', errors: [err('INTERNAL_SERVER_ERROR')] }, { action: 'retry' }],
    ['an error without a code', { kind: 'errors', errors: [toGatewayError({ message: 'odd' })] }, { action: 'fail', code: 'BAD_RESPONSE' }],
  ];
  it.each(table)('%s', (_name, end, expected) => {
    expect(decide(end)).toMatchObject(expected);
  });

  it('retries 4401 (an expired token) only when the credential is asked for again on each connection', () => {
    const expired: StreamEnd = { kind: 'closed', code: 4401, reason: 'Unauthorized: the token has expired' };
    expect(decide(expired, { refreshableCredential: true })).toMatchObject({ action: 'retry' });
    expect(decide(expired, { refreshableCredential: false })).toMatchObject({ action: 'fail', code: 'UNAUTHENTICATED' });
    // A revoked key stays final either way.
    expect(decide({ kind: 'closed', code: 4403, reason: 'Forbidden' }, { refreshableCredential: true })).toMatchObject({ action: 'fail', code: 'FORBIDDEN' });
  });

  it('keeps the gateway message and extensions on a failure', () => {
    const decision = decide({ kind: 'errors', errors: [err('BAD_USER_INPUT', { reason: 'SUBSCRIBER_TOO_SLOW', resumeAfter: 'cursor-7' })] });
    expect(decision).toEqual({ action: 'fail', code: 'SUBSCRIBER_TOO_SLOW', message: 'BAD_USER_INPUT happened', extensions: { reason: 'SUBSCRIBER_TOO_SLOW', resumeAfter: 'cursor-7' } });
  });
});

describe('backoffDelay', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 2_000 };
  it.each([
    // attempt, random, expected: between half and all of min(max, initial * 2^(attempt-1))
    [1, 0, 50],
    [1, 0.999999, 100],
    [2, 0, 100],
    [3, 0.5, 300],
    [5, 0, 800],
    [6, 0, 1_000], // 3,200 capped at 2,000
    [6, 0.999999, 2_000],
    [100, 0.5, 1_500], // no overflow for large attempts
  ])('attempt %d with random %d waits %d ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, policy, () => random)).toBe(expected);
  });

  it('grows, then stays within the cap', () => {
    const mid = (n: number) => backoffDelay(n, policy, () => 0.5);
    expect([1, 2, 3, 4, 5, 6, 7].map(mid)).toEqual([75, 150, 300, 600, 1_200, 1_500, 1_500]);
  });
});

describe('streamEndOf (what graphql-ws hands to error)', () => {
  it.each([
    ['a CloseEvent', { code: 1012, reason: 'Service restart' }, { kind: 'closed', code: 1012, reason: 'Service restart' }],
    ['an Error', new Error('connect ECONNREFUSED'), { kind: 'unreachable', message: 'connect ECONNREFUSED' }],
    ['an ErrorEvent-like object', { type: 'error', message: 'socket hang up' }, { kind: 'unreachable', message: 'socket hang up' }],
    ['GraphQL errors', [{ message: 'no', extensions: { code: 'FORBIDDEN' } }], { kind: 'errors', errors: [{ code: 'FORBIDDEN', message: 'no', extensions: {} }] }],
  ])('%s', (_name, input, expected) => {
    expect(streamEndOf(input)).toEqual(expected);
  });
});
