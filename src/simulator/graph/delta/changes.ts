/**
 * Pure part of a delta round (graph-facts §4): which objects a round reports and in what shape, from the
 * store's change log. Object order is the order of each object's first change in the window, which the log
 * fixes, so a round's pages can be addressed by index even while the directory keeps changing.
 */
import type { ChangeEntry, MemberKind } from '../../store';
import { smallest } from '../smallest';

export interface MemberDelta {
  id: string;
  kind: MemberKind;
  removed: boolean;
}

export type DeltaItem =
  | { id: string; shape: 'full'; members: MemberDelta[] }
  | { id: string; shape: 'changed'; changed: string[]; members: MemberDelta[] }
  | { id: string; shape: 'removed'; reason: 'changed' | 'deleted'; members: MemberDelta[] };

export interface RoundScope {
  kind: 'user' | 'group';
  /** $filter=id eq .. or ..; undefined = every object. */
  ids?: ReadonlySet<string>;
  /** Properties tracked ($select); undefined = all. */
  tracked?: ReadonlySet<string>;
  /** groups: whether membership is tracked (no $select, or $select including members). */
  members: boolean;
}

export interface DirectoryView {
  exists(id: string): boolean;
  softDeleted(id: string): boolean;
}

interface Accumulated {
  created: boolean;
  changed: Set<string>;
  members: Map<string, MemberDelta>;
}

/** Changes in (since, upTo] folded per object; only the latest state of each member edge counts. */
export function incrementalItems(entries: readonly ChangeEntry[], upTo: number, scope: RoundScope, view: DirectoryView): DeltaItem[] {
  const byObject = new Map<string, Accumulated>();
  const touch = (id: string) => {
    let acc = byObject.get(id);
    if (!acc) byObject.set(id, (acc = { created: false, changed: new Set(), members: new Map() }));
    return acc;
  };
  for (const entry of entries) {
    if (entry.seq > upTo) break;
    if (entry.kind === 'member') {
      if (scope.kind !== 'group' || !scope.members || !inScope(scope, entry.groupId)) continue;
      touch(entry.groupId).members.set(entry.memberId, { id: entry.memberId, kind: entry.memberKind, removed: entry.op === 'remove' });
    } else if (entry.kind === scope.kind && inScope(scope, entry.id)) {
      const acc = touch(entry.id);
      if (entry.op === 'upsert' && entry.changed.length === 0) acc.created = true;
      for (const property of entry.changed) acc.changed.add(property);
    }
  }
  return [...byObject].flatMap(([id, acc]) => resolve(id, acc, scope, view));
}

function resolve(id: string, acc: Accumulated, scope: RoundScope, view: DirectoryView): DeltaItem[] {
  const members = [...acc.members.values()];
  if (!view.exists(id)) {
    // "changed" = soft-deleted (restorable), "deleted" = gone for good (graph-facts §4).
    return [{ id, shape: 'removed', reason: view.softDeleted(id) ? 'changed' : 'deleted', members: [] }];
  }
  if (acc.created) return [{ id, shape: 'full', members }];
  const changed = [...acc.changed].filter((p) => !scope.tracked || scope.tracked.has(p));
  if (changed.length === 0 && members.length === 0) return [];
  return [{ id, shape: 'changed', changed, members }];
}

function inScope(scope: RoundScope, id: string): boolean {
  return !scope.ids || scope.ids.has(id);
}

/** Where the initial round continues: ids from `fromId` on (in id order), inside that object's members. */
export interface InitialCursor {
  fromId: string;
  memberOffset: number;
}

/** What one page may carry (route.ts: Graph's defaults, or the request's odata.maxpagesize under Graph's caps). */
export interface PageLimits {
  objects: number;
  /** Directory-link entries ("members@delta" entries) over all the page's objects. */
  members: number;
}

/** The member lists of the first round, read lazily: a page asks only about the groups it carries. */
export interface MemberSource {
  /** How many members the group has (no list is built to answer this). */
  count(id: string): number;
  /** Members [from, to) of the group, in a fixed order for the round. */
  slice(id: string, from: number, to: number): MemberDelta[];
}

