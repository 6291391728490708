/**
 * Provisioning's pure decisions: passwords, input checks, Graph failures -> typed results, request hashes,
 * stored results (never with a password), and the tenant gate.
 */
import { GraphBadRequestError, GraphForbiddenError, GraphNotFoundError, GraphThrottledError, GraphUnavailableError } from '../../src/graph';
import { inspectedMemberOutcome, memberWriteFailure, unexpectedFailure, userWriteFailure, type Probe } from '../../src/provisioning/outcomes';
import { generatePassword, passwordProblem, upnParts } from '../../src/provisioning/password';
import { isInvalid, validateCreate, validateUpdate } from '../../src/provisioning/provisioning-input';
import { upnProblem } from '../../src/provisioning/upn';
import { requestHash } from '../../src/provisioning/provisioning.service';
import { CreatedUser, MembershipChangeKind } from '../../src/provisioning/provisioning.types';
import { provisioningGate } from '../../src/provisioning/provisioning.writer';
import { restoreResult, storeResult } from '../../src/provisioning/serialize';
import { User } from '../../src/directory/directory-object.types';
import { GatewayError } from '../../src/core/errors';

const UPN = 'nora.finch@verafield.com';
const bad = (message: string, details: Array<{ code: string; message: string; target?: string }> = []) =>
  new GraphBadRequestError({ status: 400, code: 'Request_BadRequest', message: `Graph POST /x answered 400 Request_BadRequest: ${message}`, details, requestId: 'req-1' });

describe('passwords', () => {
  it('generates 20 characters with all four classes and no part of the UPN, every time', () => {
    for (let i = 0; i < 500; i += 1) {
      const password = generatePassword(UPN);
      expect(password).toHaveLength(20);
      expect(passwordProblem(password, UPN)).toBeNull();
      expect([/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].every((re) => re.test(password))).toBe(true);
    }
  });

  it('draws again when a draw holds a part of the UPN', () => {
    // A source whose first draws are all "a" (so they hold "aaaa", a part of the UPN), then random ones.
    let calls = 0;
    const seq = (max: number) => (calls++ < 200 ? 0 : Math.floor(Math.random() * max));
    expect(passwordProblem(generatePassword('aaaa.bbbb@x.com', seq), 'aaaa.bbbb@x.com')).toBeNull();
  });

  it('refuses short, simple, or UPN-containing passwords, naming the rule and never the password', () => {
    expect(passwordProblem('Ab1!', UPN)).toBe('expected 8 to 256 characters, got 4');
    expect(passwordProblem('abcdefghij', UPN)).toMatch(/three of/);
    expect(passwordProblem('Finch-2026-ok', UPN)).toBe('must not contain a part of the userPrincipalName');
    expect(upnParts('nora.finch@verafield.com')).toEqual(['nora.finch', 'nora', 'finch']);
  });
});

describe('input checks', () => {
  const base = { displayName: 'Nora Finch', userPrincipalName: UPN, accountEnabled: true, forceChangePasswordNextSignIn: true };

  it('builds the Graph body, defaulting mailNickname and generating a password', () => {
    const valid = validateCreate({ ...base, usageLocation: 'gb', department: ' Finance ' });
    if (isInvalid(valid)) throw new Error(valid.message);
    expect(valid.body).toMatchObject({ displayName: 'Nora Finch', mailNickname: 'nora.finch', usageLocation: 'GB', department: 'Finance', accountEnabled: true });
    expect((valid.body.passwordProfile as { password: string }).password).toBe(valid.generatedPassword);
  });

  it('names the field at fault', () => {
    expect(validateCreate({ ...base, userPrincipalName: 'nora' })).toMatchObject({ field: 'input.userPrincipalName' });
    expect(validateCreate({ ...base, usageLocation: 'Britain' }, 'users[2]')).toMatchObject({ field: 'users[2].usageLocation' });
    expect(validateCreate({ ...base, password: 'Nora.Finch.2026!' })).toMatchObject({ field: 'input.password', message: 'input.password: must not contain a part of the userPrincipalName' });
    expect(validateUpdate({})).toMatchObject({ field: 'input' });
    expect(validateUpdate({ jobTitle: 'Lead', accountEnabled: false })).toEqual({ jobTitle: 'Lead', accountEnabled: false });
  });
});

