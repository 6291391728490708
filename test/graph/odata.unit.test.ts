/** OData builders with hostile input: quotes, injection attempts, #EXT# UPNs, control characters, unicode. */
import { filterEq, graphPath, odataLiteral, odataString, pathSegment, queryString, selectList, startsWith } from '../../src/graph';

describe('odataString', () => {
  test.each([
    ['plain', "'plain'"],
    ["O'Brien", "'O''Brien'"],
    ["' or 1 eq 1", "''' or 1 eq 1'"],
    ["x') or startsWith(displayName,'", "'x'') or startsWith(displayName,'''"],
    ["''", "''''''"],
    ['Zoë Łukasz 山田 🙂', "'Zoë Łukasz 山田 🙂'"],
    ['', "''"],
  ])('%j -> %s', (value, expected) => {
    expect(odataString(value)).toBe(expected);
  });

  test.each([
    ['a newline', 'a\nb', /U\+000a at index 1/],
    ['a NUL', 'a\u0000', /U\+0000 at index 1/],
    ['DEL', '\u007f', /U\+007f/],
    ['a C1 control', 'x\u0085', /U\+0085/],
    ['a lone surrogate', 'a\ud800b', /unpaired UTF-16 surrogate/],
  ])('refuses %s', (_name, value, message) => {
    expect(() => odataString(value)).toThrow(message);
  });

  test('refuses what is not a string (untyped callers)', () => {
    expect(() => odataString(42 as unknown as string)).toThrow(/expected a string, got number/);
  });
});

describe('filter builders', () => {
  test('filterEq quotes strings and keeps other literals bare', () => {
    expect(filterEq('displayName', "O'Brien")).toBe("displayName eq 'O''Brien'");
    expect(filterEq('accountEnabled', false)).toBe('accountEnabled eq false');
    expect(filterEq('manager', null)).toBe('manager eq null');
    expect(filterEq('assignedLicenses/skuId', 'x')).toBe("assignedLicenses/skuId eq 'x'");
  });

  test('startsWith', () => {
    expect(startsWith('userPrincipalName', "ann'#")).toBe("startsWith(userPrincipalName,'ann''#')");
  });

  test.each(["displayName eq 'x' or id", 'display name', '', 'a/', '1abc', 'x)'])('refuses the property name %j', (name) => {
    expect(() => filterEq(name, 'v')).toThrow(/Expected an OData property name/);
  });

  test('refuses non-finite numbers', () => {
    expect(() => odataLiteral(Number.NaN)).toThrow(/finite number/);
  });
});

describe('selectList', () => {
  const allowed = new Set(['id', 'displayName', 'userPrincipalName']);
  test('joins allowed names once each', () => {
    expect(selectList(['id', 'displayName', 'id'], allowed)).toBe('id,displayName');
  });
  test('names what is not allowed and what is', () => {
    expect(() => selectList(['id', 'passwordProfile', 'x,y'], allowed)).toThrow(
      '$select: "passwordProfile", "x,y" not selectable; expected any of id, displayName, userPrincipalName',
    );
  });
  test('refuses an empty selection', () => {
    expect(() => selectList([], allowed)).toThrow(/at least one/);
  });
});

describe('paths and queries', () => {
  test('a guest UPN with #EXT# is one encoded segment', () => {
    expect(graphPath`/users/${'jordan.lake_contoso.com#EXT#@verafield.onmicrosoft.com'}/memberOf`).toBe(
      '/users/jordan.lake_contoso.com%23EXT%23%40verafield.onmicrosoft.com/memberOf',
    );
  });

  test.each([
    ['a slash', 'a/b', 'a%2Fb'],
    ['a query', 'x?$select=id', 'x%3F%24select%3Did'],
    ['unicode', 'zoë@例え.jp', 'zo%C3%AB%40%E4%BE%8B%E3%81%88.jp'],
  ])('a segment with %s stays one segment', (_name, value, encoded) => {
    expect(pathSegment(value)).toBe(encoded);
  });

  test.each(['', '.', '..'])('refuses the segment %j', (value) => {
    expect(() => pathSegment(value)).toThrow(/Expected a path segment/);
  });

  test('queryString encodes values (#, &, spaces) and keeps $ names', () => {
    expect(queryString({ $filter: "displayName eq 'a&b #1'", $top: 5, $select: undefined })).toBe("?$filter=displayName%20eq%20'a%26b%20%231'&$top=5");
    expect(queryString({})).toBe('');
  });

  test('queryString refuses odd option names', () => {
    expect(() => queryString({ '$top=1&$filter': 'x' })).toThrow(/query option name/);
  });
});