/**
 * One page of the first round: objects in full, in id order, groups with their current members. The page is
 * planned from member counts (planPage), then only the member entries it carries are materialised: a page costs
 * what it holds, whatever the size of the directory or of the groups around it.
 */
export function initialPage(
  ids: Iterable<string>,
  scope: RoundScope,
  cursor: InitialCursor | undefined,
  source: MemberSource | ((id: string) => MemberDelta[]),
  limits: PageLimits,
): { items: DeltaItem[]; next?: InitialCursor } {
  const members = typeof source === 'function' ? wholeLists(source) : source;
  const eligible = [...ids].filter((id) => inScope(scope, id) && (!cursor || id >= cursor.fromId));
  // One id more than a page holds: it is where the next page starts if this one ends on an object boundary.
  const { items: candidates } = smallest(eligible, limits.objects + 1, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const tracking = scope.kind === 'group' && scope.members;
  // The offset belongs to the cursor's object: if that object is gone (deleted mid-round), the next starts at 0.
  const offset = cursor && candidates[0] === cursor.fromId ? cursor.memberOffset : 0;
  const plan = planPage((i) => (tracking ? members.count(candidates[i]) : 0), candidates.length, { index: 0, memberOffset: offset }, limits);
  const items: DeltaItem[] = plan.slices.map((s) => ({
    id: candidates[s.index],
    shape: 'full',
    members: tracking ? members.slice(candidates[s.index], s.from, s.to) : [],
  }));
  return { items, next: plan.next && { fromId: candidates[plan.next.index], memberOffset: plan.next.memberOffset } };
}

/** A source from a function that returns whole lists (small directories, tests of this module). */
function wholeLists(membersOf: (id: string) => MemberDelta[]): MemberSource {
  return { count: (id) => membersOf(id).length, slice: (id, from, to) => membersOf(id).slice(from, to) };
}

export interface PageCursor {
  index: number;
  memberOffset: number;
}

/** Object `index` of the round's order carries its members [from, to) on this page. */
export interface PageSlice {
  index: number;
  from: number;
  to: number;
}

/**
 * Which objects, and which part of their member lists, one page carries, from member counts alone: at most
 * `limits.objects` objects and `limits.members` member entries. A group whose remaining members do not fit in
 * what is left of the page starts the next page instead; a group larger than a page is split and repeats on the
 * following pages (graph-facts §4), each page taking as many of its members as a page holds.
 */
export function planPage(memberCount: (index: number) => number, length: number, cursor: PageCursor, limits: PageLimits): { slices: PageSlice[]; next?: PageCursor } {
  if (!(limits.objects >= 1 && limits.members >= 1)) {
    throw new RangeError(`planPage: expected at least 1 object and 1 member entry a page, got ${limits.objects} and ${limits.members}`);
  }
  const slices: PageSlice[] = [];
  let { index, memberOffset } = cursor;
  let budget = limits.members;
  while (index < length && slices.length < limits.objects) {
    const remaining = Math.max(0, memberCount(index) - memberOffset);
    if (remaining > budget && budget < limits.members && slices.length > 0) break;
    const take = Math.min(remaining, budget);
    slices.push({ index, from: memberOffset, to: memberOffset + take });
    budget -= take;
    if (take < remaining) return { slices, next: { index, memberOffset: memberOffset + take } };
    index++;
    memberOffset = 0;
  }
  return { slices, next: index < length ? { index, memberOffset: 0 } : undefined };
}

export interface DeltaPage {
  /** Items with `members` sliced to what this page carries; a group cut short repeats on the next page. */
  items: DeltaItem[];
  next?: PageCursor;
}

/** One page of a later round: at most `maxObjects` objects and `maxMembers` member entries from `cursor` in the round's (fixed) list of changed objects. */
export function pageItems(items: readonly DeltaItem[], cursor: PageCursor, maxObjects: number, maxMembers: number): DeltaPage {
  const plan = planPage((i) => items[i].members.length, items.length, cursor, { objects: maxObjects, members: maxMembers });
  return {
    items: plan.slices.map((s) => ({ ...items[s.index], members: items[s.index].members.slice(s.from, s.to) })),
    next: plan.next,
  };
}