describe("userPrincipalName: Entra's rule", () => {
  test.each<[string, string | null]>([
    ['nora.finch@verafield.com', null],
    ["o'brien-x_y!z#^~@verafield.com", null],
    ['nora_contoso.com#EXT#@verafield.onmicrosoft.com', null],
    ['a/../b@verafield.com', 'may hold only letters, digits'],
    ...['/', '=', '?', '{', '}', '|', '*', '+', '$', '%', '&', '`', ' ', '"', '(', 'ü'].map((c): [string, string] => [`a${c}b@verafield.com`, `got ${JSON.stringify(c)}`]),
    ['nora.@verafield.com', 'a period may not come right before'],
    ['nora', 'got no "@"'],
    ['a@b@verafield.com', 'exactly one "@"'],
    ['@verafield.com', 'expected 1 to 64 characters before'],
    [`${'a'.repeat(64)}@verafield.com`, null],
    [`${'a'.repeat(65)}@verafield.com`, 'expected 1 to 64 characters before the "@", got 65'],
    [`a@${'d'.repeat(44)}.com`, null],
    [`a@${'d'.repeat(45)}.com`, 'at most 48 characters after'],
    ['a@nodots', 'at most 48 characters after'],
  ])('%s -> %s', (upn, problem) => {
    const found = upnProblem(upn);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
    // createUser refuses it before Graph is asked, naming the field and the rule broken.
    const valid = validateCreate({ displayName: 'N', userPrincipalName: upn, accountEnabled: true, forceChangePasswordNextSignIn: true });
    if (problem === null) expect(isInvalid(valid)).toBe(false);
    else expect(valid).toMatchObject({ errorCode: 'INVALID_INPUT', field: 'input.userPrincipalName', message: expect.stringContaining(problem) });
  });

  it("reads Graph's InvalidValue on userPrincipalName as a bad local part or an unverified domain, by the value", () => {
    const invalid = bad("Invalid value specified for property 'userPrincipalName' of resource 'User'.", [{ code: 'InvalidValue', message: 'x', target: 'userPrincipalName' }]);
    expect(userWriteFailure(invalid, 'a+b@verafield.com', 'create')).toMatchObject({ errorCode: 'INVALID_INPUT', field: 'input.userPrincipalName' });
    expect(userWriteFailure(invalid, 'ab@contoso.com', 'create')).toMatchObject({ errorCode: 'INVALID_DOMAIN', domain: 'contoso.com' });
  });
});

describe('Graph failures as typed results', () => {
  it('branches on ObjectConflict / InvalidValue details, not on the text', () => {
    expect(userWriteFailure(bad('anything', [{ code: 'ObjectConflict', message: 'x', target: 'userPrincipalName' }]), UPN, 'create')).toMatchObject({ errorCode: 'UPN_CONFLICT' });
    expect(userWriteFailure(bad('anything', [{ code: 'InvalidValue', message: 'x', target: 'userPrincipalName' }]), 'a@contoso.com', 'create')).toMatchObject({ errorCode: 'INVALID_DOMAIN', domain: 'contoso.com' });
    expect(userWriteFailure(bad('The specified password does not comply'), UPN, 'create')).toMatchObject({ errorCode: 'INVALID_INPUT', field: 'input' });
  });

  it("Graph's 403 names the permission; 429 carries Retry-After; a 5xx has no typed result", () => {
    const forbidden = new GraphForbiddenError({ status: 403, code: 'Authorization_RequestDenied', message: 'denied' });
    expect(userWriteFailure(forbidden, UPN, 'create a user')).toMatchObject({ errorCode: 'MISSING_PERMISSION', permissions: ['User.ReadWrite.All'] });
    expect(memberWriteFailure(forbidden, 'g', 'm', MembershipChangeKind.ADDED)).toMatchObject({ kind: 'result', result: { permissions: ['GroupMember.ReadWrite.All'] } });
    expect(userWriteFailure(new GraphThrottledError({ status: 429, code: 'TooManyRequests', message: 'slow', retryAfterMs: 2500 }), UPN, 'x')).toMatchObject({ retryAfterSeconds: 3 });
    const outage = new GraphUnavailableError({ status: 503, code: 'ServiceUnavailable', message: 'down', requestId: 'r' });
    expect(userWriteFailure(outage, UPN, 'x')).toBeNull();
    expect(unexpectedFailure(outage, 't', 'POST /users')).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', graphRequestId: 'r' } });
    expect(unexpectedFailure(outage, 't', 'POST /users')).toBeInstanceOf(GatewayError);
  });

  it("recognises 'already a member' by Graph's message (it gives no code); a removal refused as absent, by 404 or 400, is looked into", () => {
    const already = bad("One or more added object references already exist for the following modified properties: 'members'.");
    const absent = bad("One or more removed object references do not exist for the following modified properties: 'members'.");
    const missing = new GraphNotFoundError({ status: 404, code: 'Request_ResourceNotFound', message: "Resource 'm' does not exist or one of its queried reference-property objects are not present." });
    expect(memberWriteFailure(already, 'g', 'm', MembershipChangeKind.ADDED)).toMatchObject({ kind: 'result', result: { noOp: true, change: 'ADDED' } });
    expect(memberWriteFailure(absent, 'g', 'm', MembershipChangeKind.REMOVED)).toMatchObject({ kind: 'inspect', status: 400, absentMember: true });
    expect(memberWriteFailure(missing, 'g', 'm', MembershipChangeKind.REMOVED)).toMatchObject({ kind: 'inspect', status: 404, absentMember: true });
    expect(memberWriteFailure(already, 'g', 'm', MembershipChangeKind.REMOVED)).toMatchObject({ kind: 'inspect', status: 400, absentMember: false });
    expect(memberWriteFailure(missing, 'g', 'm', MembershipChangeKind.ADDED)).toMatchObject({ kind: 'inspect', status: 404, absentMember: false });
  });

  const missing404 = new GraphNotFoundError({ status: 404, code: 'Request_ResourceNotFound', message: 'x' });
  const found: Probe = { ok: true };
  const absentProbe: Probe = { ok: false, status: 404 };
  const refused: Probe = { ok: false, status: 403 };
  const REMOVED = MembershipChangeKind.REMOVED;
  const removal404 = { kind: 'inspect' as const, status: 404 as const, error: missing404, absentMember: true };
  const removal400 = { kind: 'inspect' as const, status: 400 as const, error: bad('removed object references do not exist'), absentMember: true };
  const add404 = { kind: 'inspect' as const, status: 404 as const, error: missing404, absentMember: false };
  test.each([
    ['removal 404, group and user member exist', removal404, found, { asUser: found, asGroup: absentProbe }, { noOp: true, change: 'REMOVED' }],
    ['removal 404, group and group member exist', removal404, found, { asUser: absentProbe, asGroup: found }, { noOp: true, change: 'REMOVED' }],
    ['removal 400 (older answer), both exist', removal400, found, { asUser: found, asGroup: absentProbe }, { noOp: true }],
    ['removal 404, group missing', removal404, absentProbe, { asUser: found, asGroup: absentProbe }, { errorCode: 'NOT_FOUND', objectKind: 'GROUP', objectId: 'g' }],
    ['removal 404, member missing', removal404, found, { asUser: absentProbe, asGroup: absentProbe }, { errorCode: 'NOT_FOUND', objectKind: 'OBJECT', objectId: 'm' }],
    ['removal 404, dynamic group', removal404, { ok: true, dynamic: true } as Probe, { asUser: found, asGroup: absentProbe }, { errorCode: 'GROUP_IS_DYNAMIC' }],
    ['removal 404, member read refused', removal404, found, { asUser: refused, asGroup: absentProbe }, null],
    ['removal 404, group read refused', removal404, refused, { asUser: found, asGroup: absentProbe }, null],
    ['add 404, group exists: the member is missing', add404, found, undefined, { errorCode: 'NOT_FOUND', objectKind: 'OBJECT' }],
  ])('%s', (_name, failure, group, member, expected) => {
    const outcome = inspectedMemberOutcome(failure, 'g', 'm', failure === add404 ? MembershipChangeKind.ADDED : REMOVED, group, member);
    if (expected === null) expect(outcome).toBeNull();
    else expect(outcome).toMatchObject(expected);
  });
});

