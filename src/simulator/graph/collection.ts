/**
 * One implementation of a Graph collection GET: $filter, $search, $orderby, $count, $select, $expand and
 * server-driven paging with opaque $skiptoken nextLinks (graph-facts §1-2).
 *
 * Paging is keyset-based (the token holds the sort key of the last object examined), so writes between pages
 * neither repeat nor skip objects that did not change. Users and groups page from a sorted key index kept across
 * requests (sorted-index.ts): an unfiltered page costs O(log n + page); a filter scans forward from the cursor
 * in index order until the page is full. Advanced queries (ConsistencyLevel: eventual) examine at
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
import { maintainedIndex, sortedSource, unsortedSource, type OrderedSource, type SortKey } from './sorted-index';

export const DEFAULT_PAGE_SIZE = 100;
const SCAN_FACTOR = 10;
/** graph-facts §2: expanded relationships hold at most 20 items and never page. */
const EXPAND_LIMIT = 20;

export interface CollectionSpec<T extends object> {
  rules: QueryRules;
  /**
   * The objects, in any order; or a live users/groups map of the tenant, which is paged from a sorted key index
   * maintained from the store's change log (sorted-index.ts) instead of being ordered for every page.
   */
  items: readonly T[] | LiveCollection<T>;
  /** @odata.context fragment, e.g. "users" or "directoryObjects". */
  contextFragment: string;
  /** Polymorphic collections: the entity type of each item (emits @odata.type). */
  typeOf?: (item: T) => EntityType;
  /** Related objects for $expand: a list for collection relationships, one object (or null) for single ones. */
  expand?: (item: T, property: string) => Expansion;
  /** Routes that do not page (directoryRoles): everything in one response. */
  unpaged?: boolean;
}

export interface LiveCollection<T> {
  live: ReadonlyMap<string, T>;
  kind: 'user' | 'group';
}

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
  const filtered = Boolean(options.filter || options.search);
  const matches = filtered ? matcherFor(options) : undefined;
  const source = orderedSource(call, spec, options);
  const budget = options.advanced || options.search ? pageSize * SCAN_FACTOR : Infinity;
  // $skip counts from the start of the query; later pages continue from their $skiptoken alone.
  const from = after ?? skipMatches(source, options.skip ?? 0, matches);
  const { page, lastExamined, hasMore } = Number.isFinite(budget)
    ? scanWindow(source, from, budget, pageSize, matches)
    : firstMatches(source, from, pageSize, matches);

  const body: Record<string, unknown> = { '@odata.context': contextUrl(call, spec.contextFragment, options.select) };
  if (options.count && !after) body['@odata.count'] = countMatches(spec.items, matches);
  if (hasMore && lastExamined) {
    const state: PageState = { k: 'page', tid: call.claims.tid, path: call.req.path, q: canonical, after: lastExamined };
    body['@odata.nextLink'] = nextLink(call, call.env.sealer.seal(state));
  }
  body.value = page.map((item) => serialiseItem(item, spec, options));
  return json(200, body);
}

function orderedSource<T extends object>(call: Call, spec: CollectionSpec<T>, options: QueryOptions): OrderedSource<T> {
  const property = options.orderBy?.property;
  const descending = Boolean(options.orderBy?.descending);
  if (isArray(spec.items)) return unsortedSource(spec.items, property, descending);
  const { store } = call.ctx;
  const tenantId = call.tenant.id;
  const feed = { owner: store, currentSeq: () => store.currentSeq(tenantId), changesSince: (seq: number) => store.changesSince(tenantId, seq) };
  const live = spec.items.live as unknown as ReadonlyMap<string, T & { id: string }>;
  return sortedSource(maintainedIndex(live, spec.items.kind, property, feed), descending);
}

function isArray<T>(items: readonly T[] | LiveCollection<T>): items is readonly T[] {
  return Array.isArray(items);
}

function countMatches<T extends object>(items: readonly T[] | LiveCollection<T>, matches: ((item: T) => boolean) | undefined): number {
  const all = isArray(items) ? items : items.live.values();
  if (!matches) return isArray(items) ? items.length : items.live.size;
  let count = 0;
  for (const item of all) if (matches(item)) count++;
  return count;
}

interface ScannedPage<T> {
  page: T[];
  /** Key of the last object examined: where the next page starts. */
  lastExamined?: SortKey;
  hasMore: boolean;
}

/** Where the page after the first `skip` matching objects starts (undefined: from the beginning). */
function skipMatches<T>(source: OrderedSource<T>, skip: number, matches: ((item: T) => boolean) | undefined): SortKey | undefined {
  let last: SortKey | undefined;
  let skipped = 0;
  if (skip === 0) return undefined;
  for (const k of source.walk(undefined, matches, skip)) {
    last = k.key;
    if (++skipped === skip) break;
  }
  return last;
}

/** The first `pageSize` matching objects after the cursor: only those (and one more) are visited in an index. */
function firstMatches<T>(source: OrderedSource<T>, from: SortKey | undefined, pageSize: number, matches: ((item: T) => boolean) | undefined): ScannedPage<T> {
  const page: T[] = [];
  let lastExamined: SortKey | undefined;
  for (const k of source.walk(from, matches, pageSize + 1)) {
    if (page.length === pageSize) return { page, lastExamined, hasMore: true };
    page.push(k.item);
    lastExamined = k.key;
  }
  return { page, lastExamined, hasMore: false };
}

/**
 * Eventual-index behaviour: examine at most `budget` objects after the cursor and return those that match.
 * A budget-limited scan cannot know whether unexamined objects match: it offers a nextLink regardless.
 */
function scanWindow<T>(
  source: OrderedSource<T>,
  from: SortKey | undefined,
  budget: number,
  pageSize: number,
  matches: ((item: T) => boolean) | undefined,
): ScannedPage<T> {
  const page: T[] = [];
  let lastExamined: SortKey | undefined;
  let examined = 0;
  for (const k of source.walk(from, undefined, budget + 1)) {
    if (examined === budget || page.length === pageSize) return { page, lastExamined, hasMore: true };
    examined++;
    lastExamined = k.key;
    if (!matches || matches(k.item)) page.push(k.item);
  }
  return { page, lastExamined, hasMore: false };
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
