/**
 * One implementation of a Graph collection GET: $filter, $search, $orderby, $count, $select, $expand and
 * server-driven paging with opaque $skiptoken nextLinks (graph-facts §1-2).
 *
 * Paging is keyset-based (the token holds the sort key of the last object examined), so writes between pages
 * neither repeat nor skip objects that did not change. Advanced queries (ConsistencyLevel: eventual) examine at
 * most SCAN_FACTOR x page size objects per page, as Entra's eventual index does: a selective filter can yield
 * an empty page that still has a nextLink, which a client must follow like any other.
 */
import { badRequest } from '../errors';
import { DIRECTORY_OBJECT, type EntityType } from './entities';
import { contextUrl, graphRoot, isEventual, json, text, type Call, type GraphResponse } from './http';
import type { TypedObject } from './lookup';
import { matchesFilter } from './odata/filter-eval';
import { parseQueryOptions, type QueryOptions, type QueryRules } from './odata/query';
import { matchesSearch } from './odata/search';
import { project, projectTyped } from './serialize';
import { smallest } from './smallest';

export const DEFAULT_PAGE_SIZE = 100;
const SCAN_FACTOR = 10;
/** graph-facts §2: expanded relationships hold at most 20 items and never page. */
const EXPAND_LIMIT = 20;

export interface CollectionSpec<T extends object> {
  rules: QueryRules;
  items: readonly T[];
  /** @odata.context fragment, e.g. "users" or "directoryObjects". */
  contextFragment: string;
  /** Polymorphic collections: the entity type of each item (emits @odata.type). */
  typeOf?: (item: T) => EntityType;
  /** Related objects for $expand: a list for collection relationships, one object (or null) for single ones. */
  expand?: (item: T, property: string) => Expansion;
  /** Routes that do not page (directoryRoles): everything in one response. */
  unpaged?: boolean;
}

type SortKey = [string, string];

interface PageState {
  k: 'page';
  tid: string;
  path: string;
  q: string;
  after: SortKey;
}

export function listCollection<T extends object>(call: Call, spec: CollectionSpec<T>): GraphResponse {
  const options = parseQueryOptions(call.req.query, isEventual(call.req), spec.rules);
  const canonical = canonicalQuery(call.req.query);
  const after = options.skipToken === undefined ? undefined : openPageToken(call, options.skipToken, canonical);
  const pageSize = spec.unpaged ? Infinity : (options.top ?? Math.min(DEFAULT_PAGE_SIZE, spec.rules.maxTop ?? 999));
  const matches = matcherFor(options);
  const direction = options.orderBy?.descending ? -1 : 1;
  const order = (a: Keyed<T>, b: Keyed<T>) => direction * compareKeys(a.key, b.key);
  const keyed = spec.items.map((item) => ({ item, key: sortKey(item, options) }));
  // $skip counts from the start of the query; later pages continue from their $skiptoken alone.
  const remaining = after ? keyed.filter((k) => order(k, { item: k.item, key: after }) > 0) : skipMatches(keyed, options.skip ?? 0, order, matches);
  const budget = options.advanced || options.search ? pageSize * SCAN_FACTOR : Infinity;
  const { page, lastExamined, hasMore } = Number.isFinite(budget)
    ? scanWindow(remaining, budget, pageSize, order, matches)
    : firstMatches(remaining, pageSize, order, matches);

  const body: Record<string, unknown> = { '@odata.context': contextUrl(call, spec.contextFragment, options.select) };
  if (options.count && !after) body['@odata.count'] = spec.items.filter(matches).length;
  if (hasMore && lastExamined) {
    const state: PageState = { k: 'page', tid: call.claims.tid, path: call.req.path, q: canonical, after: lastExamined.key };
    body['@odata.nextLink'] = nextLink(call, call.env.sealer.seal(state));
  }
  body.value = page.map((item) => serialiseItem(item, spec, options));
  return json(200, body);
}

interface Keyed<T> {
  item: T;
  key: SortKey;
}

type KeyOrder<T> = (a: Keyed<T>, b: Keyed<T>) => number;

interface ScannedPage<T> {
  page: T[];
  lastExamined?: Keyed<T>;
  hasMore: boolean;
}

function skipMatches<T>(keyed: Keyed<T>[], skip: number, order: KeyOrder<T>, matches: (item: T) => boolean): Keyed<T>[] {
  if (skip === 0) return keyed;
  const { items: skipped } = smallest(
    keyed.filter((k) => matches(k.item)),
    skip,
    order,
  );
  const last = skipped[skipped.length - 1];
  return last ? keyed.filter((k) => order(k, last) > 0) : keyed;
}

/** The first `pageSize` matching objects after the cursor, without sorting the whole collection. */
function firstMatches<T>(remaining: Keyed<T>[], pageSize: number, order: KeyOrder<T>, matches: (item: T) => boolean): ScannedPage<T> {
  const { items, more } = smallest(
    remaining.filter((k) => matches(k.item)),
    pageSize,
    order,
  );
  return { page: items.map((k) => k.item), lastExamined: items[items.length - 1], hasMore: more };
}

