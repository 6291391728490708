/** The pure decisions behind the hardening (issue 11): document guard, CORS, body failures, caps, suggestions. */
import { withoutSuggestions } from '../../src/core/errors';
import { bodyFailure, corsDecision } from '../../src/server/http-guards';
import { documentViolation, lexicalNesting } from '../../src/server/query-limits';
import { subscriptionCapViolation } from '../../src/server/subscription-caps';

describe('lexicalNesting', () => {
  it.each([
    ['a flat document', '{ a }', 1],
    ['selections', '{ a { b { c } } }', 3],
    ['arguments and lists count', '{ a(x: [[1]]) { b } }', 4],
    ['siblings do not add up', '{ a { b } c { d } }', 2],
    ['brackets in a string do not count', '{ a(x: "{{{{[[[[") }', 2],
    ['an escaped quote does not end a string', '{ a(x: "\\"{{{{") }', 2],
    ['brackets in a block string do not count', '{ a(x: """ {{{{ \\""" [[[[ """) }', 2],
    ['brackets in a comment do not count', '{ a # {{{{\n }', 1],
    ['unbalanced text counts what opens', '{{{', 3],
    ['a closing bracket never goes below zero', '}}} { a }', 1],
  ])('%s', (_name, source, expected) => {
    expect(lexicalNesting(source)).toBe(expected);
  });

  it('stops counting once past the bound', () => {
    expect(lexicalNesting('['.repeat(1_000_000), 10)).toBe(11);
  });
});

describe('documentViolation', () => {
  const limits = { maxDocumentBytes: 1_000, maxTokens: 100, maxNesting: 5 };
  it.each([
    ['a document within the limits', '{ a { b } }', null],
    ['not a string', 42, 'query: expected a GraphQL document as a string, received number'],
    ['null', null, 'query: expected a GraphQL document as a string, received null'],
    ['too large', `{ a } #${'x'.repeat(1_000)}`, 'query: expected a document of at most 1000 bytes, received 1007 bytes'],
    ['too large in UTF-8 bytes', `{ a } #${'é'.repeat(500)}`, 'query: expected a document of at most 1000 bytes, received 1007 bytes'],
    ['too deep', '{ a { b { c { d { e { f } } } } } }', 'query: expected brackets ({ [ () nested at most 5 deep, received a document nested deeper'],
  ])('%s', (_name, source, expected) => {
    expect(documentViolation(source, limits)).toBe(expected);
  });
});

describe('corsDecision', () => {
  const allowed = ['https://app.example.com'];
  it.each([
    ['no Origin header', undefined, 'POST', undefined, allowed, { kind: 'none' }],
    ['CORS off', 'https://app.example.com', 'POST', undefined, [], { kind: 'none' }],
    ['an allowed origin', 'https://app.example.com', 'POST', undefined, allowed, { kind: 'allowed', origin: 'https://app.example.com', preflight: false }],
    ['its preflight', 'https://app.example.com', 'OPTIONS', 'POST', allowed, { kind: 'allowed', origin: 'https://app.example.com', preflight: true }],
    ['another port', 'https://app.example.com:8443', 'POST', undefined, allowed, { kind: 'refused', origin: 'https://app.example.com:8443', preflight: false }],
    ['another scheme', 'http://app.example.com', 'OPTIONS', 'POST', allowed, { kind: 'refused', origin: 'http://app.example.com', preflight: true }],
    ['a suffix trick', 'https://app.example.com.evil.net', 'POST', undefined, allowed, { kind: 'refused', origin: 'https://app.example.com.evil.net', preflight: false }],
    ['an OPTIONS without Request-Method is no preflight', 'https://app.example.com', 'OPTIONS', undefined, allowed, { kind: 'allowed', origin: 'https://app.example.com', preflight: false }],
  ])('%s', (_name, origin, method, requestMethod, list, expected) => {
    expect(corsDecision(origin, method, requestMethod, list)).toEqual(expected);
  });
});

describe('bodyFailure', () => {
  it.each([
    ['malformed JSON', { type: 'entity.parse.failed', status: 400 }, 400, 'request body: expected a JSON object, received text that is not valid JSON'],
    ['too large', { type: 'entity.too.large', status: 413, limit: 100, length: 250 }, 413, 'request body: expected at most 100 bytes, received 250 bytes'],
    ['unknown encoding', { type: 'encoding.unsupported', status: 415, encoding: 'x-zip' }, 415, 'Content-Encoding: expected identity, gzip, deflate or br, received "x-zip"'],
    ['unknown charset', { type: 'charset.unsupported', status: 415, charset: 'latin-9' }, 415, 'Content-Type charset: expected utf-8, received "latin-9"'],
    ['aborted', { type: 'request.aborted', status: 400 }, 400, 'request body: expected a complete body, received a request aborted before its end'],
    ['another client error (bad gzip)', { status: 400 }, 400, 'request: expected a request the gateway can read, received one it cannot'],
  ])('%s is the caller\'s: BAD_USER_INPUT', (_name, err, status, message) => {
    expect(bodyFailure(err)).toEqual({ status, code: 'BAD_USER_INPUT', message, expected: true });
  });

  it('anything else is ours: INTERNAL_SERVER_ERROR without detail', () => {
    expect(bodyFailure({})).toEqual({ status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error', expected: false });
    expect(bodyFailure({ type: 'stream.encoding.set', status: 500 })).toEqual(expect.objectContaining({ status: 500, expected: false }));
  });
});

describe('subscriptionCapViolation', () => {
  const caps = { maxSubscriptionsPerSocket: 2, maxSubscriptionsPerKey: 3 };
  it.each([
    ['within both', 2, 3, null],
    ['over the socket cap', 3, 3, 'WS_MAX_SUBSCRIPTIONS_PER_SOCKET'],
    ['over the caller cap', 1, 4, 'WS_MAX_SUBSCRIPTIONS_PER_KEY'],
    ['over both: the socket is named', 3, 4, 'WS_MAX_SUBSCRIPTIONS_PER_SOCKET'],
  ])('%s', (_name, onSocket, ofCaller, limit) => {
    expect(subscriptionCapViolation(onSocket, ofCaller, caps)?.limit ?? null).toBe(limit);
  });
});

describe('withoutSuggestions', () => {
  it.each([
    ['a field suggestion', 'Cannot query field "tenantz" on type "Query". Did you mean "tenant" or "tenants"?', 'Cannot query field "tenantz" on type "Query".'],
    ['an enum suggestion', 'Value "USER_CREATE" does not exist in "E" enum. Did you mean the enum value "USER_CREATED"?', 'Value "USER_CREATE" does not exist in "E" enum.'],
    ['no suggestion', 'Syntax Error: Unexpected Name "x".', 'Syntax Error: Unexpected Name "x".'],
  ])('%s', (_name, message, expected) => {
    expect(withoutSuggestions({ message, extensions: { code: 'BAD_USER_INPUT' } })).toEqual({ message: expected, extensions: { code: 'BAD_USER_INPUT' } });
  });
});
