/**
 * ACCESS_TIER_CHANGED for the users whose effective groups or account state changed in a round and whose
 * tier differs (the tier decision itself is access/tier-resolution.ts). Reads the mappings, the tiers and the
 * candidate users' rows only.
 *
 * "Before" and "after" both use the mappings and tiers of this moment: a mapping or tier change already wrote
 * ACCESS_TIER_CHANGED for what the snapshot held when it committed (access/tier-events.ts), and it commits
 * strictly before or after this round (both lock the tenant's sync_state row first), so the round emits only what
 * its own directory changes add: the rest of a change made while the snapshot was stale, nothing twice.
 */
import type { EntityManager } from 'typeorm';
import type { AccessService } from '../access/access.service';
import { resolveTier, type TierDef } from '../access/tier-resolution';
import type { EnabledChange } from './apply-users';
import type { EffectiveRow } from './effective';
import { chunks, type Sql } from './sql';

export interface TierChange {
  userId: string;
  payload: Record<string, unknown>;
}

/** Candidate user ids (cheap to know before reading anything). */
export function tierCandidates(effective: { added: readonly EffectiveRow[]; removed: readonly EffectiveRow[] }, enabledChanges: ReadonlyMap<string, EnabledChange>): string[] {
  return [...new Set([...effective.added.map((r) => r.userId), ...effective.removed.map((r) => r.userId), ...enabledChanges.keys()])];
}

export async function tierChanges(
  sql: Sql,
  manager: EntityManager,
  access: AccessService,
  tenantId: string,
  effective: { added: readonly EffectiveRow[]; removed: readonly EffectiveRow[] },
  enabledChanges: ReadonlyMap<string, EnabledChange>,
  names: ReadonlyMap<string, string | null>,
): Promise<TierChange[]> {
  const candidates = tierCandidates(effective, enabledChanges);
  if (candidates.length === 0) return [];
  const mappings = await access.listMappings(tenantId, manager);
  if (mappings.length === 0) return [];
  const tiers: TierDef[] = await access.listTiers(manager);
  const mapped = new Set(mappings.map((mp) => mp.groupId.toLowerCase()));
  const addedBy = groupByUser(effective.added);
  const removedBy = groupByUser(effective.removed);
  const after = new Map<string, string[]>();
  const enabled = new Map<string, boolean | null>();
  for (const chunk of chunks(candidates)) {
    const found = await sql.rows(
      `SELECT user_id, array_agg(group_id::text) AS groups FROM snapshot_effective WHERE tenant_id = $1 AND user_id = ANY($2::uuid[]) GROUP BY user_id`,
      [tenantId, chunk],
    );
    for (const r of found) after.set(r.user_id, r.groups);
    const users = await sql.rows(`SELECT id, account_enabled FROM snapshot_users WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, chunk]);
    for (const r of users) enabled.set(r.id, r.account_enabled);
  }
  const summary = (t: TierDef | null) => (t ? { id: t.id, name: t.name, rank: t.rank } : null);
  const out: TierChange[] = [];
  for (const userId of candidates) {
    const nowGroups = after.get(userId) ?? [];
    const added = (addedBy.get(userId) ?? []).map((r) => r.groupId);
    const removed = (removedBy.get(userId) ?? []).map((r) => r.groupId);
    const beforeGroups = [...nowGroups.filter((g) => !added.includes(g)), ...removed];
    const enabledNow = enabled.get(userId) ?? null;
    const enabledChange = enabledChanges.get(userId);
    const old = resolveTier({ accountEnabled: enabledChange ? enabledChange.before : enabledNow, effectiveGroupIds: beforeGroups }, mappings, tiers);
    const next = resolveTier({ accountEnabled: enabledNow, effectiveGroupIds: nowGroups }, mappings, tiers);
    if ((old.tier?.id ?? null) === (next.tier?.id ?? null)) continue;
    const mappedNames = (ids: string[]) => ids.filter((g) => mapped.has(g)).map((id) => ({ id, displayName: names.get(id) ?? null }));
    out.push({
      userId,
      payload: {
        userId,
        old: summary(old.tier),
        new: summary(next.tier),
        reason: next.reason,
        decidingGroups: next.decidingGroups,
        why: {
          mappedGroupsJoined: mappedNames(added),
          mappedGroupsLeft: mappedNames(removed),
          accountEnabled: enabledChange ?? null,
        },
      },
    });
  }
  return out;
}

function groupByUser(list: readonly EffectiveRow[]): Map<string, EffectiveRow[]> {
  const out = new Map<string, EffectiveRow[]>();
  for (const row of list) (out.get(row.userId) ?? out.set(row.userId, []).get(row.userId)!).push(row);
  return out;
}
