/** The id convention (README, "Errors"): a malformed tenant id is BAD_USER_INPUT on every field that takes one. */
import { checkAccess } from '../../src/core/auth/access';
import { ALL_SCOPES, ApiScope, type Principal } from '../../src/core/auth/principal';

const A = '11111111-1111-4111-8111-111111111111';
const everything: Principal = { kind: 'cli', id: 'cli', scopes: new Set(ALL_SCOPES), tenants: 'ALL' };
const onlyA: Principal = { kind: 'api_key', id: 'k', scopes: new Set(ALL_SCOPES), tenants: new Set([A]) };
const rule = (tenantArg: string) => ({ scope: ApiScope.DIRECTORY_READ, tenantArg });
const outcome = (fn: () => void): string => {
  try {
    fn();
    return 'allowed';
  } catch (error) {
    const { extensions, message } = error as { extensions: { code: string }; message: string };
    return `${extensions.code}: ${message}`;
  }
};

describe('tenant ids at a field\'s tenantArg', () => {
  it.each([
    ['a malformed id', everything, 'tenantId', { tenantId: 'abc' }, 'BAD_USER_INPUT: tenantId: expected a tenant id (a GUID like 00000000-0000-0000-0000-000000000000), got "abc"'],
    ['a malformed id, for a key limited to other tenants', onlyA, 'tenantId', { tenantId: 'abc' }, 'BAD_USER_INPUT: tenantId: expected a tenant id'],
    ['a malformed id in a list', everything, 'input.tenantIds', { input: { tenantIds: [A, 'x'] } }, 'BAD_USER_INPUT: input.tenantIds: expected a tenant id (a GUID like 00000000-0000-0000-0000-000000000000), got "x"'],
    ['an id with braces', everything, 'id', { id: `{${A}}` }, 'BAD_USER_INPUT: id: expected a tenant id'],
    ['an upper-case GUID', everything, 'id', { id: A.toUpperCase() }, 'allowed'],
    ['a well-formed id of another tenant', onlyA, 'tenantId', { tenantId: '22222222-2222-4222-8222-222222222222' }, 'FORBIDDEN'],
    ['no caller: UNAUTHENTICATED first, whatever the id', null, 'tenantId', { tenantId: 'abc' }, 'UNAUTHENTICATED'],
    ['an absent optional argument', everything, 'tenantId', {}, 'allowed'],
  ])('%s', (_name, principal, tenantArg, args, expected) => {
    expect(outcome(() => checkAccess({ principal }, rule(tenantArg), args))).toMatch(new RegExp(`^${expected.replace(/[()[\]{}.*+?^$|\\]/g, '\\$&')}`));
  });
});