describe('idempotency records', () => {
  it('hashes the request without the password and without key order', () => {
    const a = requestHash('CREATE_USER', { userPrincipalName: UPN, displayName: 'N', password: 'Secret-123-abc' });
    const b = requestHash('CREATE_USER', { displayName: 'N', userPrincipalName: UPN, password: 'Other-456-xyz' });
    expect(a).toBe(b);
    expect(a).not.toBe(requestHash('CREATE_USER', { displayName: 'N', userPrincipalName: UPN }));
    expect(a).not.toBe(requestHash('CREATE_USER', { displayName: 'M', userPrincipalName: UPN, password: 'x' }));
  });

  it('stores a created user without its password and replays it saying so', () => {
    const user = Object.assign(new User(), { id: 'u1', tenantId: 't', displayName: 'N', userPrincipalName: UPN, mail: null, department: null, jobTitle: null, accountEnabled: true, userType: 'Member', createdAt: new Date('2026-01-01T00:00:00Z'), assignedLicenses: [] });
    const created = Object.assign(new CreatedUser(), { user, initialPassword: 'Very-Secret-Pass-42', replayed: false, passwordNote: null });
    const stored = JSON.parse(JSON.stringify(storeResult(created)));
    expect(JSON.stringify(stored)).not.toContain('Very-Secret-Pass-42');
    const replay = restoreResult(stored, 't') as CreatedUser;
    expect(replay).toBeInstanceOf(CreatedUser);
    expect(replay).toMatchObject({ initialPassword: null, replayed: true, user: { id: 'u1', tenantId: 't' } });
    expect(replay.user.createdAt).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(replay.passwordNote).toMatch(/shown only once/);
  });
});

describe('the tenant gate', () => {
  it('FeatureDisabled without PROVISIONING; MissingPermission listing what the consent lacks; covered by broader grants', () => {
    expect(provisioningGate({ features: ['READ_DIRECTORY'], grantedScopes: ['User.ReadWrite.All'] })).toMatchObject({ errorCode: 'FEATURE_DISABLED', feature: 'PROVISIONING' });
    expect(provisioningGate({ features: ['PROVISIONING'], grantedScopes: ['User.ReadWrite.All'] })).toMatchObject({ errorCode: 'MISSING_PERMISSION', permissions: ['GroupMember.ReadWrite.All'] });
    expect(provisioningGate({ features: ['PROVISIONING'], grantedScopes: ['User.ReadWrite.All', 'Group.ReadWrite.All'] })).toBeNull();
  });
});
