/**
 * Tier decisions as pure functions over plain data (no database, no Graph): which tier a user gets from the
 * groups they reach, and what a change of mappings would do to a tenant's users. The resolvers gather the facts
 * (live from Graph, later from the snapshot) and pass them in.
 */

export interface TierDef {
  id: string;
  name: string;
  /** Unique across tiers (the database enforces it), so two tiers never tie. */
  rank: number;
}

export interface GroupTierMapping {
  groupId: string;
  tierId: string;
}

export interface UserFacts {
  /** Only `false` disables; null (not read) is treated as enabled, as Entra's default is. */
  accountEnabled: boolean | null;
  /** The groups the user belongs to directly or through nesting (Entra object ids). */
  effectiveGroupIds: Iterable<string>;
}

export const TierReason = {
  ACCOUNT_DISABLED: 'ACCOUNT_DISABLED',
  NO_MAPPED_GROUP: 'NO_MAPPED_GROUP',
  HIGHEST_RANKED_MAPPING: 'HIGHEST_RANKED_MAPPING',
} as const;
export type TierReason = (typeof TierReason)[keyof typeof TierReason];

export interface TierResolution<T extends TierDef = TierDef> {
  tier: T | null;
  /** The user's mapped groups that lead to the winning tier, sorted; empty when no tier was granted. */
  decidingGroups: string[];
  reason: TierReason;
}

/** Entra object ids are GUIDs: compare them without regard to case. */
const key = (id: string) => id.toLowerCase();

function tierIndex<T extends TierDef>(tiers: readonly T[]): Map<string, T> {
  return new Map(tiers.map((tier) => [key(tier.id), tier]));
}

function tierOf<T extends TierDef>(index: Map<string, T>, mapping: GroupTierMapping): T {
  const tier = index.get(key(mapping.tierId));
  if (!tier) throw new RangeError(`mapping of group ${mapping.groupId}: expected tier ${mapping.tierId} among the ${index.size} tiers given, found none`);
  return tier;
}

/**
 * A user's tier: among the mapped groups the user reaches, the tier of highest rank. A disabled account gets
 * no tier, whatever its groups: it cannot sign in, and a tier would outlive the admin's decision to disable it.
 */
export function resolveTier<T extends TierDef>(user: UserFacts, mappings: readonly GroupTierMapping[], tiers: readonly T[]): TierResolution<T> {
  if (user.accountEnabled === false) return { tier: null, decidingGroups: [], reason: TierReason.ACCOUNT_DISABLED };
  const index = tierIndex(tiers);
  const groups = new Set([...user.effectiveGroupIds].map(key));
  let best: T | null = null;
  let deciding: string[] = [];
  for (const mapping of mappings) {
    if (!groups.has(key(mapping.groupId))) continue;
    const tier = tierOf(index, mapping);
    if (best === null || tier.rank > best.rank) {
      best = tier;
      deciding = [mapping.groupId];
    } else if (key(tier.id) === key(best.id)) {
      deciding.push(mapping.groupId);
    }
  }
  if (best === null) return { tier: null, decidingGroups: [], reason: TierReason.NO_MAPPED_GROUP };
  return { tier: best, decidingGroups: [...new Set(deciding.map(key))].sort(), reason: TierReason.HIGHEST_RANKED_MAPPING };
}

export interface PreviewUser extends UserFacts {
  id: string;
}

export interface TierCount<T extends TierDef = TierDef> {
  tier: T;
  currentCount: number;
  proposedCount: number;
}

export interface TierChange<U extends PreviewUser = PreviewUser, T extends TierDef = TierDef> {
  user: U;
  from: T | null;
  to: T | null;
}

export const PreviewWarningCode = {
  /** A tier that is mapped, or holds users today, would hold nobody. */
  TIER_LEFT_EMPTY: 'TIER_LEFT_EMPTY',
  /** More than half of the users in mapped groups would change tier. */
  MOST_USERS_CHANGE: 'MOST_USERS_CHANGE',
} as const;
export type PreviewWarningCode = (typeof PreviewWarningCode)[keyof typeof PreviewWarningCode];

export interface PreviewWarning<T extends TierDef = TierDef> {
  code: PreviewWarningCode;
  message: string;
  tier: T | null;
}

export interface MappingPreview<U extends PreviewUser = PreviewUser, T extends TierDef = TierDef> {
  /** Every tier, highest rank first, with the users it holds now and would hold. */
  tiers: TierCount<T>[];
  /** Users whose tier would change, in the order given. */
  changes: TierChange<U, T>[];
  /** Users in any group of either mapping set (the only users either set can give a tier). */
  usersConsidered: number;
  warnings: PreviewWarning<T>[];
}

/**
 * What replacing `current` with `proposed` would do, for `users` (each with the groups of either set it reaches).
 * Users outside every group of both sets have no tier before or after, so they need not be passed.
 */
