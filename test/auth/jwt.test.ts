import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, type KeyLike, SignJWT } from 'jose';
import type { JwtConfig } from '../../src/config';
import { createLogCapture, createLogger } from '../../src/logging';
import { createJwtVerifier, type JwtVerifier } from '../../src/callers/jwt';
import { ApiScope } from '../../src/core/auth/principal';
import { Tenant } from '../../src/tenants/tenant.entity';
import { bearer, startTestGateway, TestGateway } from '../support/gateway';
import { codesAt, overHttp, overWebSocket, wsClient } from './support/clients';

const ISSUER = 'https://product.example.com';
const AUDIENCE = 'entra-gateway';
const TENANT = '6f1c2e3d-0000-4000-8000-0000000000a1';

interface SigningKey {
  privateKey: KeyLike;
  publicKey: KeyLike;
  kid: string;
  alg: 'RS256' | 'ES256';
}

async function signingKey(alg: SigningKey['alg'], kid: string): Promise<SigningKey> {
  return { ...(await generateKeyPair(alg)), kid, alg };
}

function sign(key: SigningKey, claims: JWTPayload, opts: { issuer?: string; audience?: string; expiresIn?: string | number } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setSubject('user-42')
    .setIssuer(opts.issuer ?? ISSUER)
    .setAudience(opts.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '5m')
    .sign(key.privateKey);
}

