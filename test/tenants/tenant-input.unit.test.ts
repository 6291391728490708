import { Feature } from '../../src/tenants/features';
import { decodeTenantCursor, encodeTenantCursor } from '../../src/tenants/tenant-cursor';
import { validateConnect, validateUpdate } from '../../src/tenants/tenant-input';
import { applicationTokenClaims } from '../../src/tenants/token-claims';

const rules = { cloud: 'global' as const, allowedReturnOrigins: ['https://app.example.com'] };
const valid = {
  displayName: '  Contoso  ',
  cloud: 'global' as const,
  authMode: 'DELEGATED' as const,
  features: [Feature.READ_POLICIES, Feature.READ_DIRECTORY, Feature.READ_POLICIES],
  returnUrl: 'https://app.example.com/done',
};

describe('connectTenant input', () => {
  it('normalises a valid input', () => {
    expect(validateConnect(valid, rules)).toEqual({
      ...valid,
      displayName: 'Contoso',
      features: [Feature.READ_DIRECTORY, Feature.READ_POLICIES],
      loginHint: null,
    });
  });

  it.each([
    [{ cloud: 'usgov-l4' as const }, "input.cloud: this gateway's app registration is in the global cloud (ENTRA_CLOUD); expected global, got usgov-l4"],
    [{ displayName: 'a\u0007b' }, 'input.displayName: expected no control characters'],
    [{ returnUrl: 'https://app.example.com.evil.example/' }, 'input.returnUrl: returnUrl origin https://app.example.com.evil.example is not in ALLOWED_RETURN_ORIGINS'],
    [{ loginHint: 'admin@contoso.com&prompt=none x' }, 'input.loginHint: expected a user principal name such as admin@contoso.com (at most 320 characters)'],
  ])('refuses %j', (change, message) => {
    expect(() => validateConnect({ ...valid, ...change }, rules)).toThrow(message);
  });
});

describe('updateTenant input', () => {
  it('keeps only what was given', () => {
    expect(validateUpdate({ syncIntervalSeconds: 60, displayName: null })).toEqual({ syncIntervalSeconds: 60 });
  });

  it('refuses a fractional sync interval', () => {
    expect(() => validateUpdate({ syncIntervalSeconds: 90.5 })).toThrow('input.syncIntervalSeconds: expected an integer from 60 to 86400, got 90.5');
  });
});

describe('tenant cursors', () => {
  it('round-trip a tenant id and refuse anything else', () => {
    const id = '0b6c6f3e-6a43-4c09-9d55-0f1b1f9e5a10';
    expect(decodeTenantCursor('after', encodeTenantCursor(id))).toBe(id);
    expect(() => decodeTenantCursor('after', Buffer.from(`tenant:x' OR 1=1`).toString('base64url'))).toThrow(
      'after: expected a cursor from a previous page (pageInfo.endCursor)',
    );
  });
});

describe('application token claims', () => {
  const jwt = (payload: unknown) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

  it('reads tid and the roles, sorted and without duplicates', () => {
    expect(applicationTokenClaims(jwt({ tid: 'AB3F9C2E-5B1A-4E8D-9F60-2C4B8A1E7D35', roles: ['User.Read.All', 'Policy.Read.All', 'User.Read.All', 7] }))).toEqual({
      tid: 'ab3f9c2e-5b1a-4e8d-9f60-2c4b8a1e7d35',
      roles: ['Policy.Read.All', 'User.Read.All'],
    });
    expect(applicationTokenClaims(jwt({ tid: 'ab3f9c2e-5b1a-4e8d-9f60-2c4b8a1e7d35' })).roles).toEqual([]);
  });

  it('names what is missing without echoing the token', () => {
    expect(() => applicationTokenClaims('secret-not-a-jwt')).toThrow('access token: expected a JWT with a JSON payload, got something else');
    expect(() => applicationTokenClaims(jwt({ roles: [] }))).toThrow('access token: expected a tenant id (tid) claim');
  });
});
