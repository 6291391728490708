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

export interface PageLimits {
  objects: number;
  members: number;
}

/**
 * One page of the first round: objects in full, in id order, groups with all their current members. Only the
 * page's own objects are materialised (a 100,000-user directory is not sorted or expanded for every page).
 */
export function initialPage(
  ids: Iterable<string>,
  scope: RoundScope,
  cursor: InitialCursor | undefined,
  membersOf: (id: string) => MemberDelta[],
  limits: PageLimits,
): { items: DeltaItem[]; next?: InitialCursor } {
  const eligible = [...ids].filter((id) => inScope(scope, id) && (!cursor || id >= cursor.fromId));
  // One id more than a page holds: it is where the next page starts if this one ends on an object boundary.
  const { items: candidates } = smallest(eligible, limits.objects + 1, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const items: DeltaItem[] = candidates.slice(0, limits.objects).map((id) => ({
    id,
    shape: 'full',
    members: scope.kind === 'group' && scope.members ? membersOf(id) : [],
  }));
  const page = pageItems(items, { index: 0, memberOffset: cursor?.memberOffset ?? 0 }, limits.objects, limits.members);
  if (page.next) return { items: page.items, next: { fromId: items[page.next.index].id, memberOffset: page.next.memberOffset } };
  if (candidates.length > limits.objects) return { items: page.items, next: { fromId: candidates[limits.objects], memberOffset: 0 } };
  return { items: page.items };
}

export interface PageCursor {
  index: number;
  memberOffset: number;
}

export interface DeltaPage {
  /** Items with `members` sliced to what this page carries; a group cut short repeats on the next page. */
  items: DeltaItem[];
  next?: PageCursor;
}

/** At most `maxObjects` objects and `maxMembers` member entries per page, from `cursor` in `items`. */
export function pageItems(items: readonly DeltaItem[], cursor: PageCursor, maxObjects: number, maxMembers: number): DeltaPage {
  const page: DeltaItem[] = [];
  let { index, memberOffset } = cursor;
  let memberBudget = maxMembers;
  while (index < items.length && page.length < maxObjects) {
    const item = items[index];
    const remaining = item.members.length - memberOffset;
    if (remaining > memberBudget && memberBudget < maxMembers && page.length > 0) break;
    const take = Math.min(remaining, memberBudget);
    page.push({ ...item, members: item.members.slice(memberOffset, memberOffset + take) });
    memberBudget -= take;
    if (take < remaining) return { items: page, next: { index, memberOffset: memberOffset + take } };
    index++;
    memberOffset = 0;
  }
  return { items: page, next: index < items.length ? { index, memberOffset: 0 } : undefined };
}