/**
 * Eventual-index behaviour: examine at most `budget` objects after the cursor and return those that match.
 * A budget-limited scan cannot know whether unexamined objects match: it offers a nextLink regardless.
 */
function scanWindow<T>(remaining: Keyed<T>[], budget: number, pageSize: number, order: KeyOrder<T>, matches: (item: T) => boolean): ScannedPage<T> {
  const { items: window, more } = smallest(remaining, budget, order);
  const page: T[] = [];
  let examined = 0;
  while (examined < window.length && page.length < pageSize) {
    if (matches(window[examined].item)) page.push(window[examined].item);
    examined++;
  }
  return { page, lastExamined: window[examined - 1], hasMore: more || examined < window.length };
}

function serialiseItem<T extends object>(item: T, spec: CollectionSpec<T>, options: QueryOptions): Record<string, unknown> {
  const entity = spec.typeOf?.(item) ?? spec.rules.entity;
  const out = spec.typeOf ? projectTyped(entity, item, options.select) : project(entity, item, options.select);
  if (options.expand && spec.expand) out[options.expand.property] = expandItems(spec.expand(item, options.expand.property), options.expand.select);
  return out;
}

export type Expansion = TypedObject[] | TypedObject | null;

export function expandItems(related: Expansion, select?: string[]): unknown {
  const one = ({ entity, object }: TypedObject) => projectTyped(entity, object, select);
  if (related === null) return null;
  return Array.isArray(related) ? related.slice(0, EXPAND_LIMIT).map(one) : one(related);
}

function matcherFor(options: QueryOptions): (item: object) => boolean {
  return (item) => (!options.filter || matchesFilter(options.filter, item)) && (!options.search || matchesSearch(options.search, item));
}

function sortKey(item: object, options: QueryOptions): SortKey {
  const record = item as Record<string, unknown>;
  const value = options.orderBy ? record[options.orderBy.property] : '';
  return [value === null || value === undefined ? '' : String(value).toLowerCase(), String(record.id)];
}

function compareKeys(a: SortKey, b: SortKey): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/** The query without $skiptoken, order-independent: a token only continues the query that issued it. */
export function canonicalQuery(query: URLSearchParams): string {
  return [...query]
    .filter(([k]) => k.toLowerCase() !== '$skiptoken')
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join('&');
}

function openPageToken(call: Call, token: string, canonical: string): SortKey {
  const state = call.env.sealer.open(token) as PageState | undefined;
  if (!state || state.k !== 'page' || state.tid !== call.claims.tid || state.path !== call.req.path || state.q !== canonical) {
    throw badRequest('The $skiptoken is invalid: it is not one this service issued for this request and its query parameters.');
  }
  return state.after;
}

/** The original URL with every query parameter kept and $skiptoken added (graph-facts §1). */
export function nextLink(call: Call, token: string): string {
  const query = new URLSearchParams([...call.req.query].filter(([k]) => k.toLowerCase() !== '$skiptoken'));
  query.append('$skiptoken', token);
  return `${graphRoot(call)}${call.req.path}?${query.toString().replace(/%24/g, '$')}`;
}

const DIRECTORY_OBJECT_RULES: QueryRules = {
  entity: DIRECTORY_OBJECT,
  allowed: ['$select', '$filter', '$top', '$count', '$search', '$orderby', '$skiptoken'],
  maxTop: 999,
};

/**
 * members, memberOf, transitive variants: mixed types, each item with @odata.type. `unpaged` for directory
 * role members, which accept only $select (graph-facts §1).
 */
export function listDirectoryObjects(call: Call, objects: TypedObject[], { unpaged = false } = {}): GraphResponse {
  const types = new Map<object, EntityType>(objects.map((o) => [o.object, o.entity]));
  return listCollection(call, {
    rules: unpaged ? { entity: DIRECTORY_OBJECT, allowed: ['$select'] } : DIRECTORY_OBJECT_RULES,
    items: objects.map((o) => o.object),
    contextFragment: 'directoryObjects',
    typeOf: (item) => types.get(item)!,
    unpaged,
  });
}

/** /$count segments: a text/plain number; the header alone makes it an advanced query (graph-facts §2). */
export function countCollection<T extends object>(call: Call, entity: EntityType, items: readonly T[]): GraphResponse {
  if (!isEventual(call.req)) {
    throw badRequest("$count is not currently supported without the header 'ConsistencyLevel: eventual'.");
  }
  const options = parseQueryOptions(call.req.query, true, { entity, allowed: ['$filter', '$search'] }, true);
  return text(String(items.filter(matcherFor(options)).length));
}

/** GET of one object: only $select (and $expand where the route allows it). */
export function getObject(call: Call, rules: QueryRules, object: object, fragment: string, expand?: CollectionSpec<object>['expand']): GraphResponse {
  const options = parseQueryOptions(call.req.query, isEventual(call.req), rules);
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(call, `${fragment}/$entity`, options.select),
    ...project(rules.entity, object, options.select),
  };
  if (options.expand && expand) body[options.expand.property] = expandItems(expand(object, options.expand.property), options.expand.select);
  return json(200, body);
}
