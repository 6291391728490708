/** From Graph error answers to typed errors: branch on status and error.code, carry ids and details. */
import {
  DeltaResyncRequiredError,
  GraphAuthError,
  GraphBadRequestError,
  GraphForbiddenError,
  GraphNotFoundError,
  GraphRequestError,
  GraphThrottledError,
  GraphUnavailableError,
} from '../../src/graph';
import { errorFromAnswer, readErrorBody } from '../../src/graph/classify';
import { GraphRoot } from '../../src/graph/urls';

const NOW = Date.parse('2026-01-10T12:00:00Z');

function graphBody(code: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message: `message for ${code}`, innerError: { date: '2026-01-10T12:00:00', 'request-id': 'req-1', 'client-request-id': 'cli-1' }, ...extra } };
}

function answer(status: number, body: unknown, headers: Record<string, string> = {}) {
  return errorFromAnswer({ method: 'GET', url: 'https://graph.microsoft.com/v1.0/users/x?$filter=secret', status, headers, body, clientRequestId: 'ours', now: NOW });
}

test.each([
  [400, 'Request_BadRequest', GraphBadRequestError],
  [400, 'Request_UnsupportedQuery', GraphBadRequestError],
  [401, 'InvalidAuthenticationToken', GraphAuthError],
  [403, 'Authorization_RequestDenied', GraphForbiddenError],
  [404, 'Request_ResourceNotFound', GraphNotFoundError],
  [429, 'TooManyRequests', GraphThrottledError],
  [500, 'InternalServerError', GraphUnavailableError],
  [503, 'ServiceUnavailable', GraphUnavailableError],
  [504, 'GatewayTimeout', GraphUnavailableError],
  [501, 'NotImplemented', GraphRequestError],
  [409, 'Conflict', GraphRequestError],
  [400, 'syncStateNotFound', DeltaResyncRequiredError],
  [400, 'resyncRequired', DeltaResyncRequiredError],
  [410, 'resyncRequired', DeltaResyncRequiredError],
])('%i %s -> %p', (status, code, type) => {
  const error = answer(status, graphBody(code));
  expect(error).toBeInstanceOf(type);
  expect(error).toMatchObject({ status, code, requestId: 'req-1', clientRequestId: 'cli-1' });
});

test('the message names method, path (no query) and Graph text', () => {
  expect(answer(404, graphBody('Request_ResourceNotFound')).message).toBe(
    'Graph GET /v1.0/users/x answered 404 Request_ResourceNotFound: message for Request_ResourceNotFound',
  );
});

test('details are kept (UPN conflict), malformed ones dropped', () => {
  const error = answer(400, graphBody('Request_BadRequest', { details: [{ code: 'ObjectConflict', message: 'exists', target: 'userPrincipalName' }, { code: 7 }, 'x'] }));
  expect(error.details).toEqual([{ code: 'ObjectConflict', message: 'exists', target: 'userPrincipalName' }]);
});

test('header ids win over the body; our client-request-id fills in when Graph sent none', () => {
  expect(answer(404, graphBody('Request_ResourceNotFound'), { 'request-id': 'hdr-req' })).toMatchObject({ requestId: 'hdr-req' });
  expect(answer(500, 'oops')).toMatchObject({ clientRequestId: 'ours', requestId: undefined, code: 'UnknownError' });
});

test('a 429 carries its Retry-After; a 410 its Location', () => {
  expect(answer(429, graphBody('TooManyRequests'), { 'Retry-After': '2.5' })).toMatchObject({ retryAfterMs: 2_500 });
  expect(answer(429, graphBody('TooManyRequests'))).toMatchObject({ retryAfterMs: undefined });
  const gone = answer(410, graphBody('resyncRequired'), { location: 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=' });
  expect(gone).toMatchObject({ restartUrl: 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=' });
});

test.each([[null], [[]], [{ error: 'x' }], [{ error: { code: 5 } }], [{ error: { code: '' } }], ['<html/>']])('readErrorBody(%j) is undefined', (body) => {
  expect(readErrorBody(body)).toBeUndefined();
});

describe('GraphRoot', () => {
  const root = new GraphRoot('https://graph.microsoft.com/');
  test('joins paths under /v1.0 and accepts links under it', () => {
    expect(root.resolve('/users?$top=5')).toBe('https://graph.microsoft.com/v1.0/users?$top=5');
    expect(root.resolve('https://graph.microsoft.com/v1.0/users?$skiptoken=a')).toBe('https://graph.microsoft.com/v1.0/users?$skiptoken=a');
    expect(root.relative('https://graph.microsoft.com/v1.0/users/a')).toBe('/users/a');
  });
  test.each([
    'https://graph.microsoft.com.evil.example/v1.0/users',
    'http://graph.microsoft.com/v1.0/users',
    'https://graph.microsoft.com:444/v1.0/users',
    'https://graph.microsoft.com/beta/users',
    'https://graph.microsoft.com/v1.0evil/users',
    'https://a:b@graph.microsoft.com/v1.0/users',
  ])('refuses %s', (link) => {
    expect(() => root.resolve(link)).toThrow(/expected a URL under https:\/\/graph.microsoft.com\/v1.0\//);
  });
  test('refuses relative paths that climb out or do not start with /', () => {
    expect(() => root.resolve('/../beta/users')).toThrow(/expected a URL under/);
    expect(() => root.resolve('users')).toThrow(/must start with '\/'/);
  });
});
