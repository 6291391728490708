/**
 * Key order for collection paging (collection.ts). A collection is walked in its sort key order from a keyset
 * cursor (the key of the last object a previous page examined), strictly after it.
 *
 * Users and groups keep a sorted key index per (collection, order property) across requests: it is built once
 * and then maintained from the store's change log (every write to a user or group is logged with its id), so an
 * unfiltered page costs a binary search plus the page itself instead of a pass over the whole directory.
 * Other collections (small, or assembled per request like a group's members) are ordered per request, lazily:
 * only as many objects as the page needs are selected, without sorting the rest.
 */
import type { ChangeEntry } from '../store';
import { smallest } from './smallest';

/** [lower-cased value of the order property ('' without $orderby), id]: unique per collection. */
export type SortKey = [string, string];

export interface Keyed<T> {
  item: T;
  key: SortKey;
}

export function compareKeys(a: SortKey, b: SortKey): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

export function sortKeyOf(item: object, orderProperty: string | undefined): SortKey {
  const record = item as Record<string, unknown>;
  const value = orderProperty ? record[orderProperty] : '';
  return [value === null || value === undefined ? '' : String(value).toLowerCase(), String(record.id)];
}

/** Objects in the query's order, from a cursor. */
export interface OrderedSource<T> {
  /** Objects whose key comes strictly after `after` in the walk's direction (all when undefined), in order,
   * optionally only those `where` accepts. `hint`: how many the caller expects to consume (an optimisation). */
  walk(after: SortKey | undefined, where: ((item: T) => boolean) | undefined, hint: number): Iterable<Keyed<T>>;
}

// ---- an ascending array ----------------------------------------------------------------------------------

/** First index whose key is greater than `key` (> when `strict`, >= otherwise). */
function bound<T>(entries: readonly Keyed<T>[], key: SortKey, strict: boolean): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(entries[mid].key, key);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Walks a sorted array from a binary-searched cursor: O(log n) to start, then one step per object. */
export function sortedSource<T>(entries: readonly Keyed<T>[], descending: boolean): OrderedSource<T> {
  return {
    *walk(after, where) {
      if (descending) {
        for (let i = (after ? bound(entries, after, false) : entries.length) - 1; i >= 0; i--) {
          if (!where || where(entries[i].item)) yield entries[i];
        }
      } else {
        for (let i = after ? bound(entries, after, true) : 0; i < entries.length; i++) {
          if (!where || where(entries[i].item)) yield entries[i];
        }
      }
    },
  };
}

// ---- per request -----------------------------------------------------------------------------------------

/**
 * Orders `items` per request, lazily: each step selects the next smallest chunk (O(n log chunk)) and chunks
 * double, so a page that needs k objects costs about one pass over the collection, not a full sort.
 */
export function unsortedSource<T extends object>(items: readonly T[], orderProperty: string | undefined, descending: boolean): OrderedSource<T> {
  const direction = descending ? -1 : 1;
  const order = (a: Keyed<T>, b: Keyed<T>) => direction * compareKeys(a.key, b.key);
  return {
    *walk(after, where, hint) {
      let rest: Keyed<T>[] = [];
      for (const item of items) {
        if (where && !where(item)) continue;
        const keyed = { item, key: sortKeyOf(item, orderProperty) };
        if (!after || direction * compareKeys(keyed.key, after) > 0) rest.push(keyed);
      }
      for (let chunk = Math.max(1, Math.min(hint, rest.length)); rest.length > 0; chunk *= 2) {
        const { items: next, more } = smallest(rest, chunk, order);
        yield* next;
        if (!more) return;
        const last = next[next.length - 1];
        rest = rest.filter((k) => order(k, last) > 0);
      }
    },
  };
}

// ---- maintained indexes ----------------------------------------------------------------------------------

