/**
 * Hostile and malformed input over HTTP (issue 11, items 1, 3, 4, 8, 9): every refusal is a GraphQL-style JSON
 * error with a code, nothing echoes or logs the body, a huge document does not stall /healthz, persisted
 * queries cannot be registered, and every answer carries nosniff and framing protection.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PERSISTED_QUERIES_OFF } from '../../src/server/gateway';
import { bearer, startTestGateway, TestGateway } from '../support/gateway';
import { anonymousHttpFlood } from './support/attacker';

const SECRET = 'SuperSecret123!';

interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  headers: Headers;
}

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text(), headers: response.headers };
}

/** The GraphQL-style error body: `{ errors: [{ message, extensions: { code } }] }`. */
function errorsOf(answer: Answer): Array<{ message: string; extensions?: { code?: string } }> {
  expect(answer.contentType).toMatch(/^application\/json/);
  return (JSON.parse(answer.text) as { errors: Array<{ message: string; extensions?: { code?: string } }> }).errors;
}

/** The slowest of a few /healthz answers with nothing else going on: what this (busy) machine gives anyway. */
async function slowestHealthzAtRest(url: string): Promise<number> {
  let slowest = 0;
  for (let i = 0; i < 10; i += 1) {
    const started = performance.now();
    await (await fetch(`${url}/healthz`)).text();
    slowest = Math.max(slowest, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return slowest;
}

/** Polls /healthz every 20 ms while `attack` runs; the slowest answer, in ms. */
async function slowestHealthzDuring(url: string, attack: Promise<unknown>): Promise<number> {
  let done = false;
  const finished = attack.finally(() => {
    done = true;
  });
  let slowest = 0;
  while (!done) {
    const started = performance.now();
    const response = await fetch(`${url}/healthz`);
    await response.text();
    slowest = Math.max(slowest, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await finished;
  return slowest;
}

describe('HTTP hardening', () => {
  let gw: TestGateway;
  let key: string;

  beforeAll(async () => {
    gw = await startTestGateway();
    key = await gw.mintKey();
  });

  afterAll(async () => {
    await gw.stop();
  });

  const errorLines = () => gw.logs.entries().filter((entry) => entry.level === 'error' || entry.level === 'fatal');

  describe('bodies that cannot be read (item 3)', () => {
    it('answers malformed JSON with a JSON error, and neither answer nor log holds the body', async () => {
      const answer = await post(gw.graphqlUrl, `{"query":"mutation { x }","variables":{"initialPassword":"${SECRET}"`);
      expect(answer.status).toBe(400);
      expect(errorsOf(answer)).toEqual([{ message: 'request body: expected a JSON object, received text that is not valid JSON', extensions: { code: 'BAD_USER_INPUT' } }]);
      expect(answer.text).not.toContain(SECRET);
      expect(gw.logs.text()).not.toContain(SECRET);
    });

    it('answers a body over the limit with 413 and a JSON error naming the limit', async () => {
      const answer = await post(gw.graphqlUrl, JSON.stringify({ query: '{ gateway { version } }', variables: { pad: 'x'.repeat(1_100_000) } }));
      expect(answer.status).toBe(413);
      expect(errorsOf(answer)).toEqual([{ message: expect.stringMatching(/^request body: expected at most 1048576 bytes, received \d+ bytes$/), extensions: { code: 'BAD_USER_INPUT' } }]);
    });

    it('answers an unknown content-encoding with 415 and a JSON error', async () => {
      const answer = await post(gw.graphqlUrl, JSON.stringify({ query: '{ gateway { version } }' }), { 'content-encoding': 'x-bogus' });
      expect(answer.status).toBe(415);
      expect(errorsOf(answer)).toEqual([{ message: 'Content-Encoding: expected identity, gzip, deflate or br, received "x-bogus"', extensions: { code: 'BAD_USER_INPUT' } }]);
    });

    it('answers a gzip body that is not gzip with a JSON error, no HTML, no stack', async () => {
      const answer = await post(gw.graphqlUrl, `not gzip ${SECRET}`, { 'content-encoding': 'gzip' });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(errorsOf(answer)[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(answer.text).not.toMatch(/<html|<pre|at .*\.js:\d+/i);
      expect(gw.logs.text()).not.toContain(SECRET);
    });

    it('still reads a well-formed gzip body', async () => {
      const answer = await post(gw.graphqlUrl, gzipSync(JSON.stringify({ query: '{ gateway { simulator } }' })), { 'content-encoding': 'gzip', ...bearer(key) });
      expect(JSON.parse(answer.text)).toEqual({ data: { gateway: { simulator: false } } });
    });

    it('writes no error-level log line for any of them', () => {
      expect(errorLines()).toEqual([]);
    });
  });

  describe('documents too deep for the parser (item 4)', () => {
    it('refuses a 5,000-deep selection with BAD_USER_INPUT and no error-level log', async () => {
      const query = `query { ${'tenants { edges { node {'.repeat(1667)} id ${'} } }'.repeat(1667)} }`;
      const answer = await post(gw.graphqlUrl, JSON.stringify({ query }), bearer(key));
      expect(answer.status).toBe(400);
      expect(errorsOf(answer)).toEqual([
        { message: 'query: expected brackets ({ [ () nested at most 64 deep, received a document nested deeper', extensions: { code: 'BAD_USER_INPUT' } },
      ]);
      expect(errorLines()).toEqual([]);
    });

    it('refuses a 20,000-deep list literal with BAD_USER_INPUT and no error-level log', async () => {
      const query = `query { tenant(id: ${'['.repeat(20_000)}"x"${']'.repeat(20_000)}) { id } }`;
      const answer = await post(gw.graphqlUrl, JSON.stringify({ query }), bearer(key));
      expect(answer.status).toBe(400);
      expect(errorsOf(answer)[0]).toEqual(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }));
      expect(errorLines()).toEqual([]);
    });

    it('refuses a document of more tokens than the limit as a syntax error', async () => {
      const query = `{ ${'gateway { version } '.repeat(3_000)} }`;
      const answer = await post(gw.graphqlUrl, JSON.stringify({ query }), bearer(key));
      expect(answer.status).toBe(400);
      expect(errorsOf(answer)).toEqual([
        // graphql-js's own message (with its typo).
        expect.objectContaining({ message: expect.stringMatching(/^Syntax Error: Document contains more tha[nt] 10000 tokens\. Parsing aborted\.$/), extensions: { code: 'BAD_USER_INPUT' } }),
      ]);
    });
  });

  describe('a large hostile document (item 1)', () => {
    it("checks the caller's identity before measuring the document: an anonymous deep query is UNAUTHENTICATED", async () => {
      const members = (inner: string) => `members { edges { node { ... on Group { ${inner} } } } }`;
      const query = `{ tenant(id: "00000000-0000-4000-8000-000000000001") { group(id: "00000000-0000-4000-8000-000000000002") { ${members(members(members(members('id'))))} } } }`;
      const anonymous = await post(gw.graphqlUrl, JSON.stringify({ query }));
      expect(errorsOf(anonymous)).toEqual([expect.objectContaining({ path: ['tenant'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
      const keyed = await post(gw.graphqlUrl, JSON.stringify({ query }), bearer(key));
      expect(errorsOf(keyed)).toEqual([{ message: 'query depth 15 exceeds the limit of 12', extensions: { code: 'BAD_USER_INPUT' } }]);
    });

    it('does not delay /healthz beyond a second while anonymous 950 KB documents are refused', async () => {
      const atRest = await slowestHealthzAtRest(gw.url);
      const attack = anonymousHttpFlood(gw.graphqlUrl, 3, 950_000);
      const slowest = await slowestHealthzDuring(gw.url, attack);
      const { queryLength, answers } = await attack;
      expect(queryLength).toBeGreaterThan(900_000);
      expect(answers.map((answer) => [answer.status, answer.body.errors[0].message])).toEqual(
        answers.map(() => [400, `query: expected a document of at most 100000 bytes, received ${queryLength} bytes`]),
      );
      // A behaviour bound (the event loop stayed free), not a benchmark: the stall was 13 s and more; this machine is
      // shared, so the bound is generous over what /healthz takes at rest.
      expect(slowest).toBeLessThan(atRest + 2_000);
    });
  });

  describe('automatic persisted queries (item 8)', () => {
    it('are off: an anonymous caller cannot register a document', async () => {
      const query = '{ __typename }';
      const sha256Hash = createHash('sha256').update(query).digest('hex');
      const register = await post(gw.graphqlUrl, JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } }));
      const refused = [{ message: PERSISTED_QUERIES_OFF, extensions: { code: 'BAD_USER_INPUT' } }];
      expect(errorsOf(register)).toEqual(refused);
      const replay = await post(gw.graphqlUrl, JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash } } }));
      expect(errorsOf(replay)).toEqual(refused);
    });
  });

  describe('security headers (item 9)', () => {
    const expectProtected = (headers: Headers) => {
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('x-frame-options')).toBe('DENY');
      expect(headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    };

    it('are on GraphQL answers, errors included', async () => {
      expectProtected((await post(gw.graphqlUrl, JSON.stringify({ query: '{ gateway { version } }' }), bearer(key))).headers);
      expectProtected((await post(gw.graphqlUrl, '{not json')).headers);
    });

    it('are on the explorer page', async () => {
      const response = await fetch(gw.graphqlUrl, { headers: { accept: 'text/html' } });
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expectProtected(response.headers);
    });

    it('are on the OAuth callbacks', async () => {
      for (const path of ['/oauth/callback', '/oauth/admin-callback']) {
        const response = await fetch(`${gw.url}${path}?state=forged&code=x`, { redirect: 'manual' });
        expectProtected(response.headers);
      }
    });

    it('send no CORS header by default, whatever the origin', async () => {
      const answer = await post(gw.graphqlUrl, JSON.stringify({ query: '{ gateway { version } }' }), { origin: 'https://app.example.com', ...bearer(key) });
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});

describe('CORS allow-list (item 9)', () => {
  let gw: TestGateway;
  let key: string;
  const ALLOWED = 'https://app.example.com';

  beforeAll(async () => {
    gw = await startTestGateway({ env: { CORS_ALLOWED_ORIGINS: `${ALLOWED}, http://localhost:5173` } });
    key = await gw.mintKey();
  });

  afterAll(async () => {
    await gw.stop();
  });

  const preflight = (origin: string) =>
    fetch(gw.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });

  it('answers an allowed origin with its own Allow-Origin', async () => {
    const answer = await post(gw.graphqlUrl, JSON.stringify({ query: '{ gateway { simulator } }' }), { origin: ALLOWED, ...bearer(key) });
    expect(answer.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(answer.headers.get('vary')).toMatch(/Origin/);
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    expect(JSON.parse(answer.text)).toEqual({ data: { gateway: { simulator: false } } });
  });

  it('gives a refused origin no Allow-Origin, so the browser withholds the answer', async () => {
    const answer = await post(gw.graphqlUrl, JSON.stringify({ query: '{ gateway { simulator } }' }), { origin: 'https://evil.example.net', ...bearer(key) });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the preflight of an allowed origin with the methods and headers', async () => {
    const response = await preflight('http://localhost:5173');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(response.headers.get('access-control-allow-headers')).toContain('content-type');
  });

  it('refuses the preflight of another origin with a JSON error and no Allow-Origin', async () => {
    const response = await preflight('https://app.example.com.evil.net');
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.json()).toEqual({
      errors: [{ message: 'origin https://app.example.com.evil.net: expected one of the origins in CORS_ALLOWED_ORIGINS, received another', extensions: { code: 'FORBIDDEN' } }],
    });
  });
});
