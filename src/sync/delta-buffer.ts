/**
 * One round's delta pages folded per object (graph-facts §4), before anything touches the database. Pure: no
 * Graph, no SQL. The same object may repeat across pages (a large group's members are split over several
 * pages, and changes may be replayed): later occurrences overwrite the properties they carry, and for each
 * member only its latest entry (added or @removed) counts.
 */

export const USER_FIELDS = ['displayName', 'userPrincipalName', 'mail', 'department', 'jobTitle', 'accountEnabled', 'userType'] as const;
export const GROUP_FIELDS = ['displayName', 'groupTypes', 'membershipRule', 'securityEnabled', 'mailEnabled', 'mail'] as const;

export type UserField = (typeof USER_FIELDS)[number];
export type GroupField = (typeof GROUP_FIELDS)[number];

export interface UserValues {
  displayName: string | null;
  userPrincipalName: string | null;
  mail: string | null;
  department: string | null;
  jobTitle: string | null;
  accountEnabled: boolean | null;
  userType: string | null;
}

export interface GroupValues {
  displayName: string | null;
  groupTypes: string[];
  membershipRule: string | null;
  securityEnabled: boolean | null;
  mailEnabled: boolean | null;
  mail: string | null;
}

/** "changed" = soft-deleted (restorable), "deleted" = gone for good. */
export type RemovedReason = 'changed' | 'deleted';

export interface UserDelta {
  id: string;
  removed: RemovedReason | null;
  /** Removed earlier in the same page and listed again after: what earlier pages said of it no longer counts. */
  restarted: boolean;
  /** Only the properties the delta carried. */
  fields: Partial<UserValues>;
}

export interface MemberChange {
  type: string;
  removed: boolean;
}

export interface GroupDelta {
  id: string;
  removed: RemovedReason | null;
  /** Removed earlier in the same page and listed again after: what earlier pages said of it (members too) no longer counts. */
  restarted: boolean;
  fields: Partial<GroupValues>;
  /** member id -> its latest entry in the round. */
  members: Map<string, MemberChange>;
}

type Json = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
/** Entra object ids are GUIDs; compare and store them in lower case. */
export const normId = (id: unknown): string => String(id).toLowerCase();

function removedOf(item: Json): RemovedReason | null {
  const removed = item['@removed'];
  if (typeof removed !== 'object' || removed === null) return null;
  return (removed as Json).reason === 'changed' ? 'changed' : 'deleted';
}

/** "#microsoft.graph.user" -> "user"; an entry without a type is taken for a user (what Graph sends most). */
export function memberTypeOf(entry: Json): string {
  const type = entry['@odata.type'];
  return typeof type === 'string' ? type.replace(/^#?microsoft\.graph\./, '') : 'user';
}

function userFields(item: Json): Partial<UserValues> {
  const out: Partial<UserValues> = {};
  if ('displayName' in item) out.displayName = str(item.displayName);
  if ('userPrincipalName' in item) out.userPrincipalName = str(item.userPrincipalName);
  if ('mail' in item) out.mail = str(item.mail);
  if ('department' in item) out.department = str(item.department);
  if ('jobTitle' in item) out.jobTitle = str(item.jobTitle);
  if ('accountEnabled' in item) out.accountEnabled = bool(item.accountEnabled);
  if ('userType' in item) out.userType = str(item.userType);
  return out;
}

function groupFields(item: Json): Partial<GroupValues> {
  const out: Partial<GroupValues> = {};
  if ('displayName' in item) out.displayName = str(item.displayName);
  if ('groupTypes' in item) out.groupTypes = Array.isArray(item.groupTypes) ? item.groupTypes.filter((t): t is string => typeof t === 'string') : [];
  if ('membershipRule' in item) out.membershipRule = str(item.membershipRule);
  if ('securityEnabled' in item) out.securityEnabled = bool(item.securityEnabled);
  if ('mailEnabled' in item) out.mailEnabled = bool(item.mailEnabled);
  if ('mail' in item) out.mail = str(item.mail);
  return out;
}

/** An object listed again after its @removed in the same page (or after such a restart) starts again. */
function restartedAfter(previous: { removed: RemovedReason | null; restarted: boolean } | undefined, removed: RemovedReason | null): boolean {
  return removed === null && previous !== undefined && (previous.removed !== null || previous.restarted);
}

export class DeltaBuffer {
  readonly users = new Map<string, UserDelta>();
  readonly groups = new Map<string, GroupDelta>();
  memberEntries = 0;

  addUsers(items: readonly unknown[]): void {
    for (const raw of items) {
      const item = raw as Json;
      if (item?.id === undefined) continue;
      const id = normId(item.id);
      const removed = removedOf(item);
      const previous = this.users.get(id);
      // A removal wipes what the round said before; a later reappearance (restore) starts again.
      const fields = removed ? {} : { ...(previous && !previous.removed ? previous.fields : {}), ...userFields(item) };
      this.users.set(id, { id, removed, restarted: restartedAfter(previous, removed), fields });
    }
  }

  addGroups(items: readonly unknown[]): void {
    for (const raw of items) {
      const item = raw as Json;
      if (item?.id === undefined) continue;
      const id = normId(item.id);
      const removed = removedOf(item);
      const previous = this.groups.get(id);
      const members = previous && !removed ? previous.members : new Map<string, MemberChange>();
      const fields = removed ? {} : { ...(previous && !previous.removed ? previous.fields : {}), ...groupFields(item) };
      const entries = item['members@delta'];
      if (!removed && Array.isArray(entries)) {
        for (const entry of entries as Json[]) {
          if (entry?.id === undefined) continue;
          this.memberEntries++;
          members.set(normId(entry.id), { type: memberTypeOf(entry), removed: removedOf(entry) !== null });
        }
      }
      this.groups.set(id, { id, removed, restarted: restartedAfter(previous, removed), fields, members });
    }
  }

  get objects(): number {
    return this.users.size + this.groups.size;
  }
}

/** The properties of `fields` whose values differ from `before` (arrays compared by content). */
export function changedFields<T extends object>(before: T, fields: Partial<T>): Array<keyof T> {
  return (Object.keys(fields) as Array<keyof T>).filter((k) => !sameValue(before[k], fields[k]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
  return (a ?? null) === (b ?? null);
}
