/**
 * Caller arguments -> Graph query options, as pure functions: every piece of caller text goes through the
 * OData literal escaping of graph/odata.ts (`O'Brien` -> 'O''Brien'), and anything Graph would refuse, or
 * that cannot be expressed safely, is BAD_USER_INPUT here, before a Graph call.
 */
import { filterEq, graphPath, odataString, queryString, startsWith } from '../graph';
import { ErrorCode, GatewayError } from '../core/errors';
import { GroupKind } from './directory-object.types';
import type { GroupFilter, UserFilter } from './directory.inputs';

export interface ListQuery {
  filter?: string;
  search?: string;
  /** An advanced query: ConsistencyLevel: eventual and $count=true (graph-facts §2). */
  advanced: boolean;
}

const invalid = (argument: string, message: string) => new GatewayError(ErrorCode.BAD_USER_INPUT, `${argument}: ${message}`);

/** `odataString` refuses control characters and broken UTF-16: the caller's input, not a failure of ours. */
function literal(argument: string, value: string): string {
  try {
    return odataString(value);
  } catch (err) {
    throw invalid(argument, (err as Error).message.replace(/^odataString: /, ''));
  }
}

function prefix(argument: string, property: string, value: string): string {
  if (value.trim() === '') throw invalid(argument, 'expected some text to match the start of, got an empty string');
  literal(argument, value);
  return startsWith(property, value);
}

function equals(argument: string, property: string, value: string): string {
  literal(argument, value);
  return filterEq(property, value);
}

/** A `$search` term: Graph's grammar quotes it in double quotes, so those (and backslashes) cannot appear in it. */
function searchTerm(value: string): string {
  const term = value.trim();
  if (term === '') throw invalid('search', 'expected some text to search for, got an empty string');
  if (/["\\]/.test(term)) throw invalid('search', 'double quotes and backslashes cannot be searched for');
  literal('search', term);
  return term;
}

export function userListQuery(filter: UserFilter | null | undefined, search: string | null | undefined): ListQuery {
  const clauses = [
    filter?.department != null && equals('filter.department', 'department', filter.department),
    filter?.jobTitle != null && equals('filter.jobTitle', 'jobTitle', filter.jobTitle),
    filter?.accountEnabled != null && filterEq('accountEnabled', filter.accountEnabled),
    filter?.userType != null && filterEq('userType', filter.userType),
    filter?.displayNameStartsWith != null && prefix('filter.displayNameStartsWith', 'displayName', filter.displayNameStartsWith),
  ].filter((clause): clause is string => typeof clause === 'string');
  const term = search == null ? undefined : searchTerm(search);
  return {
    ...(clauses.length > 0 ? { filter: clauses.join(' and ') } : {}),
    ...(term === undefined ? {} : { search: ['displayName', 'mail', 'userPrincipalName'].map((p) => `"${p}:${term}"`).join(' OR ') }),
    advanced: term !== undefined,
  };
}

const UNIFIED = "groupTypes/any(c:c eq 'Unified')";
const DYNAMIC = "groupTypes/any(c:c eq 'DynamicMembership')";

/** Graph has no "kind": it is Unified in groupTypes, or else mail- and security-enabled (graph-facts §7). */
const KIND_FILTERS: Readonly<Record<GroupKind, { filter: string; advanced: boolean }>> = {
  [GroupKind.MICROSOFT_365]: { filter: UNIFIED, advanced: false },
  [GroupKind.SECURITY]: { filter: `securityEnabled eq true and mailEnabled eq false and not ${UNIFIED}`, advanced: true },
  [GroupKind.MAIL_ENABLED_SECURITY]: { filter: `securityEnabled eq true and mailEnabled eq true and not ${UNIFIED}`, advanced: true },
  [GroupKind.DISTRIBUTION]: { filter: `securityEnabled eq false and mailEnabled eq true and not ${UNIFIED}`, advanced: true },
};

export function groupListQuery(filter: GroupFilter | null | undefined): ListQuery {
  const kind = filter?.kind == null ? undefined : KIND_FILTERS[filter.kind];
  const clauses = [
    kind?.filter,
    filter?.dynamic == null ? undefined : filter.dynamic ? DYNAMIC : `not ${DYNAMIC}`,
    filter?.nameStartsWith == null ? undefined : prefix('filter.nameStartsWith', 'displayName', filter.nameStartsWith),
  ].filter((clause): clause is string => clause !== undefined);
  return { ...(clauses.length > 0 ? { filter: clauses.join(' and ') } : {}), advanced: (kind?.advanced ?? false) || filter?.dynamic === false };
}

/** A list request: `path?$select&$top&$filter&$search` (+ $count=true for advanced queries or a wanted count). */
export function listLink(path: string, options: { select: string; top: number; query?: ListQuery; count?: boolean }): string {
  const { query } = options;
  return `${path}${queryString({
    $select: options.select,
    $top: options.top,
    $filter: query?.filter,
    $search: query?.search,
    $count: query?.advanced || options.count ? true : undefined,
  })}`;
}

/** One object by id (or a user by UPN): the key is a path segment, percent-encoded whole (`#EXT#`). */
export function objectLink(collection: 'users' | 'groups', key: string, select: string): string {
  if (key.trim() === '') throw invalid('id', 'expected an object id, got an empty string');
  try {
    return `${graphPath`/${collection}/${key}`}${queryString({ $select: select })}`;
  } catch (err) {
    throw invalid('id', (err as Error).message);
  }
}
