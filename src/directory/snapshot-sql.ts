/**
 * Directory reads from the snapshot as SQL: the same filters and search as the live lists (directory-queries.ts),
 * with Graph's semantics (string equality and prefixes ignore case; search matches a word of display name, mail
 * or sign-in name by its start), over keyset pages. Pure: each builder returns text and values; caller text
 * only ever travels as a bound value (LIKE and regex metacharacters escaped), never as SQL.
 *
 * Every list reads rows with deleted_at IS NULL only, through partial indexes (tenant_id first), so a page costs
 * O(page) for plain lists and equality filters (object id order; migration 1795850000000-SnapshotReadIndexes)
 * and for a display-name prefix alone (display-name order, see `PageOrder`; migration 1796030000000). A search
 * alone reads user ids from the tenant's word table once its words are built and current (O(words x page),
 * searchPageSql), else, as a search beside filters and a count, goes through the trigram index to the matching
 * rows (O(matches), not O(tenant)).
 */
import { ErrorCode, GatewayError } from '../core/errors';
import { GroupKind } from './directory-object.types';
import type { GroupFilter, UserFilter } from './directory.inputs';

export interface Sql {
  text: string;
  values: unknown[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a caller's id can be a snapshot key (anything else cannot match a row, and must not reach a uuid cast). */
export const isObjectId = (value: string): boolean => UUID.test(value);

/**
 * Graph's word separators in $search: the simulator's tokenizer (whitespace . @ _ -), and the words the snapshot
 * keeps per user (snapshot_user_words, snapshot_words() of migration 1796070000000) are split at the same characters.
 */
const SEPARATOR = /[\s.@_-]/;
const SEPARATORS = /[\s.@_-]+/;
/** The same class as a PostgreSQL regex (JavaScript's \s spelled out), as snapshot_words() splits at. */
export const PG_SEPARATOR = '[\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff.@_-]';

const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
const regexEscape = (text: string) => text.replace(/[\\^$.*+?()[\]{}|-]/g, (c) => `\\${c}`);

/** Collects bound values; `bind(v)` gives its placeholder. */
class Binder {
  readonly values: unknown[] = [];
  bind(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Below every object id: stands for "no cursor" so that one comparison serves every parent of a batch. */
const NO_CURSOR = '00000000-0000-0000-0000-000000000000';

const USER_COLUMNS = 'id, display_name, user_principal_name, mail, department, job_title, account_enabled, user_type';
const GROUP_COLUMNS = 'id, display_name, group_types, membership_rule, security_enabled, mail_enabled';

/**
 * The lower-cased display name compared byte by byte (COLLATE "C"): the key of the name-ordered indexes, where
 * a LIKE prefix is a range and rows come in (name, id) order, so a prefix page stops after its rows.
 */
const SORT_NAME = `(lower(display_name) COLLATE "C")`;

/**
 * A snapshot list's order: object id order, except a list whose only condition is a display-name prefix (no other
 * filter, no search), which is in (lower-cased display name by character code, object id) order. Such a list is
 * one range of the name index, read in order and a page at a time; in id order every match is read and sorted
 * for each page. With other conditions too the order stays by id: the planner then keeps every plan it has today
 * (an equality index read in id order until the page is full is the best one when the conditions go together,
 * and name order would lose it). Graph documents no order without $orderby.
 */
export type PageOrder = 'id' | 'name';

const only = (filter: object, field: string) => Object.entries(filter).every(([key, value]) => key === field || value == null);
const unfiltered = (filter: object | null | undefined) => filter == null || Object.values(filter).every((value) => value == null);

export function userPageOrder(filter: UserFilter | null | undefined, search: string | null | undefined): PageOrder {
  return filter?.displayNameStartsWith != null && search == null && only(filter, 'displayNameStartsWith') ? 'name' : 'id';
}

export function groupPageOrder(filter: GroupFilter | null | undefined): PageOrder {
  return filter?.nameStartsWith != null && only(filter, 'nameStartsWith') ? 'name' : 'id';
}

/**
 * `lower(display_name)` starts with `value`. As SORT_NAME (a range of the name index) except beside a search:
 * there the plain expression lets the search's trigram index find both conditions' rows in one scan.
 */
function prefixCondition(b: Binder, argument: string, value: string, besideSearch = false): string {
  if (value.trim() === '') throw new GatewayError(ErrorCode.BAD_USER_INPUT, `${argument}: expected some text to match the start of, got an empty string`);
  return `${besideSearch ? 'lower(display_name)' : SORT_NAME} LIKE ${b.bind(`${likeEscape(value.toLowerCase())}%`)}`;
}

/** Conditions on snapshot_users for a filter and a search (already validated by userListQuery). */
function userConditions(b: Binder, filter: UserFilter | null | undefined, search: string | null | undefined): string[] {
  const where: string[] = [];
  if (filter?.department != null) where.push(`lower(department) = lower(${b.bind(filter.department)})`);
  if (filter?.jobTitle != null) where.push(`lower(job_title) = lower(${b.bind(filter.jobTitle)})`);
  if (filter?.accountEnabled != null) where.push(`account_enabled = ${b.bind(filter.accountEnabled)}`);
  if (filter?.userType != null) where.push(`lower(user_type) = lower(${b.bind(filter.userType)})`);
  if (filter?.displayNameStartsWith != null) where.push(prefixCondition(b, 'filter.displayNameStartsWith', filter.displayNameStartsWith, search != null));
  if (search != null) where.push(searchCondition(b, searchTerm(search), SEARCHED));
  return where;
}

const SEARCHED = ['display_name', 'mail', 'user_principal_name'];
const searchTerm = (search: string) => search.trim().toLowerCase();

/**
 * A value matches when it starts with the term, or (for a term without separators) a word of it does: the term
 * right after a separator (PG_SEPARATOR: the characters the simulator's tokenizer and snapshot_words() split at,
 * no-break spaces included, which PostgreSQL's [[:space:]] leaves out under a C or C.UTF-8 ctype). The
 * `LIKE '%term%'` conjunct is implied by both and lets the trigram index find the candidates.
 */
function searchCondition(b: Binder, term: string, columns: string[]): string {
  const contains = b.bind(`%${likeEscape(term)}%`);
  const prefix = b.bind(`${likeEscape(term)}%`);
  const word = SEPARATOR.test(term) ? null : b.bind(`${PG_SEPARATOR}${regexEscape(term)}`);
  return `(${columns
    .map((c) => `(lower(${c}) LIKE ${contains} AND (lower(${c}) LIKE ${prefix}${word ? ` OR lower(${c}) ~ ${word}` : ''}))`)
    .join(' OR ')})`;
}

function groupConditions(b: Binder, filter: GroupFilter | null | undefined): string[] {
  const where: string[] = [];
  const unified = `'Unified' = ANY(group_types)`;
  switch (filter?.kind) {
    case GroupKind.MICROSOFT_365:
      where.push(unified);
      break;
    case GroupKind.SECURITY:
      where.push(`security_enabled IS TRUE AND mail_enabled IS FALSE AND NOT ${unified}`);
      break;
    case GroupKind.MAIL_ENABLED_SECURITY:
      where.push(`security_enabled IS TRUE AND mail_enabled IS TRUE AND NOT ${unified}`);
      break;
    case GroupKind.DISTRIBUTION:
      where.push(`security_enabled IS FALSE AND mail_enabled IS TRUE AND NOT ${unified}`);
      break;
  }
  if (filter?.dynamic != null) where.push(`${filter.dynamic ? '' : 'NOT '}'DynamicMembership' = ANY(group_types)`);
  if (filter?.nameStartsWith != null) where.push(prefixCondition(b, 'filter.nameStartsWith', filter.nameStartsWith));
  return where;
}

/**
 * A keyset page: `limit` rows (ask one more than the page to know if more follow) after the row `afterId` (and,
 * in name order, `afterName`, that row's sort_name), in the list's order.
 */
export interface Keyset {
  afterId: string | null;
  afterName?: string | null;
  limit: number;
}

/** A row of a name-ordered page carries its sort key, for its cursor. */
export interface SortNamed {
  sort_name?: string;
}

function page(table: string, columns: string, b: Binder, where: string[], order: PageOrder, keyset: Keyset): Sql {
  const conditions = [`tenant_id = $1`, `deleted_at IS NULL`, ...where];
  if (order === 'name') {
    if (keyset.afterId !== null) {
      if (keyset.afterName == null) throw new Error('page: a name-ordered page after a row needs that row\'s sort_name');
      // A row comparison: one index range from the cursor on, whatever the prefix.
      conditions.push(`(${SORT_NAME}, id) > (${b.bind(keyset.afterName)}, ${b.bind(keyset.afterId)}::uuid)`);
    }
    return {
      text: `SELECT ${columns}, ${SORT_NAME} AS sort_name FROM ${table} WHERE ${conditions.join(' AND ')} ORDER BY ${SORT_NAME}, id LIMIT ${b.bind(keyset.limit)}`,
      values: b.values,
    };
  }
  if (keyset.afterId !== null) conditions.push(`id > ${b.bind(keyset.afterId)}::uuid`);
  return { text: `SELECT ${columns} FROM ${table} WHERE ${conditions.join(' AND ')} ORDER BY id LIMIT ${b.bind(keyset.limit)}`, values: b.values };
}

function count(table: string, b: Binder, where: string[]): Sql {
  return { text: `SELECT count(*)::int AS count FROM ${table} WHERE ${['tenant_id = $1', 'deleted_at IS NULL', ...where].join(' AND ')}`, values: b.values };
}

export function userPageSql(tenantId: string, filter: UserFilter | null | undefined, search: string | null | undefined, keyset: Keyset): Sql {
  const b = new Binder();
  b.bind(tenantId);
  if (search != null && unfiltered(filter)) return searchPageSql(b, searchTerm(search), keyset);
  const where = userConditions(b, filter, search);
  return page('snapshot_users', USER_COLUMNS, b, where, userPageOrder(filter, search), keyset);
}

/** A search-alone page merges the id lists of the matching words when there are at most this many distinct words... */
export const SEARCH_MERGE_WORDS = 64;
/** ... else reads every matching word entry when there are fewer than this many (index entries only). */
export const SEARCH_ALL_ENTRIES = 5000;

/**
 * A page of a search alone (no filter). One statement that first reads whether the tenant's words are current
 * (sync_state.words_generation = snapshot_generation, in the statement's own snapshot, so the words it reads are
 * the ones the mark describes; user-words.ts): if not, the trigram page (userConditions). If so, user ids come
 * from the words index, then only the page's user rows (words are kept for live users only, so every id found is
 * a row of the page). Each branch sits behind a one-time filter, so only one runs:
 * - at most SEARCH_MERGE_WORDS distinct matching words (a name, a domain; found by as many index descents): each
 *   word's first page of ids after the cursor, in id order from the index, merged (O(words x page) entries, O(page)
 *   rows, whatever the number of matches);
 * - else, fewer than SEARCH_ALL_ENTRIES matching word entries: all of them, from the index alone, the page's ids
 *   sorted out of them (O(matches) index entries, O(page) rows; the LIMIT and ORDER BY word there only tell the
 *   planner how few and where: estimated at every match, it planned a sequential scan and a parallel sort, whose
 *   workers start even when the branch does not run);
 * - else (many words and many matches: a short prefix) the users in id order, each checked on its row: about
 *   page x users / matches rows, at most page x users / SEARCH_ALL_ENTRIES.
 * A term with separators must start a value: the users of its first word in id order, each checked.
 */
function searchPageSql(b: Binder, term: string, keyset: Keyset): Sql {
  const trigramConditions = [`tenant_id = $1`, `deleted_at IS NULL`, ...userConditions(b, null, term)];
  const after = b.bind(keyset.afterId ?? NO_CURSOR);
  const limit = b.bind(keyset.limit);
  const trigram = (runs: string) =>
    `(SELECT ${USER_COLUMNS} FROM snapshot_users WHERE ${trigramConditions.join(' AND ')} AND id > ${after}::uuid AND ${runs} ORDER BY id LIMIT ${limit})`;
  const built = `built AS MATERIALIZED (SELECT coalesce((SELECT s.words_generation = s.snapshot_generation FROM sync_state s WHERE s.tenant_id = $1), false) AS built)`;
  const columns = USER_COLUMNS.split(', ').map((c) => `u.${c}`).join(', ');
  const user = (id: string) => `JOIN LATERAL (SELECT * FROM snapshot_users u WHERE u.tenant_id = $1 AND u.id = ${id} AND u.deleted_at IS NULL OFFSET 0) u ON true`;
  if (SEPARATOR.test(term)) {
    // The users of the term's first word in id order (its index order), each kept when it has a word starting
    // with the term's last part and a value starting with the term: stops at a page of them.
    const parts = term.split(SEPARATORS);
    const last = parts.length > 1 && parts.at(-1) !== '' ? ` AND w.user_id IN (${wordPrefixUsers(b, parts.at(-1)!)})` : '';
    const prefix = b.bind(`${likeEscape(term)}%`);
    return {
      text: `WITH ${built}
      (SELECT ${columns} FROM snapshot_user_words w ${user('w.user_id')}
        WHERE (SELECT built FROM built) AND w.tenant_id = $1 AND w.word = ${b.bind(parts[0])} AND w.user_id > ${after}::uuid${last}
          AND (${SEARCHED.map((c) => `lower(u.${c}) LIKE ${prefix}`).join(' OR ')})
        ORDER BY w.user_id LIMIT ${limit})
      UNION ALL
      ${trigram('NOT (SELECT built FROM built)')}
      ORDER BY id`,
      values: b.values,
    };
  }
  const words = `snapshot_user_words w WHERE w.tenant_id = $1 AND w.word LIKE ${b.bind(`${likeEscape(term)}%`)}`;
  const word = b.bind(`${PG_SEPARATOR}${regexEscape(term)}`);
  const prefix = b.bind(`${likeEscape(term)}%`);
  return {
    text: `WITH RECURSIVE ${built},
      distinct_words (word, n) AS (
        SELECT (SELECT w.word FROM ${words} ORDER BY w.word LIMIT 1), 1
        UNION ALL
        SELECT (SELECT w.word FROM ${words} AND w.word > d.word ORDER BY w.word LIMIT 1), d.n + 1 FROM distinct_words d WHERE d.word IS NOT NULL AND d.n <= ${SEARCH_MERGE_WORDS}
      ),
      few AS (SELECT count(word) <= ${SEARCH_MERGE_WORDS} AS few FROM distinct_words),
      counted AS (SELECT count(*) AS entries FROM (SELECT 1 FROM ${words} AND NOT (SELECT few FROM few) ORDER BY w.word LIMIT ${SEARCH_ALL_ENTRIES}) x),
      way AS (
        SELECT CASE WHEN NOT (SELECT built FROM built) THEN 'trigram' WHEN (SELECT few FROM few) THEN 'merge'
                    WHEN (SELECT entries FROM counted) < ${SEARCH_ALL_ENTRIES} THEN 'all' ELSE 'scan' END AS way
      ),
      ids AS (
        (SELECT DISTINCT a.user_id FROM (SELECT w.user_id FROM ${words} AND w.user_id > ${after}::uuid AND (SELECT way FROM way) = 'all' ORDER BY w.word LIMIT ${SEARCH_ALL_ENTRIES}) a
          ORDER BY a.user_id LIMIT ${limit})
        UNION ALL
        (SELECT DISTINCT c.user_id FROM distinct_words d CROSS JOIN LATERAL (
            SELECT w.user_id FROM snapshot_user_words w WHERE w.tenant_id = $1 AND w.word = d.word AND w.user_id > ${after}::uuid ORDER BY w.user_id LIMIT ${limit}
          ) c WHERE (SELECT way FROM way) = 'merge' ORDER BY c.user_id LIMIT ${limit})
      )
      SELECT ${columns} FROM ids ${user('ids.user_id')}
      UNION ALL
      (SELECT ${columns} FROM snapshot_users u WHERE u.tenant_id = $1 AND u.deleted_at IS NULL AND (SELECT way FROM way) = 'scan' AND u.id > ${after}::uuid
          AND (${SEARCHED.map((c) => `lower(u.${c}) LIKE ${prefix} OR lower(u.${c}) ~ ${word}`).join(' OR ')})
        ORDER BY u.id LIMIT ${limit})
      UNION ALL
      ${trigram(`(SELECT way FROM way) = 'trigram'`)}
      ORDER BY id`,
    values: b.values,
  };
}

/** The users one of whose words starts with `term` (separator-free), from the words index alone. */
function wordPrefixUsers(b: Binder, term: string): string {
  return `SELECT w.user_id FROM snapshot_user_words w WHERE w.tenant_id = $1 AND w.word LIKE ${b.bind(`${likeEscape(term)}%`)}`;
}

export function userCountSql(tenantId: string, filter: UserFilter | null | undefined, search: string | null | undefined): Sql {
  const b = new Binder();
  b.bind(tenantId);
  return count('snapshot_users', b, userConditions(b, filter, search));
}

export function groupPageSql(tenantId: string, filter: GroupFilter | null | undefined, keyset: Keyset): Sql {
  const b = new Binder();
  b.bind(tenantId);
  const where = groupConditions(b, filter);
  return page('snapshot_groups', GROUP_COLUMNS, b, where, groupPageOrder(filter), keyset);
}

export function groupCountSql(tenantId: string, filter: GroupFilter | null | undefined): Sql {
  const b = new Binder();
  b.bind(tenantId);
  return count('snapshot_groups', b, groupConditions(b, filter));
}

/** One user by object id or (case-insensitively) by sign-in name. */
export function userByKeySql(tenantId: string, key: { id: string } | { userPrincipalName: string }): Sql {
  return 'id' in key
    ? { text: `SELECT ${USER_COLUMNS} FROM snapshot_users WHERE tenant_id = $1 AND id = $2::uuid AND deleted_at IS NULL`, values: [tenantId, key.id] }
    : {
        text: `SELECT ${USER_COLUMNS} FROM snapshot_users WHERE tenant_id = $1 AND lower(user_principal_name) = lower($2) AND deleted_at IS NULL`,
        values: [tenantId, key.userPrincipalName],
      };
}

export function groupByIdSql(tenantId: string, id: string): Sql {
  return { text: `SELECT ${GROUP_COLUMNS} FROM snapshot_groups WHERE tenant_id = $1 AND id = $2::uuid AND deleted_at IS NULL`, values: [tenantId, id] };
}

/** Member rows: the member's id and type, with the user's or the group's columns (null for other types). */
const MEMBER_COLUMNS = `m.member_id AS id, m.member_type,
  coalesce(u.display_name, g.display_name) AS display_name, u.user_principal_name, u.mail, u.department, u.job_title, u.account_enabled, u.user_type,
  g.group_types, g.membership_rule, g.security_enabled, g.mail_enabled`;
/**
 * Each member's row, looked up by primary key per membership row, in the memberships' index order. LATERAL with
 * OFFSET 0 (not pulled up into a join): otherwise, for a batch of parents, the planner plans every group at the
 * average group's size and may hash-join and sort ALL the members of a big group to return a page of them.
 */
const MEMBER_JOINS = `LEFT JOIN LATERAL (SELECT * FROM snapshot_users u WHERE m.member_type = 'user' AND u.tenant_id = m.tenant_id AND u.id = m.member_id OFFSET 0) u ON true
  LEFT JOIN LATERAL (SELECT * FROM snapshot_groups g WHERE m.member_type = 'group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id OFFSET 0) g ON true`;
/** Users and groups that exist (not deleted), service principals (the snapshot holds only their id); no other kinds. */
const VISIBLE_MEMBER = `((m.member_type = 'user' AND u.deleted_at IS NULL AND u.id IS NOT NULL) OR (m.member_type = 'group' AND g.deleted_at IS NULL AND g.id IS NOT NULL) OR m.member_type = 'servicePrincipal')`;

/** One parent of a batched nested list: its id and where its page starts (its own cursor, or none). */
export interface ParentPage {
  parentId: string;
  afterId: string | null;
}

/**
 * A nested list for many parents in ONE statement (the request's loader gathers a page of parents): each parent's
 * keyset page is a LATERAL subquery, so every parent gets its own `limit` rows after its own cursor, in its own id
 * order (per-parent Relay paging stays exact), and a parent costs what its page costs, O(page), as if asked alone.
 * Rows carry `parent_ord`, the parent's 1-based position in `parents`; the caller puts each parent's rows in id
 * order (no sort node over the whole batch here: the plans test holds pages to index order).
 */
function perParent(b: Binder, parents: readonly ParentPage[], limit: number, lateral: (parent: string, after: string, limit: string) => string): Sql {
  if (parents.length === 1) {
    // One parent (a list asked at the top, or a page of one): its id as a value the planner sees, so that it
    // plans for THIS group's size (a group holding the whole tenant gets an ordered index scan, not a sort of
    // its members, which the average group's estimate would give).
    const [only] = parents;
    const parent = `${b.bind(only.parentId)}::uuid`;
    const after = `${b.bind(only.afterId ?? NO_CURSOR)}::uuid`;
    return { text: `SELECT 1 AS parent_ord, x.* FROM (${lateral(parent, after, b.bind(limit))}) x`, values: b.values };
  }
  const ids = b.bind(parents.map((p) => p.parentId));
  const afters = b.bind(parents.map((p) => p.afterId ?? NO_CURSOR));
  const perPage = b.bind(limit);
  return {
    text: `SELECT p.ord::int AS parent_ord, x.* FROM unnest(${ids}::uuid[], ${afters}::uuid[]) WITH ORDINALITY AS p(parent_id, after_id, ord)
      CROSS JOIN LATERAL (${lateral('p.parent_id', 'p.after_id', perPage)}) x`,
    values: b.values,
  };
}

/**
 * Groups' members. Direct: the membership primary key (tenant_id, group_id, member_id) gives the order, O(page).
 * Transitive: the groups nested below (cycle-safe: UNION), then a merge of their member lists: each nested group's
 * first page after the cursor (from the same index, in order), then the first page of those, once each. That
 * reads O(nested groups x page) rows, never all the members of a big group (the page's k smallest ids are each
 * among the first k of some nested group's own list), nor the tenant.
 */
export function groupMembersSql(tenantId: string, parents: readonly ParentPage[], transitive: boolean, limit: number): Sql {
  const b = new Binder();
  b.bind(tenantId);
  return perParent(b, parents, limit, (group, after, perPage) =>
    transitive
      ? `WITH RECURSIVE nested(id) AS (
          SELECT ${group}
          UNION
          SELECT m.member_id FROM snapshot_memberships m JOIN nested n ON m.group_id = n.id
            JOIN snapshot_groups ng ON ng.tenant_id = m.tenant_id AND ng.id = m.member_id AND ng.deleted_at IS NULL
           WHERE m.tenant_id = $1 AND m.member_type = 'group'
        )
        SELECT DISTINCT ON (c.id) c.* FROM nested n
          CROSS JOIN LATERAL (SELECT ${MEMBER_COLUMNS} FROM snapshot_memberships m ${MEMBER_JOINS}
             WHERE m.tenant_id = $1 AND m.group_id = n.id AND m.member_id <> ${group} AND m.member_id > ${after} AND ${VISIBLE_MEMBER}
             ORDER BY m.member_id LIMIT ${perPage}) c
         ORDER BY c.id LIMIT ${perPage}`
      : `SELECT ${MEMBER_COLUMNS} FROM snapshot_memberships m ${MEMBER_JOINS}
          WHERE m.tenant_id = $1 AND m.group_id = ${group} AND m.member_id > ${after} AND ${VISIBLE_MEMBER}
          ORDER BY m.member_id LIMIT ${perPage}`,
  );
}

/**
 * The groups users are in: direct from the memberships (index (tenant_id, member_id, group_id)), transitive from
 * the effective memberships the sync keeps (index (tenant_id, user_id, group_id)); deleted groups never.
 */
export function userGroupsSql(tenantId: string, parents: readonly ParentPage[], transitive: boolean, limit: number): Sql {
  const b = new Binder();
  b.bind(tenantId);
  const [table, column] = transitive ? ['snapshot_effective', 'user_id'] : ['snapshot_memberships', 'member_id'];
  return perParent(
    b,
    parents,
    limit,
    // The group by primary key per membership row, in the membership index's order (see MEMBER_JOINS).
    (user, after, perPage) => `SELECT ${GROUP_COLUMNS.split(', ').map((c) => `g.${c}`).join(', ')} FROM ${table} r
      JOIN LATERAL (SELECT * FROM snapshot_groups g WHERE g.tenant_id = r.tenant_id AND g.id = r.group_id AND g.deleted_at IS NULL OFFSET 0) g ON true
      WHERE r.tenant_id = $1 AND r.${column} = ${user} AND r.group_id > ${after}
      ORDER BY r.group_id LIMIT ${perPage}`,
  );
}

/** The tenant's status and its last completed sync round, with the age by the database's clock: one round trip. */
export function snapshotStateSql(tenantId: string): Sql {
  return {
    text: `SELECT t.status, s.last_success_at, extract(epoch FROM now() - s.last_success_at)::float8 AS age
      FROM tenants t LEFT JOIN sync_state s ON s.tenant_id = t.id WHERE t.id = $1`,
    values: [tenantId],
  };
}
