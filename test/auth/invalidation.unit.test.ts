/** The transport-free part of cache invalidation: payloads in and out, the dispatcher, the bounded cache. */
import { BoundedCache, decodeInvalidation, encodeInvalidation, InvalidationDispatcher, type InvalidationSignal } from '../../src/core/invalidation';
import { jwtProblem } from '../../src/callers/jwt';
import { credentialRefusal } from '../../src/core/auth/principal';

describe('invalidation payloads', () => {
  it.each([
    ['api_key:abcdefghijk2', { kind: 'api_key', id: 'abcdefghijk2' }],
    ['tenant:6F1C2E3D-0000-4000-8000-0000000000A1', { kind: 'tenant', id: '6f1c2e3d-0000-4000-8000-0000000000a1' }],
    ['tier:*', { kind: 'tier', id: '*' }],
    ['mappings:6f1c2e3d-0000-4000-8000-0000000000a1', { kind: 'mappings', id: '6f1c2e3d-0000-4000-8000-0000000000a1' }],
    ['snapshot:6F1C2E3D-0000-4000-8000-0000000000A1', { kind: 'snapshot', id: '6f1c2e3d-0000-4000-8000-0000000000a1' }],
    ['freshness:6F1C2E3D-0000-4000-8000-0000000000A1@1796050000123', { kind: 'freshness', id: '6f1c2e3d-0000-4000-8000-0000000000a1', at: new Date(1796050000123) }],
    ['freshness:6f1c2e3d-0000-4000-8000-0000000000a1', null],
    ['freshness:6f1c2e3d-0000-4000-8000-0000000000a1@', null],
    ['freshness:6f1c2e3d-0000-4000-8000-0000000000a1@12x', null],
    ['freshness:*@1796050000123', null],
    ['users:1', null],
    ['tenant:', null],
    [':x', null],
    ['tenant', null],
    ['', null],
    [undefined, null],
    [`tenant:${'x'.repeat(201)}`, null],
  ])('decodes %p as %p', (payload, expected) => {
    expect(decodeInvalidation(payload)).toEqual(expected);
  });

  it('encodes what it decodes', () => {
    expect(decodeInvalidation(encodeInvalidation({ kind: 'tier', id: 'abc' }))).toEqual({ kind: 'tier', id: 'abc' });
    const freshness = { kind: 'freshness' as const, id: '6f1c2e3d-0000-4000-8000-0000000000a1', at: new Date(1796050000123) };
    expect(decodeInvalidation(encodeInvalidation(freshness))).toEqual(freshness);
  });
});

describe('InvalidationDispatcher', () => {
  it('is live only while connected, resets listeners on both edges, delivers decoded messages and ignores junk', async () => {
    const bus = new InvalidationDispatcher();
    const seen: InvalidationSignal[] = [];
    bus.subscribe((signal) => seen.push(signal));
    expect(bus.live).toBe(false);
    bus.connected();
    expect(bus.live).toBe(true);
    const waited = bus.next((m) => m.kind === 'tenant');
    bus.deliver('junk');
    bus.deliver('tenant:ABC');
    await waited;
    bus.disconnected();
    expect(bus.live).toBe(false);
    expect(seen).toEqual([{ kind: 'reset' }, { kind: 'tenant', id: 'abc' }, { kind: 'reset' }]);
    expect(bus.delivered).toBe(1);
  });
});

describe('BoundedCache', () => {
  it('holds at most its size, forgetting the least recently used first', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.size]).toEqual([1, undefined, 3, 2]);
  });

  it('keeps an entry that was hit for at least half its size of further insertions, moving only entries that old', () => {
    const cache = new BoundedCache<string, number>(10);
    for (let i = 0; i < 10; i += 1) cache.set(`k${i}`, i);
    expect(cache.get('k0')).toBe(0); // placed 10 ago: moved to the recent end
    expect(cache.get('k9')).toBe(9); // placed just now: stays where it is, among the newest half
    for (let i = 0; i < 5; i += 1) cache.set(`n${i}`, i);
    expect(['k0', 'k9', 'k1', 'k5', 'k6'].map((key) => cache.get(key))).toEqual([0, 9, undefined, undefined, 6]);
    expect(cache.size).toBe(10);
  });

  it('refuses a value read before an invalidation (the version moved)', () => {
    const cache = new BoundedCache<string, number>(10);
    const version = cache.version;
    cache.delete('a'); // an invalidation arrives while the reader waits for the database
    expect(cache.set('a', 1, version)).toBe(false);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.set('a', 2, cache.version)).toBe(true);
    const before = cache.version;
    cache.clear();
    expect(cache.set('a', 3, before)).toBe(false);
  });

  it.each([0, -1, 1.5])('refuses size %p', (size) => {
    expect(() => new BoundedCache(size)).toThrow(/expected a positive integer size, received/);
  });
});

describe('credential problems', () => {
  it.each([
    ['ERR_JWT_EXPIRED', 'expired'],
    ['ERR_JWS_INVALID', 'malformed'],
    ['ERR_JWT_INVALID', 'malformed'],
    ['ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'unknown'],
    ['ERR_JWT_CLAIM_VALIDATION_FAILED', 'unknown'],
    ['ERR_JOSE_ALG_NOT_ALLOWED', 'unknown'],
    ['ERR_JWKS_NO_MATCHING_KEY', 'unknown'],
  ])('a JWT refused with %s is %s', (code, problem) => {
    expect(jwtProblem(code)).toBe(problem);
  });

  it.each([
    ['missing', undefined, /^no credential was presented: a valid API key or bearer token is required/],
    ['malformed', 'an empty API key', /^the credential is malformed: an empty API key$/],
    ['malformed', undefined, /^the credential is malformed: expected an API key \(egk_<id>_<secret>\) or a JWT/],
    ['unknown', undefined, /^the credential is not known to this gateway/],
    ['revoked', undefined, /^the API key was revoked$/],
    ['expired', undefined, /^the token has expired$/],
  ] as const)('%s (%p) reads %p', (problem, detail, message) => {
    expect(credentialRefusal(problem, detail)).toEqual({ problem, message: expect.stringMatching(message) });
  });
});