/** The store's change log for one tenant. */
export interface ChangeFeed {
  /** Whose log this is (the store): indexes are kept per log, even for a tenant object two stores share. */
  owner: object;
  currentSeq(): number;
  changesSince(seq: number): readonly ChangeEntry[];
}

interface SortedIndex<T> {
  /** The log position the index reflects. */
  seq: number;
  entries: Keyed<T>[];
  byId: Map<string, Keyed<T>>;
  lastUsed: number;
}

/** Orders kept per collection; the least recently used one goes first. */
const MAX_ORDERS = 4;
/** store -> live collection -> order property ('' = by id) -> index; weakly held, so it dies with them. */
const indexes = new WeakMap<object, WeakMap<ReadonlyMap<string, object>, Map<string, SortedIndex<object>>>>();
let uses = 0;

/**
 * The collection in ascending key order for `orderProperty`, built on first use and afterwards brought up to
 * date from the change entries logged since: each changed object is removed at its old key and inserted at its
 * new one (binary search, one array move). Many changes at once rebuild instead.
 */
export function maintainedIndex<T extends { id: string }>(
  live: ReadonlyMap<string, T>,
  kind: 'user' | 'group',
  orderProperty: string | undefined,
  feed: ChangeFeed,
): readonly Keyed<T>[] {
  let perCollection = indexes.get(feed.owner);
  if (!perCollection) indexes.set(feed.owner, (perCollection = new WeakMap()));
  let perOrder = perCollection.get(live) as Map<string, SortedIndex<T>> | undefined;
  if (!perOrder) perCollection.set(live, (perOrder = new Map()) as Map<string, SortedIndex<object>>);
  const name = orderProperty ?? '';
  const seq = feed.currentSeq();
  let index = perOrder.get(name);
  if (index && index.seq !== seq) {
    index = index.seq < seq && update(index, live, kind, orderProperty, feed.changesSince(index.seq)) ? index : undefined;
  }
  if (!index || index.entries.length !== live.size) {
    index = build(live, orderProperty);
    if (!perOrder.has(name) && perOrder.size >= MAX_ORDERS) {
      const [oldest] = [...perOrder].sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
      perOrder.delete(oldest[0]);
    }
    perOrder.set(name, index);
  }
  index.seq = seq;
  index.lastUsed = ++uses;
  return index.entries;
}

function build<T extends { id: string }>(live: ReadonlyMap<string, T>, orderProperty: string | undefined): SortedIndex<T> {
  const entries: Keyed<T>[] = [];
  const byId = new Map<string, Keyed<T>>();
  for (const item of live.values()) {
    const keyed = { item, key: sortKeyOf(item, orderProperty) };
    entries.push(keyed);
    byId.set(item.id, keyed);
  }
  entries.sort((a, b) => compareKeys(a.key, b.key));
  return { seq: 0, entries, byId, lastUsed: 0 };
}

/** Applies logged changes in place; false when there are too many (or the index disagrees): rebuild. */
function update<T extends { id: string }>(
  index: SortedIndex<T>,
  live: ReadonlyMap<string, T>,
  kind: 'user' | 'group',
  orderProperty: string | undefined,
  changes: readonly ChangeEntry[],
): boolean {
  const touched = new Set<string>();
  for (const c of changes) if (c.kind === kind) touched.add(c.id);
  // One move is O(n): past ~n/64 moves a sort is as cheap.
  if (touched.size > Math.max(64, index.entries.length >> 6)) return false;
  for (const id of touched) {
    const old = index.byId.get(id);
    if (old) {
      const at = bound(index.entries, old.key, false);
      if (index.entries[at] !== old) return false;
      index.entries.splice(at, 1);
      index.byId.delete(id);
    }
    const item = live.get(id);
    if (item) {
      const keyed = { item, key: sortKeyOf(item, orderProperty) };
      index.entries.splice(bound(index.entries, keyed.key, false), 0, keyed);
      index.byId.set(id, keyed);
    }
  }
  return true;
}
