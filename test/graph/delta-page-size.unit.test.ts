/** The delta page-size preference the Graph client sends (paging.ts): merged into Prefer, option checked. */
import { checkDeltaPageSize, withMaxPageSize } from '../../src/graph/paging';

describe('withMaxPageSize', () => {
  test.each<[Record<string, string> | undefined, Record<string, string>]>([
    [undefined, { Prefer: 'odata.maxpagesize=500' }],
    [{}, { Prefer: 'odata.maxpagesize=500' }],
    [{ Prefer: 'return=minimal' }, { Prefer: 'return=minimal, odata.maxpagesize=500' }],
    [{ prefer: 'return=minimal' }, { Prefer: 'return=minimal, odata.maxpagesize=500' }],
    [{ PREFER: '  ' }, { Prefer: 'odata.maxpagesize=500' }],
    [{ Prefer: 'odata.maxpagesize=20' }, { Prefer: 'odata.maxpagesize=20' }],
    [{ prefer: 'return=minimal, ODATA.MAXPAGESIZE = 7' }, { prefer: 'return=minimal, ODATA.MAXPAGESIZE = 7' }],
    [{ 'x-other': 'odata.maxpagesize=1' }, { 'x-other': 'odata.maxpagesize=1', Prefer: 'odata.maxpagesize=500' }],
  ])('%j -> %j', (headers, expected) => {
    expect(withMaxPageSize(headers, 500)).toEqual(expected);
  });

  test('the caller\'s headers are not changed', () => {
    const headers = { Prefer: 'return=minimal' };
    withMaxPageSize(headers, 500);
    expect(headers).toEqual({ Prefer: 'return=minimal' });
  });
});

describe('checkDeltaPageSize', () => {
  test.each([1, 200, 500, 1_000_000, false as const])('%s is accepted', (value) => {
    expect(checkDeltaPageSize(value)).toBe(value);
  });
  test.each([0, -1, 2.5, Number.NaN, Infinity, 1_000_001, '500', true, null])('%s is refused with what arrived', (value) => {
    expect(() => checkDeltaPageSize(value)).toThrow(/^GraphClient: expected deltaPageSize to be a whole number from 1 to 1000000 or false, got /);
  });
});
