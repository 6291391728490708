/**
 * Effective (transitive) membership as pure functions: Graph's delta does not track nested membership, so the
 * gateway recomputes it for the groups a round touched and their ancestors. Cycle-safe (a group reached twice
 * is walked once); deterministic (children in id order, so the recorded path is the same on every run: the
 * shortest, then smallest by id).
 */

export interface MembershipGraph {
  /** Nested groups directly inside a group. */
  childGroups(groupId: string): readonly string[];
  /** Users directly inside a group. */
  users(groupId: string): readonly string[];
}

/** Every user reachable from `groupId`, each with the group path from `groupId` to the group holding the user directly. */
export function effectiveUsers(groupId: string, graph: MembershipGraph): Map<string, string[]> {
  const result = new Map<string, string[]>();
  const pathTo = new Map<string, string[]>([[groupId, [groupId]]]);
  const queue = [groupId];
  for (let i = 0; i < queue.length; i++) {
    const group = queue[i];
    const path = pathTo.get(group)!;
    for (const user of [...graph.users(group)].sort()) if (!result.has(user)) result.set(user, path);
    for (const child of [...graph.childGroups(group)].sort()) {
      if (pathTo.has(child)) continue;
      pathTo.set(child, [...path, child]);
      queue.push(child);
    }
  }
  return result;
}

/** `groups` and every group above them (through nesting), cycle-safe. */
export function withAncestors(groups: Iterable<string>, parentsOf: (groupId: string) => readonly string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...groups];
  while (stack.length > 0) {
    const group = stack.pop()!;
    if (seen.has(group)) continue;
    seen.add(group);
    for (const parent of parentsOf(group)) if (!seen.has(parent)) stack.push(parent);
  }
  return seen;
}

/** `groups` and every group below them, cycle-safe. */
export function withDescendants(groups: Iterable<string>, childrenOf: (groupId: string) => readonly string[]): Set<string> {
  return withAncestors(groups, childrenOf);
}

export interface EffectiveRow {
  groupId: string;
  userId: string;
  path: string[];
}

export interface EffectiveDiff {
  added: EffectiveRow[];
  removed: EffectiveRow[];
  /** Still a member, by another route: stored silently, no event. */
  rerouted: EffectiveRow[];
}

/** What changed between the stored rows of some groups and their recomputed memberships. */
export function diffEffective(stored: readonly EffectiveRow[], computed: ReadonlyMap<string, ReadonlyMap<string, string[]>>): EffectiveDiff {
  const diff: EffectiveDiff = { added: [], removed: [], rerouted: [] };
  const storedByGroup = new Map<string, Map<string, string[]>>();
  for (const row of stored) {
    let users = storedByGroup.get(row.groupId);
    if (!users) storedByGroup.set(row.groupId, (users = new Map()));
    users.set(row.userId, row.path);
  }
  for (const [groupId, users] of computed) {
    const before = storedByGroup.get(groupId) ?? new Map<string, string[]>();
    for (const [userId, path] of users) {
      const old = before.get(userId);
      if (!old) diff.added.push({ groupId, userId, path });
      else if (old.join('/') !== path.join('/')) diff.rerouted.push({ groupId, userId, path });
    }
    for (const [userId, path] of before) if (!users.has(userId)) diff.removed.push({ groupId, userId, path });
  }
  // Stored groups not recomputed keep their rows: the caller recomputes every group it may have changed.
  return diff;
}