export function previewMappingChange<U extends PreviewUser, T extends TierDef>(
  current: readonly GroupTierMapping[],
  proposed: readonly GroupTierMapping[],
  users: readonly U[],
  tiers: readonly T[],
): MappingPreview<U, T> {
  const counts = new Map(tiers.map((tier) => [key(tier.id), { tier, currentCount: 0, proposedCount: 0 }]));
  const changes: TierChange<U, T>[] = [];
  for (const user of users) {
    const before = resolveTier(user, current, tiers).tier;
    const after = resolveTier(user, proposed, tiers).tier;
    if (before) counts.get(key(before.id))!.currentCount++;
    if (after) counts.get(key(after.id))!.proposedCount++;
    if (before?.id !== after?.id) changes.push({ user, from: before, to: after });
  }

  const warnings: PreviewWarning<T>[] = [];
  const mappedTiers = new Set(proposed.map((m) => key(m.tierId)));
  const ordered = [...counts.values()].sort((a, b) => b.tier.rank - a.tier.rank);
  for (const { tier, currentCount, proposedCount } of ordered) {
    if (proposedCount > 0 || (currentCount === 0 && !mappedTiers.has(key(tier.id)))) continue;
    const message =
      currentCount > 0
        ? `tier "${tier.name}" would hold no users (it holds ${currentCount} now)`
        : `tier "${tier.name}" is mapped but its groups hold no enabled users`;
    warnings.push({ code: PreviewWarningCode.TIER_LEFT_EMPTY, message, tier });
  }
  if (users.length > 0 && changes.length * 2 > users.length) {
    warnings.push({
      code: PreviewWarningCode.MOST_USERS_CHANGE,
      message: `${changes.length} of the ${users.length} users in mapped groups would change tier`,
      tier: null,
    });
  }
  return { tiers: ordered, changes, usersConsidered: users.length, warnings };
}

/** Tiers and mappings at one moment: what a tier decision needs besides the user. */
export interface TierState<T extends TierDef = TierDef> {
  mappings: readonly GroupTierMapping[];
  tiers: readonly T[];
}

export interface TierTransition<U extends PreviewUser = PreviewUser, T extends TierDef = TierDef> extends TierChange<U, T> {
  /** The new decision's deciding groups and reason. */
  decidingGroups: string[];
  resolution: TierReason;
}

/**
 * The users whose tier differs between two states of mappings and tiers (a mapping set or removed, a tier's
 * rank changed, a tier deleted), in the order given. The same rule as previewMappingChange, which takes one tier
 * list: a rank change needs the tiers before and after.
 */
export function tierTransitions<U extends PreviewUser, T extends TierDef>(users: readonly U[], before: TierState<T>, after: TierState<T>): TierTransition<U, T>[] {
  const out: TierTransition<U, T>[] = [];
  for (const user of users) {
    const from = resolveTier(user, before.mappings, before.tiers).tier;
    const next = resolveTier(user, after.mappings, after.tiers);
    if ((from ? key(from.id) : null) === (next.tier ? key(next.tier.id) : null)) continue;
    out.push({ user, from, to: next.tier, decidingGroups: next.decidingGroups, resolution: next.reason });
  }
  return out;
}

export const SnapshotState = {
  /** The tenant's last sync round completed within the freshness bound: the changes emitted are complete. */
  FRESH: 'FRESH',
  /** Older: the changes were computed from what the snapshot held; the next round emits what is left. */
  STALE: 'STALE',
  /** No round completed yet: nothing could be computed; the first load emits no events (it is the baseline). */
  NEVER_SYNCED: 'NEVER_SYNCED',
} as const;
export type SnapshotState = (typeof SnapshotState)[keyof typeof SnapshotState];

/** How fresh a tenant's snapshot is, from the age of its last completed round (null: none yet). */
export function snapshotState(ageSeconds: number | null, maxAgeSeconds: number): SnapshotState {
  if (ageSeconds === null) return SnapshotState.NEVER_SYNCED;
  return ageSeconds <= maxAgeSeconds ? SnapshotState.FRESH : SnapshotState.STALE;
}

export const TierChangeKind = {
  MAPPING_SET: 'MAPPING_SET',
  MAPPING_REMOVED: 'MAPPING_REMOVED',
  TIER_RANK_CHANGED: 'TIER_RANK_CHANGED',
  TIER_DELETED: 'TIER_DELETED',
} as const;
export type TierChangeKind = (typeof TierChangeKind)[keyof typeof TierChangeKind];

export interface TierSummary {
  id: string;
  name: string;
  rank: number;
}

/** The mapping or tier change that moved users (ACCESS_TIER_CHANGED's why.mappingChange). */
export interface TierChangeCause {
  kind: TierChangeKind;
  /** The mapped group (mapping changes); null for tier changes. */
  groupId: string | null;
  groupDisplayName: string | null;
  /** The group's tier after (MAPPING_SET), the changed tier after (TIER_RANK_CHANGED); null when removed/deleted. */
  tier: TierSummary | null;
  /** The group's tier before (null when it was not mapped), the changed tier before. */
  previousTier: TierSummary | null;
}

export const tierSummary = (t: TierDef | null): TierSummary | null => (t ? { id: t.id, name: t.name, rank: t.rank } : null);

/**
 * ACCESS_TIER_CHANGED's payload for a user moved by a mapping or tier change: the shape the sync's tier changes
 * have (userId, old, new, decidingGroups, why), with reason MAPPING_CHANGED and the cause in why.mappingChange.
 */
export function mappingChangePayload(t: TierTransition, cause: TierChangeCause, snapshotAsOf: Date | null): Record<string, unknown> {
  return {
    userId: t.user.id,
    old: tierSummary(t.from),
    new: tierSummary(t.to),
    reason: 'MAPPING_CHANGED',
    resolution: t.resolution,
    decidingGroups: t.decidingGroups,
    why: { mappingChange: cause, snapshotAsOf: snapshotAsOf?.toISOString() ?? null },
  };
}
