import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config';
import { ANY_CALLER, checkAccess, tenantIdsAt } from '../../src/core/auth/access';
import { credentialFromConnectionParams, credentialFromHeaders } from '../../src/callers/credentials';
import { principalFromClaims } from '../../src/callers/jwt';
import { ApiScope, decideAccess, describePrincipal, type Principal } from '../../src/core/auth/principal';
import { rightsExceeding, shouldRecordUse } from '../../src/core/auth/rights';

const A = '11111111-1111-1111-1111-111111111111';
const B = '22222222-2222-2222-2222-222222222222';
const caller = (scopes: ApiScope[], tenants: Principal['tenants'] = 'ALL'): Principal => ({ kind: 'api_key', id: 'k1', scopes: new Set(scopes), tenants });

describe('decideAccess', () => {
  it('opens a field to a caller holding any one of its scopes, on every named tenant', () => {
    const reader = caller([ApiScope.DIRECTORY_READ], new Set([A]));
    expect(decideAccess(reader, [ApiScope.TENANTS_ADMIN, ApiScope.DIRECTORY_READ], [A])).toEqual({ allowed: true });
    expect(decideAccess(reader, [ApiScope.TENANTS_ADMIN, ApiScope.EVENTS_READ], [])).toEqual({
      allowed: false,
      code: 'FORBIDDEN',
      reason: 'this caller lacks the tenants:admin or events:read scope',
    });
    expect(decideAccess(reader, null, [A, B])).toEqual({ allowed: false, code: 'FORBIDDEN', reason: `this caller may not access tenant ${B}` });
    expect(decideAccess(null, null, [])).toMatchObject({ allowed: false, code: 'UNAUTHENTICATED' });
  });

  it('names callers for audit columns', () => {
    expect(describePrincipal(caller([]))).toBe('api_key:k1');
    expect(describePrincipal({ kind: 'jwt', id: 'user-1', scopes: new Set(), tenants: 'ALL' })).toBe('jwt:user-1');
    expect(describePrincipal({ kind: 'bootstrap', id: 'bootstrap', scopes: new Set(), tenants: 'ALL' })).toBe('bootstrap');
  });
});

describe('@Access checks', () => {
  it('finds tenant ids at a dotted path: one, a list, or none', () => {
    expect(tenantIdsAt({ id: A.toUpperCase() }, 'id')).toEqual([A]);
    expect(tenantIdsAt({ input: { tenantIds: [A, B] } }, 'input.tenantIds')).toEqual([A, B]);
    expect(tenantIdsAt({ input: { tenantIds: null } }, 'input.tenantIds')).toEqual([]);
    expect(tenantIdsAt({}, 'input.tenantIds')).toEqual([]);
  });

  it('throws coded errors', () => {
    const rule = { scope: ApiScope.DIRECTORY_READ, tenantArg: 'tenantId' };
    expect(() => checkAccess({ principal: null }, rule, { tenantId: A })).toThrow(expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } }));
    expect(() => checkAccess({ principal: caller([ApiScope.DIRECTORY_READ], new Set([A])) }, rule, { tenantId: B })).toThrow(
      expect.objectContaining({ extensions: { code: 'FORBIDDEN' } }),
    );
    expect(() => checkAccess({ principal: caller([ApiScope.DIRECTORY_READ], new Set([A])) }, rule, { tenantId: A })).not.toThrow();
    expect(() => checkAccess({ principal: caller([]) }, { scope: ANY_CALLER }, {})).not.toThrow();
  });
});

describe('rights', () => {
  const adminOfA = caller([ApiScope.TENANTS_ADMIN, ApiScope.DIRECTORY_READ], new Set([A]));

  it('allows a subset and names what exceeds', () => {
    expect(rightsExceeding(adminOfA, { scopes: [ApiScope.DIRECTORY_READ], tenantIds: [A] })).toBeNull();
    expect(rightsExceeding(adminOfA, { scopes: [ApiScope.EVENTS_READ, ApiScope.DIRECTORY_WRITE], tenantIds: [A] })).toBe(
      'this caller lacks the scope(s) events:read, directory:write and cannot grant them',
    );
    expect(rightsExceeding(adminOfA, { scopes: [ApiScope.DIRECTORY_READ], tenantIds: [A, B] })).toBe(`this caller may not access tenant(s) ${B}`);
    expect(rightsExceeding(adminOfA, { scopes: [ApiScope.DIRECTORY_READ], tenantIds: null })).toMatch(/cannot grant access to all tenants/);
    expect(rightsExceeding(caller([ApiScope.DIRECTORY_READ]), { scopes: [ApiScope.DIRECTORY_READ], tenantIds: null })).toBeNull();
  });

  it('records a use when none was recorded or a minute has passed', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(shouldRecordUse(null, at)).toBe(true);
    expect(shouldRecordUse(at, new Date(at.getTime() + 59_999))).toBe(false);
    expect(shouldRecordUse(at, new Date(at.getTime() + 60_000))).toBe(true);
  });
});

