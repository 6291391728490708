/**
 * The user events of a round, from the changed rows diffObjects found: a pure function (no SQL), so the rules
 * (created or restored, updated naming the fields, deleted with its reason, account enabled/disabled for the
 * tier decision) have a table of tests.
 */
import { changedFields, type UserValues } from './delta-buffer';
import type { ObjectChange } from './apply-objects';

export interface UserEvent {
  type: 'USER_CREATED' | 'USER_UPDATED' | 'USER_DELETED';
  userId: string;
  payload: Record<string, unknown>;
}

export interface EnabledChange {
  before: boolean | null;
  after: boolean | null;
}

export interface UserOutcome {
  events: UserEvent[];
  enabledChanges: Map<string, EnabledChange>;
  /** Live users added (created or restored) and removed, for the stored totals. */
  created: number;
  deleted: number;
}

const EMPTY_USER: UserValues = { displayName: null, userPrincipalName: null, mail: null, department: null, jobTitle: null, accountEnabled: null, userType: null };

const values = (u: Partial<UserValues>): UserValues => ({
  displayName: u.displayName ?? null,
  userPrincipalName: u.userPrincipalName ?? null,
  mail: u.mail ?? null,
  department: u.department ?? null,
  jobTitle: u.jobTitle ?? null,
  accountEnabled: u.accountEnabled ?? null,
  userType: u.userType ?? null,
});

/** A removed object's reason in events, from Graph's @removed reason (or 'absent' from a full round). */
export const REMOVED_REASON: Record<string, string> = { changed: 'SOFT_DELETED', deleted: 'DELETED', absent: 'ABSENT_FROM_FULL_SYNC' };

export function userOutcome(changes: readonly ObjectChange[]): UserOutcome {
  const out: UserOutcome = { events: [], enabledChanges: new Map(), created: 0, deleted: 0 };
  const summary = (u: Partial<UserValues>) => ({ displayName: u.displayName ?? null, userPrincipalName: u.userPrincipalName ?? null });
  for (const change of changes) {
    const before = change.before ? values(change.before as Partial<UserValues>) : null;
    const fields = change.fields as Partial<UserValues>;
    if (change.removed) {
      if (!before || change.beforeDeleted) continue;
      out.deleted++;
      out.events.push({ type: 'USER_DELETED', userId: change.id, payload: { userId: change.id, ...summary(before), reason: REMOVED_REASON[change.removed] ?? 'DELETED' } });
      continue;
    }
    if (!before || change.beforeDeleted) {
      const row = values({ ...EMPTY_USER, ...(before ?? {}), ...fields });
      out.created++;
      out.events.push({ type: 'USER_CREATED', userId: change.id, payload: { userId: change.id, restored: Boolean(before), user: row } });
      if (before && before.accountEnabled !== row.accountEnabled) out.enabledChanges.set(change.id, { before: before.accountEnabled, after: row.accountEnabled });
      continue;
    }
    const changed = changedFields<UserValues>(before, fields);
    if (changed.length === 0) continue;
    const row = values({ ...before, ...fields });
    out.events.push({
      type: 'USER_UPDATED',
      userId: change.id,
      payload: {
        userId: change.id,
        ...summary(row),
        changedFields: changed,
        before: Object.fromEntries(changed.map((k) => [k, before[k]])),
        after: Object.fromEntries(changed.map((k) => [k, row[k]])),
      },
    });
    if (changed.includes('accountEnabled')) out.enabledChanges.set(change.id, { before: before.accountEnabled, after: row.accountEnabled });
  }
  return out;
}
