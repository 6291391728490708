/** Snapshot SQL (snapshot-sql.ts): caller text only as bound values, with LIKE and regex metacharacters escaped. */
import { groupPageOrder, groupPageSql, isObjectId, PG_SEPARATOR, userPageOrder, userPageSql } from '../../src/directory/snapshot-sql';
import { cursorMismatch } from '../../src/directory/snapshot-reads';
import { UserTypeValue } from '../../src/directory/directory.inputs';
import { GroupKind } from '../../src/directory/directory-object.types';

const T = '11111111-1111-4111-8111-111111111111';
const first = { afterId: null, limit: 101 };

describe('user filters and search', () => {
  it.each([
    ['a prefix with LIKE wildcards', { displayNameStartsWith: '50%_Off\\' }, null, ['50\\%\\_off\\\\%']],
    ['a prefix with a quote', { displayNameStartsWith: "O'Br" }, null, ["o'br%"]],
    ['an equality filter keeps its text as given', { department: "R&D'; DROP TABLE x; --" }, null, ["R&D'; DROP TABLE x; --"]],
  ])('%s', (_name, filter, search, values) => {
    const sql = userPageSql(T, filter, search, first);
    expect(sql.values).toEqual([T, ...values, 101]);
    // Nothing of the caller's text is in the statement itself.
    for (const v of values) expect(sql.text).not.toContain(v);
    expect(sql.text).toMatch(/^SELECT .* FROM snapshot_users WHERE tenant_id = \$1 AND deleted_at IS NULL .*ORDER BY .*id LIMIT \$\d+$/s);
  });

  // Beside a filter a search reads the trigram index (a plain page); alone, the same conditions are its fallback.
  it.each([
    ['a search word: contains, prefix, word start (regex escaped)', ' Qu(i)nn* ', ['%qu(i)nn*%', 'qu(i)nn*%', `${PG_SEPARATOR}qu\\(i\\)nn\\*`]],
    ['a search term with a separator: no word-start form', 'avery.quinn', ['%avery.quinn%', 'avery.quinn%']],
    ['a search term with LIKE wildcards (and _, a separator)', 'a_b%', ['%a\\_b\\%%', 'a\\_b\\%%']],
    ['a search term with a regex metacharacter only', 'a%b', ['%a\\%b%', 'a\\%b%', `${PG_SEPARATOR}a%b`]],
  ])('%s: beside a filter, a page of the trigram conditions; alone, they are the fallback', (_name, search, values) => {
    const beside = userPageSql(T, { department: 'Sales' }, search, first);
    expect(beside.values).toEqual([T, 'Sales', ...values, 101]);
    for (const v of values) expect(beside.text).not.toContain(v);
    expect(beside.text).toMatch(/^SELECT .* FROM snapshot_users WHERE tenant_id = \$1 AND deleted_at IS NULL .*ORDER BY id LIMIT \$\d+$/s);
    const alone = userPageSql(T, null, search, first);
    expect(alone.values.slice(0, values.length + 1)).toEqual([T, ...values]);
    expect(alone.text).toMatch(/SELECT .* FROM snapshot_users WHERE tenant_id = \$1 AND deleted_at IS NULL AND .* AND id > \$\d+::uuid AND .*'trigram'|NOT \(SELECT built FROM built\)/s);
  });

  const SEP = '[\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff.@_-]';
  it.each([
    ['a search word alone: a word prefix (LIKE escaped), the row form for the scan (regex escaped)', ' Qu(i)nn* ', ['qu(i)nn*%', `${SEP}qu\\(i\\)nn\\*`]],
    ['a search word with LIKE wildcards (and _, a separator)', 'a_b%', ['a', 'b\\%%', 'a\\_b\\%%']],
    ['a search word with a LIKE wildcard only', 'a%b', ['a\\%b%', `${SEP}a%b`]],
    ['a search term with separators: its first word, its last part, the whole as a prefix', 'avery.quinn', ['avery', 'quinn%', 'avery.quinn%']],
    ['a search term starting with a separator: the empty first word', '@contoso', ['', 'contoso%', '@contoso%']],
  ])('%s: the words when built, read in the statement', (_name, search, values) => {
    const sql = userPageSql(T, null, search, first);
    for (const v of values) expect(sql.values).toContainEqual(v);
    for (const v of values.filter((v) => v.length > 2)) expect(sql.text).not.toContain(v);
    expect(sql.text).toContain('snapshot_user_words w WHERE');
    expect(sql.text).toContain('SELECT s.words_generation = s.snapshot_generation FROM sync_state s WHERE s.tenant_id = $1');
    expect(sql.text).toMatch(/ORDER BY id$/);
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

describe('page order: display-name order only for a name prefix alone, object id order for everything else', () => {
  it.each([
    ['no filter', null, null, 'id'],
    ['a prefix alone', { displayNameStartsWith: 'Qu' }, null, 'name'],
    ['a prefix, other conditions left null', { displayNameStartsWith: 'Qu', department: null, accountEnabled: undefined }, null, 'name'],
    ['a prefix and a department', { displayNameStartsWith: 'Qu', department: 'Sales' }, null, 'id'],
    ['a prefix and a job title', { displayNameStartsWith: 'Qu', jobTitle: 'Engineer' }, null, 'id'],
    ['a prefix and a user type', { displayNameStartsWith: 'Qu', userType: UserTypeValue.GUEST }, null, 'id'],
    ['a prefix and disabled accounts (false is a condition)', { displayNameStartsWith: 'Qu', accountEnabled: false }, null, 'id'],
    ['a prefix and a search', { displayNameStartsWith: 'Qu' }, 'contoso', 'id'],
    ['a department alone', { department: 'Sales' }, null, 'id'],
    ['a search alone', null, 'quinn', 'id'],
  ] as const)('users, %s -> %s order', (_name, filter, search, order) => {
    expect(userPageOrder(filter, search)).toBe(order);
    const sql = userPageSql(T, filter, search, first).text;
    expect(sql).toMatch(order === 'name' ? /ORDER BY \(lower\(display_name\) COLLATE "C"\), id LIMIT/ : /ORDER BY id( LIMIT|$)/);
  });

  it.each([
    ['no filter', null, 'id'],
    ['a prefix alone', { nameStartsWith: 'S' }, 'name'],
    ['a prefix and a kind', { nameStartsWith: 'S', kind: GroupKind.SECURITY }, 'id'],
    ['a prefix and assigned groups only', { nameStartsWith: 'S', dynamic: false }, 'id'],
  ] as const)('groups, %s -> %s order', (_name, filter, order) => {
    expect(groupPageOrder(filter)).toBe(order);
  });

  it('a name-ordered page after a cursor: one row comparison on (name, id), the row sort key returned for the next cursor', () => {
    const sql = userPageSql(T, { displayNameStartsWith: 'Qu' }, null, { afterId: T, afterName: "quinn o'brien", limit: 11 });
    expect(sql.text).toContain('((lower(display_name) COLLATE "C"), id) > ($3, $4::uuid)');
    expect(sql.text).toContain('AS sort_name');
    expect(sql.text).not.toMatch(/OFFSET/i);
    expect(sql.values).toEqual([T, 'qu%', "quinn o'brien", T, 11]);
  });

  it('a name-ordered page after a row needs that row\'s name (a programming error otherwise)', () => {
    expect(() => userPageSql(T, { displayNameStartsWith: 'Qu' }, null, { afterId: T, limit: 11 })).toThrow(/sort_name/);
  });

  it('a prefix beside a search stays on the plain expression (the trigram index serves both)', () => {
    expect(userPageSql(T, { displayNameStartsWith: 'Qu' }, 'x', first).text).toContain('lower(display_name) LIKE $2');
    expect(userPageSql(T, { displayNameStartsWith: 'Qu', department: 'Sales' }, null, first).text).toContain('(lower(display_name) COLLATE "C") LIKE $3');
  });
});

describe('a cursor continues only the list that issued it, and a refusal says what differs', () => {
  const key = JSON.stringify([{ displayNameStartsWith: 'Qu' }, null]);
  it.each([
    ['the same list', { k: key, o: 'name' }, { key, order: 'name' }, null],
    ['name order into id order', { k: key, o: 'name' }, { key: 'other', order: 'id' }, /continues a list in display-name order .* this list is in object id order/],
    ['id order into name order', { k: 'other', o: 'id' }, { key, order: 'name' }, /continues a list in object id order, and this list is in display-name order/],
    ['same order, other arguments', { k: 'other', o: 'id' }, { key, order: 'id' }, /with other arguments/],
  ] as const)('%s', (_name, cursor, list, refusal) => {
    const mismatch = cursorMismatch(cursor, list);
    if (refusal === null) expect(mismatch).toBeNull();
    else expect(mismatch).toMatch(refusal);
    if (refusal !== null) expect(mismatch).toMatch(/^after: /);
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
