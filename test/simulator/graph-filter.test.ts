/** The $filter tokenizer, parser, support rules and evaluation: pure, no server. */
import { SimGraphError } from '../../src/simulator/errors';
import { GROUP, USER } from '../../src/simulator/graph/entities';
import { checkFilter } from '../../src/simulator/graph/odata/filter-check';
import { matchesFilter } from '../../src/simulator/graph/odata/filter-eval';
import { parseFilter } from '../../src/simulator/graph/odata/filter-parser';

function graphError(run: () => unknown): SimGraphError {
  try {
    run();
  } catch (error) {
    if (error instanceof SimGraphError) return error;
    throw error;
  }
  throw new Error('expected a SimGraphError, nothing was thrown');
}

const user = {
  id: 'a1',
  displayName: "Pat O'Brien",
  userPrincipalName: 'pat@verafield.com',
  department: 'Finance',
  accountEnabled: true,
  createdDateTime: '2024-05-01T10:00:00Z',
  assignedLicenses: [{ skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900', disabledPlans: [] }],
  mail: null,
};

function userMatches(filter: string, advanced = false): boolean {
  const expr = parseFilter(filter);
  checkFilter(expr, USER, advanced);
  return matchesFilter(expr, user);
}

describe('parsing', () => {
  test('builds and/or/not trees with OData precedence (and binds tighter than or)', () => {
    expect(parseFilter("displayName eq 'a' or department eq 'b' and accountEnabled eq true")).toEqual({
      kind: 'or',
      left: { kind: 'compare', op: 'eq', path: ['displayName'], value: { type: 'string', value: 'a' } },
      right: {
        kind: 'and',
        left: { kind: 'compare', op: 'eq', path: ['department'], value: { type: 'string', value: 'b' } },
        right: { kind: 'compare', op: 'eq', path: ['accountEnabled'], value: { type: 'boolean', value: true } },
      },
    });
  });

  test('reads every literal form: doubled quotes, GUIDs, datetimes, numbers, null', () => {
    expect(parseFilter("displayName eq 'it''s'")).toMatchObject({ value: { type: 'string', value: "it's" } });
    expect(parseFilter('id eq 6FD2C87F-B296-42F0-B197-1E91E994B900')).toMatchObject({ value: { type: 'guid', value: '6fd2c87f-b296-42f0-b197-1e91e994b900' } });
    expect(parseFilter('createdDateTime ge 2024-01-01T00:00:00Z')).toMatchObject({ value: { type: 'datetime', value: '2024-01-01T00:00:00Z' } });
    expect(parseFilter('x eq -12.5')).toMatchObject({ value: { type: 'number', value: -12.5 } });
    expect(parseFilter('mail eq null')).toMatchObject({ value: { type: 'null', value: null } });
  });

  test('parses in-lists, functions and lambdas', () => {
    expect(parseFilter("department in ('a', 'b')")).toMatchObject({ kind: 'in', values: [{ value: 'a' }, { value: 'b' }] });
    expect(parseFilter("startsWith(displayName,'Pa')")).toMatchObject({ kind: 'call', fn: 'startsWith', path: ['displayName'] });
    expect(parseFilter("groupTypes/any(c:c eq 'Unified')")).toMatchObject({ kind: 'any', path: ['groupTypes'], variable: 'c' });
    expect(parseFilter('assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)')).toMatchObject({
      kind: 'any',
      body: { kind: 'compare', path: ['x', 'skuId'] },
    });
  });

  test.each([
    ["displayName eq 'unterminated", 15, 'unterminated string literal'],
    ['displayName eq', 14, 'expected a literal but found the end of the expression'],
    ["(displayName eq 'a'", 19, "expected ')'"],
    ["displayName eq 'a' extra", 19, "unexpected 'extra'"],
    ["displayName like 'a'", 12, "expected an operator after 'displayName'"],
    ["displayName eq 'a' ; drop", 19, "unexpected character ';'"],
  ])('malformed %p -> 400 BadRequest naming position %p', (filter, position, problem) => {
    const error = graphError(() => parseFilter(filter as string));
    expect(error.status).toBe(400);
    expect(error.code).toBe('BadRequest');
    expect(error.message).toContain(`at position ${position}`);
    expect(error.message).toContain(problem as string);
  });
});

describe('support rules (graph-facts §2)', () => {
  test('default forms work without advanced query parameters', () => {
    expect(userMatches("displayName eq 'Pat O''Brien'")).toBe(true);
    expect(userMatches("startsWith(userPrincipalName,'PAT@')")).toBe(true);
    expect(userMatches("department in ('Sales','finance')")).toBe(true);
    expect(userMatches('accountEnabled eq false')).toBe(false);
    expect(userMatches('assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)')).toBe(true);
  });

  test.each([["displayName ne 'x'", 'ne'], ["not(displayName eq 'x')", 'not'], ["endsWith(mail,'.com')", 'endsWith']])(
    '%p needs advanced query parameters',
    (filter, operator) => {
      const error = graphError(() => userMatches(filter));
      expect([error.status, error.code]).toEqual([400, 'Request_UnsupportedQuery']);
      expect(error.message).toContain(`Operator '${operator}' is not supported`);
      expect(() => userMatches(filter, true)).not.toThrow();
    },
  );

  test('evaluates advanced forms and null comparisons', () => {
    expect(userMatches("displayName ne 'x'", true)).toBe(true);
    expect(userMatches("endsWith(userPrincipalName,'verafield.com')", true)).toBe(true);
    expect(userMatches('createdDateTime ge 2024-01-01T00:00:00Z', true)).toBe(true);
    expect(userMatches('mail eq null')).toBe(true);
    expect(userMatches("not (department eq 'Finance')", true)).toBe(false);
  });

  test('properties without an index are unsupported; unknown ones are named', () => {
    expect(graphError(() => userMatches("officeLocation eq 'x'")).message).toBe(
      "Unsupported or invalid query filter clause specified for property 'officeLocation' of resource 'User'.",
    );
    const unknown = graphError(() => userMatches("shoeSize eq '9'"));
    expect([unknown.code, unknown.message]).toEqual(['Request_BadRequest', "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'."]);
  });

  test('literal types must fit the property', () => {
    const error = graphError(() => userMatches("accountEnabled eq 'true'"));
    expect(error.message).toContain("Found operand types 'Edm.Boolean' and 'Edm.String'");
    expect(() => userMatches("id eq 6fd2c87f-b296-42f0-b197-1e91e994b900")).toThrow(/incompatible types/);
  });

  test('group lambdas accept only the element comparison', () => {
    const unified = parseFilter("groupTypes/any(c:c eq 'Unified')");
    checkFilter(unified, GROUP, false);
    expect(matchesFilter(unified, { groupTypes: ['Unified'] })).toBe(true);
    expect(matchesFilter(unified, { groupTypes: [] })).toBe(false);
    expect(() => checkFilter(parseFilter("groupTypes/any(c:startsWith(c,'U'))"), GROUP, false)).toThrow(/Unsupported or invalid/);
  });
});

describe('injection attempts stay inside their string literal', () => {
  const attempts = [
    "' or 1 eq 1 or displayName eq '",
    "x') or (displayName ne '",
    "'; DROP TABLE users; --",
    "Pat O'Brien",
    "''''",
    "a' or startsWith(displayName,'",
  ];

  test.each(attempts)('properly escaped %p compares as one literal', (text) => {
    const expr = parseFilter(`displayName eq '${text.replace(/'/g, "''")}'`);
    expect(expr).toEqual({ kind: 'compare', op: 'eq', path: ['displayName'], value: { type: 'string', value: text } });
    expect(matchesFilter(expr, { displayName: text })).toBe(true);
  });

  test.each(attempts)('unescaped %p never widens the match', (text) => {
    let matchedOther = false;
    try {
      const expr = parseFilter(`displayName eq '${text}'`);
      checkFilter(expr, USER, false);
      matchedOther = matchesFilter(expr, { ...user, displayName: 'someone else' });
    } catch (error) {
      expect(error).toBeInstanceOf(SimGraphError);
    }
    expect(matchedOther).toBe(false);
  });

  test('random quote soup either parses or fails with a positioned 400, never another error', () => {
    const alphabet = ["'", "''", ' ', 'eq', 'or', '(', ')', 'a', ',', 'displayName'];
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 300; i++) {
      const soup = Array.from({ length: 1 + Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      try {
        parseFilter(soup);
      } catch (error) {
        expect(error).toBeInstanceOf(SimGraphError);
        expect((error as SimGraphError).message).toMatch(/at position \d+/);
      }
    }
  });
});
