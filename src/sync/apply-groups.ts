/**
 * The group events of a round, from the changed rows diffObjects found: a pure function (no SQL), with a table of
 * tests. GROUP_CREATED (a new or restored group), GROUP_UPDATED (the fields a product acts on, each with its value
 * before and after: displayName, kind, dynamic, membershipRule, mail) and GROUP_DELETED (with its reason). Like
 * the user events, none is emitted by a tenant's first (full) load: that load describes what exists, not changes.
 */
import { groupKind } from '../directory/directory-object.mapping';
import type { ObjectChange } from './apply-objects';
import { REMOVED_REASON } from './apply-users';
import type { GroupValues } from './delta-buffer';

export interface GroupEvent {
  type: 'GROUP_CREATED' | 'GROUP_UPDATED' | 'GROUP_DELETED';
  groupId: string;
  payload: Record<string, unknown>;
}

export interface GroupOutcome {
  events: GroupEvent[];
  /** Live groups added (created or restored) and removed, for the stored totals. */
  created: number;
  deleted: number;
}

/** What a GROUP_* payload says about a group. */
export interface GroupView {
  displayName: string | null;
  /** SECURITY, MICROSOFT_365, MAIL_ENABLED_SECURITY, DISTRIBUTION (graph-facts §7); null when not known. */
  kind: string | null;
  /** Membership computed from membershipRule (groupTypes holds "DynamicMembership"). */
  dynamic: boolean;
  membershipRule: string | null;
  mail: string | null;
}

/** The fields GROUP_UPDATED reports, in this order. */
export const GROUP_EVENT_FIELDS = ['displayName', 'kind', 'dynamic', 'membershipRule', 'mail'] as const;

export function groupView(g: Partial<GroupValues>): GroupView {
  const types = g.groupTypes ?? [];
  return {
    displayName: g.displayName ?? null,
    kind: groupKind(types, g.mailEnabled ?? null, g.securityEnabled ?? null),
    dynamic: types.includes('DynamicMembership'),
    membershipRule: g.membershipRule ?? null,
    mail: g.mail ?? null,
  };
}

export function groupOutcome(changes: readonly ObjectChange[]): GroupOutcome {
  const out: GroupOutcome = { events: [], created: 0, deleted: 0 };
  for (const change of changes) {
    const before = change.before as Partial<GroupValues> | null;
    const fields = change.fields as Partial<GroupValues>;
    if (change.removed) {
      if (!before || change.beforeDeleted) continue;
      out.deleted++;
      const view = groupView(before);
      out.events.push({ type: 'GROUP_DELETED', groupId: change.id, payload: { groupId: change.id, displayName: view.displayName, group: view, reason: REMOVED_REASON[change.removed] ?? 'DELETED' } });
      continue;
    }
    if (!before || change.beforeDeleted) {
      out.created++;
      const view = groupView({ ...(before ?? {}), ...fields });
      out.events.push({ type: 'GROUP_CREATED', groupId: change.id, payload: { groupId: change.id, displayName: view.displayName, restored: Boolean(before), group: view } });
      continue;
    }
    const old = groupView(before);
    const next = groupView({ ...before, ...fields });
    const changed = GROUP_EVENT_FIELDS.filter((k) => old[k] !== next[k]);
    // A change only to what the payload does not report (e.g. securityEnabled on a Microsoft 365 group) is no event.
    if (changed.length === 0) continue;
    out.events.push({
      type: 'GROUP_UPDATED',
      groupId: change.id,
      payload: {
        groupId: change.id,
        displayName: next.displayName,
        changedFields: changed,
        before: Object.fromEntries(changed.map((k) => [k, old[k]])),
        after: Object.fromEntries(changed.map((k) => [k, next[k]])),
      },
    });
  }
  return out;
}
