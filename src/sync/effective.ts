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

/**
 * One user's effective groups with their paths, from the groups holding the user directly and the nesting
 * edges above them. Every path from a group down to the user runs through ancestors of the user's direct
 * groups only, so a breadth-first walk restricted to them finds the same path effectiveUsers would find over
 * the whole tenant (the restriction removes no group that could come before another in the walk's order).
 */
export function effectiveOfUser(userId: string, directGroups: readonly string[], parentsOf: (groupId: string) => readonly string[]): Map<string, string[]> {
  const closure = withAncestors(directGroups, parentsOf);
  const direct = new Set(directGroups);
  const children = new Map<string, string[]>();
  for (const group of closure) {
    for (const parent of parentsOf(group)) {
      if (!closure.has(parent)) continue;
      const list = children.get(parent);
      if (list) list.push(group);
      else children.set(parent, [group]);
    }
  }
  const graph: MembershipGraph = { childGroups: (g) => children.get(g) ?? [], users: (g) => (direct.has(g) ? [userId] : []) };
  const out = new Map<string, string[]>();
  for (const group of closure) {
    const path = effectiveUsers(group, graph).get(userId);
    if (path) out.set(group, path);
  }
  return out;
}

/**
 * What changed for some users: their stored rows (all of them, for these users) against their recomputed
 * groups. A stored row of a listed user that was not recomputed is removed.
 */
export function diffUsersEffective(users: Iterable<string>, stored: readonly EffectiveRow[], computed: ReadonlyMap<string, ReadonlyMap<string, string[]>>): EffectiveDiff {
  const diff: EffectiveDiff = { added: [], removed: [], rerouted: [] };
  const storedByUser = new Map<string, Map<string, string[]>>();
  for (const row of stored) {
    let groups = storedByUser.get(row.userId);
    if (!groups) storedByUser.set(row.userId, (groups = new Map()));
    groups.set(row.groupId, row.path);
  }
  for (const userId of users) {
    const before = storedByUser.get(userId) ?? new Map<string, string[]>();
    const after = computed.get(userId) ?? new Map<string, string[]>();
    for (const [groupId, path] of after) {
      const old = before.get(groupId);
      if (!old) diff.added.push({ groupId, userId, path });
      else if (old.join('/') !== path.join('/')) diff.rerouted.push({ groupId, userId, path });
    }
    for (const [groupId, path] of before) if (!after.has(groupId)) diff.removed.push({ groupId, userId, path });
  }
  return diff;
}
