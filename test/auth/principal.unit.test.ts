import { ApiScope, decide, parseScopes, type Principal } from '../../src/core/auth/principal';
import { mintApiKey, parseApiKey, secretMatches } from '../../src/callers/api-key-secret';

const keyFor = (scopes: ApiScope[], tenants: Principal['tenants']): Principal => ({
  kind: 'api_key',
  id: 'k1',
  scopes: new Set(scopes),
  tenants,
});

describe('authorization decisions', () => {
  const tenantA = '11111111-1111-1111-1111-111111111111';
  const tenantB = '22222222-2222-2222-2222-222222222222';

  it('requires a principal', () => {
    expect(decide(null, ApiScope.DIRECTORY_READ, tenantA)).toMatchObject({ allowed: false, code: 'UNAUTHENTICATED' });
  });
  it('requires the scope', () => {
    expect(decide(keyFor([ApiScope.EVENTS_READ], 'ALL'), ApiScope.DIRECTORY_READ, tenantA)).toEqual({
      allowed: false,
      code: 'FORBIDDEN',
      reason: 'this caller lacks the directory:read scope',
    });
  });
  it('confines a key to its tenants', () => {
    const key = keyFor([ApiScope.DIRECTORY_READ], new Set([tenantA]));
    expect(decide(key, ApiScope.DIRECTORY_READ, tenantA)).toEqual({ allowed: true });
    expect(decide(key, ApiScope.DIRECTORY_READ, tenantB)).toMatchObject({ allowed: false, code: 'FORBIDDEN' });
  });
  it('lets an all-tenants key through', () => {
    expect(decide(keyFor([ApiScope.DIRECTORY_READ], 'ALL'), ApiScope.DIRECTORY_READ, tenantB)).toEqual({ allowed: true });
  });
  it('names unknown scopes', () => {
    expect(() => parseScopes(['directory:read', 'root'])).toThrow(/unknown scope\(s\) root/);
  });
});

describe('API key strings', () => {
  it('round-trips and checks the secret against the stored hash only', () => {
    const minted = mintApiKey();
    const parsed = parseApiKey(minted.key);
    expect(parsed?.id).toBe(minted.id);
    expect(secretMatches(parsed!.secret, minted.secretHash)).toBe(true);
    expect(secretMatches(parsed!.secret.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), minted.secretHash)).toBe(false);
    expect(minted.secretHash).not.toContain(parsed!.secret);
  });
  it.each(['', 'egk_short_x', 'Bearer egk_', 'egk_ABCDEFGHIJKL_' + 'a'.repeat(43)])('rejects %j without a lookup', (k) => {
    expect(parseApiKey(k)).toBeNull();
  });
});
