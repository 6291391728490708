import { randomBytes } from 'node:crypto';
import { parseApiKey } from '../../src/callers/api-key-secret';
import { CLI_OPERATOR } from '../../src/core/auth/principal';
import { bearer, startTestGateway, TestGateway } from '../support/gateway';
import { codesAt, overHttp, overWebSocket, wsClient } from './support/clients';

const ABOUT = { query: '{ gateway { simulator } }' };
const ANSWER = { data: { gateway: { simulator: false } } };

describe('credentials over HTTP and WebSocket', () => {
  const adminKey = randomBytes(32).toString('base64url');
  let gw: TestGateway;
  let key: string;

  beforeAll(async () => {
    gw = await startTestGateway({ env: { ADMIN_API_KEY: adminKey } });
    key = await gw.mintKey();
  });

  afterAll(async () => {
    await gw.stop();
  });

  describe('HTTP', () => {
    it.each([
      ['Authorization: Bearer <key>', () => bearer(key)],
      ['a lower-case bearer scheme', () => ({ authorization: `bearer ${key}` })],
      ['x-api-key', () => ({ 'x-api-key': key })],
      ['the bootstrap admin key', () => bearer(adminKey)],
    ])('accepts %s', async (_what, headers) => {
      expect(await overHttp(gw.graphqlUrl, ABOUT, headers())).toEqual(ANSWER);
    });

    it.each([
      ['no credential', () => ({}), 'missing', 'no credential was presented: a valid API key or bearer token is required'],
      ['an unknown key', () => bearer(`egk_${'a'.repeat(12)}_${'b'.repeat(43)}`), 'unknown', 'the credential is not known to this gateway'],
      ['a key with a wrong secret', () => bearer(`${key.slice(0, -4)}AAAA`), 'unknown', 'the credential is not known to this gateway'],
      ['a truncated key', () => bearer(key.slice(0, -1)), 'malformed', 'the credential is malformed: expected an API key egk_'],
      ['another scheme', () => ({ authorization: `Basic ${Buffer.from(`x:${key}`).toString('base64')}` }), 'malformed', 'the credential is malformed: expected "Bearer <credential>"'],
      ['an empty x-api-key', () => ({ 'x-api-key': ' ' }), 'malformed', 'the credential is malformed: an empty API key'],
      ['a near miss of the admin key', () => bearer(`${adminKey}x`), 'unknown', 'the credential is not known to this gateway'],
      ['a JWT while JWTs are off', () => bearer('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'), 'unknown', 'the credential is not known to this gateway'],
    ])('answers UNAUTHENTICATED (never a 500) for %s, saying the credential is %s', async (_what, headers, problem, message) => {
      const outcome = await overHttp(gw.graphqlUrl, ABOUT, headers());
      expect(outcome.data).toBeNull();
      expect(outcome.errors).toEqual([
        expect.objectContaining({ path: ['gateway'], message: expect.stringContaining(message), extensions: { code: 'UNAUTHENTICATED', credential: problem } }),
      ]);
    });

    it('stops accepting a key once it is revoked, and says so', async () => {
      const doomed = await gw.mintKey();
      expect(await overHttp(gw.graphqlUrl, ABOUT, bearer(doomed))).toEqual(ANSWER);
      await gw.services.apiKeys.revoke(parseApiKey(doomed)!.id, CLI_OPERATOR);
      const outcome = await overHttp(gw.graphqlUrl, ABOUT, bearer(doomed));
      expect(outcome.errors).toEqual([
        expect.objectContaining({ message: 'the API key was revoked', extensions: { code: 'UNAUTHENTICATED', credential: 'revoked' } }),
      ]);
      // The revoked answer is for the holder of the right secret only: a wrong one learns nothing.
      expect((await overHttp(gw.graphqlUrl, ABOUT, bearer(`${doomed.slice(0, -4)}AAAA`))).errors).toEqual([
        expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', credential: 'unknown' } }),
      ]);
    });
  });

  describe('WebSocket connection_init', () => {
    const clients: ReturnType<typeof wsClient>[] = [];
    const socket = (params?: Record<string, unknown>) => {
      const client = wsClient(gw.graphqlUrl, params);
      clients.push(client);
      return client;
    };

    afterAll(async () => {
      await Promise.all(clients.map((client) => client.dispose()));
    });

    it.each([
      ['{ authorization: "Bearer <key>" }', () => bearer(key)],
      ['{ Authorization: "Bearer <key>" } (as Sandbox may send it)', () => ({ Authorization: `Bearer ${key}` })],
      ['{ apiKey }', () => ({ apiKey: key })],
    ])('accepts %s', async (_what, params) => {
      expect(await overWebSocket(socket(params()), ABOUT)).toEqual(ANSWER);
    });

    it('refuses the connection without a credential (4401 Unauthorized)', async () => {
      expect(await overWebSocket(socket(), { query: 'subscription { heartbeat(count: 1) { sequence } }' })).toEqual({ closeCode: 4401 });
      expect(await overWebSocket(socket({}), ABOUT)).toEqual({ closeCode: 4401 });
    });

    it.each([
      ['an unknown key', () => ({ apiKey: `egk_${'a'.repeat(12)}_${'b'.repeat(43)}` })],
      ['another scheme', () => ({ authorization: `Basic ${key}` })],
      ['a non-string credential', () => ({ apiKey: 42 })],
    ])('refuses the connection (4403 Forbidden) for %s', async (_what, params) => {
      expect(await overWebSocket(socket(params()), ABOUT)).toEqual({ closeCode: 4403 });
    });
  });

  it('lets Apollo Sandbox load its page and the schema before a key is entered', async () => {
    const page = await fetch(gw.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await overHttp(gw.graphqlUrl, { query: '{ __schema { queryType { name } } }' })).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('never writes a key to the log', () => {
    expect(gw.logs.text()).not.toContain(parseApiKey(key)!.secret);
    expect(gw.logs.text()).not.toContain(adminKey);
  });
});