describe('where credentials are read from', () => {
  it.each([
    [{}, { kind: 'none' }],
    [{ authorization: 'Bearer abc' }, { kind: 'secret', secret: 'abc' }],
    [{ authorization: 'BEARER  abc ' }, { kind: 'secret', secret: 'abc' }],
    [{ 'x-api-key': ' abc ' }, { kind: 'secret', secret: 'abc' }],
    [{ authorization: 'Bearer abc', 'x-api-key': 'def' }, { kind: 'secret', secret: 'abc' }],
    [{ authorization: 'Basic abc' }, { kind: 'unusable', reason: 'expected "Bearer <credential>"' }],
    [{ authorization: 'Bearer a b' }, { kind: 'unusable', reason: 'expected "Bearer <credential>"' }],
    [{ 'x-api-key': '' }, { kind: 'unusable', reason: 'an empty API key' }],
  ])('HTTP headers %j', (headers, expected) => {
    expect(credentialFromHeaders(headers)).toEqual(expected);
  });

  it.each([
    [undefined, { kind: 'none' }],
    [{}, { kind: 'none' }],
    [{ authorization: 'Bearer abc' }, { kind: 'secret', secret: 'abc' }],
    [{ Authorization: 'Bearer abc' }, { kind: 'secret', secret: 'abc' }],
    [{ apiKey: 'abc' }, { kind: 'secret', secret: 'abc' }],
    [{ authorization: 7 }, { kind: 'unusable', reason: 'authorization is not a string' }],
    [{ apiKey: ['abc'] }, { kind: 'unusable', reason: 'apiKey is not a string' }],
  ])('connection_init payload %j', (params, expected) => {
    expect(credentialFromConnectionParams(params)).toEqual(expected);
  });
});

describe('JWT claims to a principal', () => {
  const config = { tenantsClaim: 'tenants', scopesClaim: 'scp' };

  it('keeps only the gateway scopes and the listed tenants', () => {
    expect(principalFromClaims({ sub: 'u1', scp: ['directory:read', 'User.Read', 7], tenants: [A, 3] }, config)).toEqual({
      kind: 'jwt',
      id: 'u1',
      scopes: new Set(['directory:read']),
      tenants: new Set([A]),
    });
    expect(principalFromClaims({ sub: 'u1', scp: 'events:read', tenants: '*' }, config)).toMatchObject({ scopes: new Set(['events:read']), tenants: 'ALL' });
    expect(principalFromClaims({ sub: 'u1', tenants: A }, config)).toMatchObject({ scopes: new Set(), tenants: new Set() });
  });
});

describe('JWT configuration', () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return error.problems.map((p) => `${p.variable}: ${p.expected}`);
    }
  };
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

  it('is off by default, with the default claim names when on', () => {
    expect(loadConfig({}).jwt).toBeNull();
    expect(loadConfig({ JWT_JWKS_URL: 'https://auth.example.com/jwks', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' }).jwt).toEqual({
      key: { jwksUrl: 'https://auth.example.com/jwks' },
      issuer: 'i',
      audience: 'a',
      tenantsClaim: 'entra_gateway_tenants',
      scopesClaim: 'scope',
    });
  });

  it('accepts a PEM with \\n escapes, as environment files hold it', () => {
    const jwt = loadConfig({ JWT_PUBLIC_KEY: pem.trim().replace(/\n/g, '\\n'), JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' }).jwt;
    expect(jwt?.key).toEqual({ publicKeyPem: pem.trim() });
  });

  it('requires the issuer and audience once a key source is set, and one key source', () => {
    expect(problems({ JWT_JWKS_URL: 'https://auth.example.com/jwks' })).toEqual([
      'JWT_ISSUER: the expected iss claim (JWT_JWKS_URL is set)',
      'JWT_AUDIENCE: the expected aud claim (JWT_JWKS_URL is set)',
    ]);
    expect(problems({ JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' })).toEqual(['JWT_JWKS_URL: a JWKS URL (or JWT_PUBLIC_KEY) (JWT_ISSUER is set)']);
    expect(problems({ JWT_JWKS_URL: 'https://x.example.com/jwks', JWT_PUBLIC_KEY: pem, JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' })).toEqual([
      'JWT_PUBLIC_KEY: to be unset when JWT_JWKS_URL is set (one key source)',
    ]);
    expect(problems({ JWT_PUBLIC_KEY: 'not a key', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' })).toEqual([expect.stringMatching(/^JWT_PUBLIC_KEY: an RSA or EC public key in PEM/)]);
  });
});
