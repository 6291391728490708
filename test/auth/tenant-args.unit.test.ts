/** Tenant-id arguments are lower-cased at the edge (lowerCaseTenantArgs) and compared without regard to case. */
import { lowerCaseTenantArgs } from '../../src/core/auth/access';
import { ApiScope, decideAccess, type Principal } from '../../src/core/auth/principal';

const A = '6f1c2e3d-0000-4000-8000-0000000000a1';

describe('lowerCaseTenantArgs', () => {
  it.each([
    ['a single id', { id: A.toUpperCase(), first: 3 }, 'id', { id: A, first: 3 }],
    ['a list in an input', { input: { name: 'X', tenantIds: [A.toUpperCase(), 'ABC'] } }, 'input.tenantIds', { input: { name: 'X', tenantIds: [A, 'abc'] } }],
    ['an absent argument', { first: 3 }, 'id', { first: 3 }],
    ['a null argument', { id: null }, 'id', { id: null }],
    ['a null input', { input: null }, 'input.tenantIds', { input: null }],
  ])('%s', (_what, args, path, expected) => {
    const before = JSON.stringify(args);
    expect(lowerCaseTenantArgs(args as Record<string, unknown>, path)).toEqual(expected);
    expect(JSON.stringify(args)).toBe(before);
  });
});

describe('decideAccess compares tenant ids without regard to case', () => {
  const confined: Principal = { kind: 'api_key', id: 'k', scopes: new Set([ApiScope.DIRECTORY_READ]), tenants: new Set([A]) };
  it.each([
    [A, true],
    [A.toUpperCase(), true],
    ['6F1C2E3D-0000-4000-8000-0000000000A2', false],
  ])('%s -> allowed %p', (tenantId, allowed) => {
    expect(decideAccess(confined, [ApiScope.DIRECTORY_READ], [tenantId]).allowed).toBe(allowed);
  });
});
