/** Argument checks: malformed ids and names are BAD_USER_INPUT, before any database or Graph call. */
import { guidArg, proposedMappingsArg, rankArg, tierDescriptionArg, tierNameArg, userRefArg } from '../../src/access/access-input';

const GUID = '0F8FAD5B-D9CB-469F-A165-70867728950E';
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return [(err as { extensions?: { code?: string } }).extensions?.code, (err as Error).message];
  }
  return ['no error'];
};

describe('access arguments', () => {
  it.each([
    ['not a guid', 'groupId', 'finance'],
    ['a guid with a path', 'groupId', `${GUID}/members`],
    ['an OData injection', 'groupId', "x' or 1 eq 1"],
    ['empty', 'tenantId', ''],
  ])('guid: refuses %s', (_name, argument, value) => {
    expect(code(() => guidArg(argument, value))).toEqual(['BAD_USER_INPUT', `${argument}: expected a GUID like 00000000-0000-0000-0000-000000000000, got ${JSON.stringify(value)}`]);
  });

  it('guid: lower-cases', () => expect(guidArg('groupId', GUID)).toBe(GUID.toLowerCase()));

  it.each([
    ['', /expected 1 to 100 characters, got 0/],
    ['   ', /expected 1 to 100 characters, got 0/],
    ['x'.repeat(101), /got 101/],
    ['Fin\u0000ance', /control characters/],
  ])('tier name %j is refused', (value, message) => {
    expect(code(() => tierNameArg('input.name', value))).toEqual(['BAD_USER_INPUT', expect.stringMatching(message)]);
  });

  it('tier name and description are trimmed; an empty description is none', () => {
    expect(tierNameArg('input.name', '  Finance ')).toBe('Finance');
    expect(tierDescriptionArg('d', '  ')).toBeNull();
    expect(tierDescriptionArg('d', undefined)).toBeNull();
    expect(tierDescriptionArg('d', 'line one\nline two')).toBe('line one\nline two');
    expect(code(() => tierDescriptionArg('d', 'x'.repeat(501)))[0]).toBe('BAD_USER_INPUT');
    expect(code(() => rankArg('rank', 1.5))[0]).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['neither', null, null, /expected exactly one of userId and userPrincipalName/],
    ['both', GUID, 'a@b.com', /expected exactly one/],
    ['a malformed id', 'nora', null, /userId: expected a GUID/],
    ['a name without @', null, 'nora.finch', /userPrincipalName: expected a sign-in name/],
    ['a name with a path', null, 'nora@x.com/memberOf', /userPrincipalName: expected a sign-in name/],
  ])('user reference: refuses %s', (_name, id, upn, message) => {
    expect(code(() => userRefArg(id, upn))).toEqual(['BAD_USER_INPUT', expect.stringMatching(message)]);
  });

  it('user reference: accepts an id or a guest sign-in name', () => {
    expect(userRefArg(GUID, null)).toEqual({ kind: 'id', value: GUID.toLowerCase() });
    expect(userRefArg(null, 'jordan.lake_contoso.com#EXT#@verafield.onmicrosoft.com')).toEqual({
      kind: 'userPrincipalName',
      value: 'jordan.lake_contoso.com#EXT#@verafield.onmicrosoft.com',
    });
  });

  it('proposed mappings: one tier per group, ids checked with their position', () => {
    const tier = '11111111-1111-4111-8111-111111111111';
    expect(code(() => proposedMappingsArg([{ groupId: GUID, tierId: tier }, { groupId: GUID.toLowerCase(), tierId: tier }]))).toEqual([
      'BAD_USER_INPUT',
      `mappings[1].groupId: group ${GUID.toLowerCase()} appears more than once; a group maps to one tier`,
    ]);
    expect(code(() => proposedMappingsArg([{ groupId: GUID, tierId: 'basic' }]))[1]).toMatch(/^mappings\[0\]\.tierId: expected a GUID/);
    expect(proposedMappingsArg([{ groupId: GUID, tierId: tier }])).toEqual([{ groupId: GUID.toLowerCase(), tierId: tier }]);
  });
});