/** A JWKS endpoint like the product's, on a free port. */
async function serveJwks(keys: SigningKey[]): Promise<{ url: string; close(): Promise<void> }> {
  const jwks = { keys: await Promise.all(keys.map(async (k) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: k.alg, use: 'sig' }))) };
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    close: () => new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT bearer tokens', () => {
  let rsa: SigningKey;
  let ec: SigningKey;
  let stranger: SigningKey;
  let jwks: Awaited<ReturnType<typeof serveJwks>>;
  let config: JwtConfig;
  const logs = createLogCapture();
  let verifier: JwtVerifier;

  beforeAll(async () => {
    [rsa, ec, stranger] = await Promise.all([signingKey('RS256', 'rsa-1'), signingKey('ES256', 'ec-1'), signingKey('RS256', 'rsa-1')]);
    jwks = await serveJwks([rsa, ec]);
    config = { key: { jwksUrl: jwks.url }, issuer: ISSUER, audience: AUDIENCE, tenantsClaim: 'entra_gateway_tenants', scopesClaim: 'scope' };
    verifier = createJwtVerifier(config, createLogger({ level: 'debug', destination: logs.destination }));
  });

  afterAll(async () => {
    await jwks.close();
  });

  describe('verification against a JWKS', () => {
    it('accepts RS256 and ES256 tokens and reads scopes (space separated or a list) and tenants', async () => {
      const fromRsa = await verifier.verify(await sign(rsa, { scope: 'directory:read events:read openid', entra_gateway_tenants: [TENANT.toUpperCase()] }));
      expect(fromRsa).toEqual({ kind: 'jwt', id: 'user-42', scopes: new Set(['directory:read', 'events:read']), tenants: new Set([TENANT]) });
      const fromEc = await verifier.verify(await sign(ec, { scope: ['tenants:admin'], entra_gateway_tenants: '*' }));
      expect(fromEc).toMatchObject({ scopes: new Set(['tenants:admin']), tenants: 'ALL' });
    });

    it('gives a token without a tenants claim no tenant', async () => {
      expect((await verifier.verify(await sign(rsa, { scope: 'directory:read' })))?.tenants).toEqual(new Set());
    });

    it.each([
      ['a wrong issuer', 'unexpected "iss" claim value', 'unknown', () => sign(rsa, { scope: 'directory:read' }, { issuer: 'https://evil.example.com' })],
      ['a wrong audience', 'unexpected "aud" claim value', 'unknown', () => sign(rsa, { scope: 'directory:read' }, { audience: 'another-api' })],
      ['an expired token', 'ERR_JWT_EXPIRED', 'expired', () => sign(rsa, { scope: 'directory:read' }, { expiresIn: Math.floor(Date.now() / 1000) - 600 })],
      ['a key the JWKS does not hold', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'unknown', () => sign(stranger, { scope: 'directory:read' })],
      [
        'alg none',
        'ERR_JOSE_ALG_NOT_ALLOWED',
        'unknown',
        async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'x', iss: ISSUER, aud: AUDIENCE, exp: 4102444800, scope: 'tenants:admin' })}.`,
      ],
      [
        'HS256 signed with the public key (algorithm confusion)',
        'ERR_JOSE_ALG_NOT_ALLOWED',
        'unknown',
        async () =>
          new SignJWT({ scope: 'tenants:admin' })
            .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
            .setSubject('x')
            .setIssuer(ISSUER)
            .setAudience(AUDIENCE)
            .setExpirationTime('5m')
            .sign(Buffer.from(await exportSPKI(rsa.publicKey))),
      ],
      ['a token without exp', 'missing required "exp" claim', 'unknown', () => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).setSubject('x').setIssuer(ISSUER).setAudience(AUDIENCE).sign(rsa.privateKey)],
      ['a mangled token', 'ERR_JWS_INVALID', 'malformed', async () => 'eyJub3QiOiJqc29u.eyJzdWIiOiJ4In0.c2ln'],
    ])('refuses %s (%s) as %s', async (_what, why, problem, token) => {
      const jwt = await token();
      expect(await verifier.check(jwt)).toEqual({ ok: false, problem });
      expect(await verifier.verify(jwt)).toBeNull();
      const refusal = logs.entries().at(-1);
      expect(refusal?.msg).toBe('JWT refused');
      expect([refusal?.reason, refusal?.detail]).toContain(why);
      expect(logs.text()).not.toContain(jwt);
    });
  });

  it('verifies against one configured public key (PEM) too', async () => {
    const pemVerifier = createJwtVerifier({ ...config, key: { publicKeyPem: await exportSPKI(ec.publicKey) } }, createLogger({ level: 'silent' }));
    expect(await pemVerifier.verify(await sign(ec, { scope: 'events:read' }))).toMatchObject({ kind: 'jwt', scopes: new Set(['events:read']) });
    expect(await pemVerifier.verify(await sign(rsa, { scope: 'events:read' }))).toBeNull();
  });

  describe('through the gateway', () => {
    let gw: TestGateway;
    let tenantA: string;
    let tenantB: string;

    beforeAll(async () => {
      gw = await startTestGateway({ env: { JWT_JWKS_URL: jwks.url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE } });
      const tenants = gw.database.dataSource.getRepository(Tenant);
      const tenant = (displayName: string) =>
        tenants.save(
          tenants.create({ displayName, entraTenantId: null, cloud: 'global', authMode: 'DELEGATED', status: 'ACTIVE', grantedScopes: [], features: [], syncIntervalSeconds: 900 }),
        );
      [tenantA, tenantB] = (await Promise.all([tenant('A'), tenant('B')])).map((t) => t.id);
    });

    afterAll(async () => {
      await gw.stop();
    });

    const createKey = `mutation ($tenantIds: [ID!]) { createApiKey(input: { name: "from jwt", scopes: [DIRECTORY_READ], tenantIds: $tenantIds }) { apiKey { createdBy tenantIds } } }`;

    it("confines a bearer to its token's tenants and scopes, over HTTP", async () => {
      const token = await sign(rsa, { scope: `${ApiScope.TENANTS_ADMIN} ${ApiScope.DIRECTORY_READ}`, entra_gateway_tenants: [tenantA] });
      const allowed = await overHttp(gw.graphqlUrl, { query: createKey, variables: { tenantIds: [tenantA] } }, bearer(token));
      expect(allowed).toEqual({ data: { createApiKey: { apiKey: { createdBy: 'jwt:user-42', tenantIds: [tenantA] } } } });
      const otherTenant = await overHttp(gw.graphqlUrl, { query: createKey, variables: { tenantIds: [tenantB] } }, bearer(token));
      expect(codesAt(otherTenant, 'createApiKey')).toEqual(['FORBIDDEN']);

      const reader = await sign(rsa, { scope: ApiScope.DIRECTORY_READ, entra_gateway_tenants: '*' });
      expect(codesAt(await overHttp(gw.graphqlUrl, { query: createKey, variables: { tenantIds: [tenantA] } }, bearer(reader)), 'createApiKey')).toEqual(['FORBIDDEN']);
    });

    it('answers UNAUTHENTICATED for a refused token over HTTP, and refuses it over WebSocket', async () => {
      const expired = await sign(rsa, { scope: 'tenants:admin' }, { expiresIn: Math.floor(Date.now() / 1000) - 600 });
      expect((await overHttp(gw.graphqlUrl, { query: '{ gateway { version } }' }, bearer(expired))).errors).toEqual([
        expect.objectContaining({ message: 'the token has expired', extensions: { code: 'UNAUTHENTICATED', credential: 'expired' } }),
      ]);
      const stranger = await sign(rsa, { scope: 'tenants:admin' }, { issuer: 'https://evil.example.com' });
      expect((await overHttp(gw.graphqlUrl, { query: '{ gateway { version } }' }, bearer(stranger))).errors).toEqual([
        expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', credential: 'unknown' } }),
      ]);
      const client = wsClient(gw.graphqlUrl, bearer(expired));
      try {
        expect(await overWebSocket(client, { query: '{ gateway { version } }' })).toEqual({ closeCode: 4403 });
      } finally {
        await client.dispose();
      }
    });

    it('closes a socket (4401) when its token expires, ending its subscriptions', async () => {
      const expiresAt = Math.floor(Date.now() / 1000) + 3;
      const client = wsClient(gw.graphqlUrl, bearer(await sign(ec, { scope: 'events:read' }, { expiresIn: expiresAt })));
      try {
        const heartbeats: unknown[] = [];
        const ended = await new Promise<{ code: number; reason: string }>((resolve, reject) => {
          client.subscribe(
            { query: 'subscription { heartbeat(intervalMs: 1000, count: 1000) { sequence } }' },
            {
              next: (result) => heartbeats.push(result),
              error: (error) => resolve(error as { code: number; reason: string }),
              complete: () => reject(new Error('completed instead of being closed')),
            },
          );
        });
        expect(ended).toMatchObject({ code: 4401, reason: 'Unauthorized: the token has expired' });
        // It ran until then, and was ended at (not long before) the token's expiry.
        expect(heartbeats.length).toBeGreaterThan(0);
        expect(Date.now()).toBeGreaterThanOrEqual(expiresAt * 1000);
      } finally {
        await client.dispose();
      }
    });

    it('accepts a valid token in connection_init', async () => {
      const client = wsClient(gw.graphqlUrl, bearer(await sign(ec, { scope: 'events:read' })));
      try {
        expect(await overWebSocket(client, { query: '{ gateway { simulator } }' })).toEqual({ data: { gateway: { simulator: false } } });
      } finally {
        await client.dispose();
      }
    });
  });
});
