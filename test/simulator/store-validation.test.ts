/** The store's input validation as pure functions (store-validation.ts): Graph's checks, order and messages. */
import { SimGraphError } from '../../src/simulator/errors';
import type { SimGroup } from '../../src/simulator/model';
import {
  checkDynamic,
  checkMemberAdd,
  checkMemberRemove,
  checkUpn,
  upnWellFormed,
  validateGroupPatch,
  validateNewGroup,
  validateNewUser,
  validatePolicyPatch,
  validateUserPatch,
} from '../../src/simulator/store-validation';

function messageOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimGraphError) return e.message;
    throw e;
  }
  return undefined;
}

function errorOf(fn: () => unknown): SimGraphError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimGraphError) return e;
    throw e;
  }
  return undefined;
}

const user = { accountEnabled: true, displayName: 'Rae', mailNickname: 'rae', userPrincipalName: 'rae@x.test', passwordProfile: { password: 'Str0ng!Passw0rd' } };

describe('users', () => {
  test('a valid body passes; required properties come first, then the password, types, complexity, mailNickname', () => {
    expect(messageOf(() => validateNewUser(user))).toBeUndefined();
    expect(messageOf(() => validateNewUser({ ...user, displayName: '', passwordProfile: undefined }))).toBe(
      'Property displayName value is required but is empty or missing.',
    );
    expect(messageOf(() => validateNewUser({ ...user, passwordProfile: undefined }))).toBe('A password must be specified to create a new user.');
    expect(messageOf(() => validateNewUser({ ...user, jobTitle: 5 as unknown as string, passwordProfile: { password: 'weak' } }))).toBe(
      "Invalid value specified for property 'jobTitle' of resource 'User'.",
    );
    expect(messageOf(() => validateNewUser({ ...user, passwordProfile: { password: 'weakpassword' } }))).toMatch(/password complexity/);
    expect(messageOf(() => validateNewUser({ ...user, mailNickname: 'a b' }))).toBe("Invalid value specified for property 'mailNickname' of resource 'User'.");
  });

  test('patches: unknown and read-only properties, the password only when set', () => {
    expect(messageOf(() => validateUserPatch({ jobTitle: 'Lead' }))).toBeUndefined();
    expect(messageOf(() => validateUserPatch({ id: 'x' }))).toBe("Property 'id' is read-only and cannot be set.");
    expect(messageOf(() => validateUserPatch({ nickname: 'x' } as never))).toBe("Property 'nickname' does not exist as a declared property or extension property.");
    expect(messageOf(() => validateUserPatch({ passwordProfile: { password: 'short' } }))).toMatch(/password complexity/);
  });

  test('UPN: a verified domain, then no other holder', () => {
    const domains = [{ name: 'X.test' }];
    expect(messageOf(() => checkUpn('rae@x.test', domains, undefined, undefined))).toBeUndefined();
    expect(messageOf(() => checkUpn('rae@y.test', domains, undefined, undefined))).toMatch(/^The domain portion of the userPrincipalName/);
    expect(messageOf(() => checkUpn('@x.test', domains, undefined, undefined))).toMatch(/^The domain portion/);
    expect(messageOf(() => checkUpn('rae@x.test', domains, 'other', 'self'))).toBe('Another object with the same value for property userPrincipalName already exists.');
    expect(messageOf(() => checkUpn('rae@x.test', domains, 'self', 'self'))).toBeUndefined();
  });

  test.each<[string, boolean]>([
    ["o'brien.sean-2_x!#^~@x.test", true],
    ['Nora.Finch@x.test', true],
    ['x_contoso.com#EXT#@x.test', true],
    ['a/../b@x.test', false],
    ...['=', '?', '{', '}', '|', '*', '+', '$', '%', '&', '`', '"', ' ', '/', '(', ',', 'é'].map((c): [string, boolean] => [`a${c}b@x.test`, false]),
    ['rae.@x.test', false],
    ['rae@@x.test', false],
    ['a@b@x.test', false],
    [`${'a'.repeat(64)}@x.test`, true],
    [`${'a'.repeat(65)}@x.test`, false],
    [`rae@${'d'.repeat(43)}.test`, true],
    [`rae@${'d'.repeat(44)}.test`, false],
  ])('UPN rule: %s -> %s', (upn, ok) => {
    expect(upnWellFormed(upn)).toBe(ok);
    const domains = [{ name: upn.slice(upn.lastIndexOf('@') + 1) }];
    const error = errorOf(() => checkUpn(upn, domains, undefined, undefined));
    if (ok) expect(error).toBeUndefined();
    else {
      const message = "Invalid value specified for property 'userPrincipalName' of resource 'User'.";
      expect(error).toMatchObject({ status: 400, code: 'Request_BadRequest', message, details: [{ code: 'InvalidValue', message, target: 'userPrincipalName' }] });
    }
  });
});

describe('groups, members and policies', () => {
  test('group bodies, dynamic rules and member edges', () => {
    expect(messageOf(() => validateNewGroup({ displayName: 'G', mailEnabled: false, mailNickname: 'g', securityEnabled: true }))).toBeUndefined();
    expect(messageOf(() => validateNewGroup({ displayName: 'G', mailNickname: 'g', securityEnabled: true }))).toBe(
      'Property mailEnabled value is required but is empty or missing.',
    );
    expect(messageOf(() => validateGroupPatch({ groupTypes: 'Unified' as unknown as string[] }))).toBe(
      "Invalid value specified for property 'groupTypes' of resource 'Group'.",
    );
    const dynamic = { id: 'g', groupTypes: ['DynamicMembership'], membershipRule: null } as unknown as SimGroup;
    expect(messageOf(() => checkDynamic(dynamic))).toMatch(/membershipRule value is required/);
    expect(messageOf(() => checkMemberAdd('g', 'g', new Set()))).toBe('A group cannot be added as a member of itself.');
    expect(messageOf(() => checkMemberAdd('g', 'u', new Set(['u'])))).toMatch(/already exist/);
    expect(errorOf(() => checkMemberRemove('u', new Set()))).toMatchObject({ status: 404, code: 'Request_ResourceNotFound', message: expect.stringMatching(/^Resource 'u' does not exist/) });
    expect(errorOf(() => checkMemberRemove('u', new Set(['u'])))).toBeUndefined();
  });

  test('policy state must be one of Graph’s three', () => {
    expect(messageOf(() => validatePolicyPatch({ state: 'disabled' }))).toBeUndefined();
    expect(messageOf(() => validatePolicyPatch({ state: 'off' as never }))).toMatch(/expected one of enabled, disabled, enabledForReportingButNotEnforced, got 'off'/);
  });
});
