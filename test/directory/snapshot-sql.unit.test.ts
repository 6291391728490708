/** Snapshot SQL (snapshot-sql.ts): caller text only as bound values, with LIKE and regex metacharacters escaped. */
import { groupPageSql, isObjectId, userPageSql } from '../../src/directory/snapshot-sql';
import { GroupKind } from '../../src/directory/directory-object.types';

const T = '11111111-1111-4111-8111-111111111111';
const first = { afterId: null, limit: 101 };

describe('user filters and search', () => {
  it.each([
    ['a prefix with LIKE wildcards', { displayNameStartsWith: '50%_Off\\' }, null, ['50\\%\\_off\\\\%']],
    ['a prefix with a quote', { displayNameStartsWith: "O'Br" }, null, ["o'br%"]],
    ['an equality filter keeps its text as given', { department: "R&D'; DROP TABLE x; --" }, null, ["R&D'; DROP TABLE x; --"]],
    ['a search word: contains, prefix, word start (regex escaped)', null, ' Qu(i)nn* ', ['%qu(i)nn*%', 'qu(i)nn*%', '[[:space:].@_-]qu\\(i\\)nn\\*']],
    ['a search term with a separator: no word-start form', null, 'avery.quinn', ['%avery.quinn%', 'avery.quinn%']],
    ['a search term with LIKE wildcards (and _, a separator)', null, 'a_b%', ['%a\\_b\\%%', 'a\\_b\\%%']],
    ['a search term with a regex metacharacter only', null, 'a%b', ['%a\\%b%', 'a\\%b%', '[[:space:].@_-]a%b']],
  ])('%s', (_name, filter, search, values) => {
    const sql = userPageSql(T, filter, search, first);
    expect(sql.values).toEqual([T, ...values, 101]);
    // Nothing of the caller's text is in the statement itself.
    for (const v of values) expect(sql.text).not.toContain(v);
    expect(sql.text).toMatch(/^SELECT .* FROM snapshot_users WHERE tenant_id = \$1 AND deleted_at IS NULL .*ORDER BY id LIMIT \$\d+$/s);
  });

  it('pages after a cursor with a keyset condition, never an offset', () => {
    const sql = userPageSql(T, null, null, { afterId: T, limit: 11 });
    expect(sql.text).toContain('id > $2::uuid');
    expect(sql.text).not.toMatch(/OFFSET/i);
    expect(sql.values).toEqual([T, T, 11]);
  });

  it('refuses an empty prefix, as the live list does', () => {
    expect(() => userPageSql(T, { displayNameStartsWith: '  ' }, null, first)).toThrow(/filter.displayNameStartsWith: expected some text/);
  });
});

describe('group kinds follow Graph (Unified first, then mail- and security-enabled)', () => {
  it.each([
    [GroupKind.MICROSOFT_365, "'Unified' = ANY(group_types)"],
    [GroupKind.SECURITY, "security_enabled IS TRUE AND mail_enabled IS FALSE AND NOT 'Unified' = ANY(group_types)"],
    [GroupKind.MAIL_ENABLED_SECURITY, "security_enabled IS TRUE AND mail_enabled IS TRUE AND NOT 'Unified' = ANY(group_types)"],
    [GroupKind.DISTRIBUTION, "security_enabled IS FALSE AND mail_enabled IS TRUE AND NOT 'Unified' = ANY(group_types)"],
  ])('%s', (kind, condition) => {
    expect(groupPageSql(T, { kind }, first).text).toContain(condition);
  });
});

describe('isObjectId', () => {
  it.each([
    [T, true],
    [T.toUpperCase(), true],
    ['not-a-guid', false],
    ["x'; DROP TABLE snapshot_users; --", false],
    [`${T} `, false],
  ])('%s -> %s', (value, expected) => expect(isObjectId(value)).toBe(expected));
});
