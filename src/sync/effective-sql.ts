/**
 * Effective (transitive) membership in the snapshot.
 *
 * After a delta round: only the users whose effective groups can have changed are recomputed. They are the
 * users of changed user edges and, for a changed group-in-group edge, the users below the child group (stored
 * rows before, a recursive walk of the nesting after). Each such user's groups come from its own direct
 * groups and the nesting edges above them (a recursive CTE over the partial index of group-in-group edges),
 * and are diffed against that user's stored rows: a change reads the rows of the users and groups it touches,
 * never the tenant's (a user added to a 20,000-member group reads that user's groups, not the group).
 *
 * After a full load: the whole tenant, breadth-first in SQL, one nesting level per statement (so a cycle or a
 * diamond is walked once), into sync_stage_reach, then one INSERT ... SELECT DISTINCT ON picks each user's
 * shortest path (ties: smallest by id), the same path effective.ts picks. Nothing of it passes through memory.
 */
import type { EdgeChange } from './apply-memberships';
import { diffUsersEffective, effectiveOfUser, type EffectiveRow } from './effective';
import { chunks, type Sql } from './sql';

/** Users recomputed per group of statements. */
const USERS_PER_BATCH = 2_000;

export interface EffectiveChanges {
  added: EffectiveRow[];
  removed: EffectiveRow[];
  /** Users recomputed (what the work followed). */
  users: number;
}

/** The users whose effective groups a round's edge changes can have changed. */
export async function affectedUsers(sql: Sql, tenantId: string, edges: readonly EdgeChange[]): Promise<string[]> {
  const users = new Set<string>();
  const childGroups = new Set<string>();
  for (const edge of edges) {
    if (edge.memberType === 'user') users.add(edge.memberId);
    else if (edge.memberType === 'group') childGroups.add(edge.memberId);
  }
  for (const chunk of chunks([...childGroups])) {
    const below = await sql.rows(
      `WITH RECURSIVE below (group_id) AS (
         SELECT unnest($2::uuid[])
         UNION
         SELECT m.member_id FROM snapshot_memberships m JOIN below b ON m.tenant_id = $1 AND m.group_id = b.group_id AND m.member_type = 'group'
       )
       SELECT m.member_id AS user_id FROM snapshot_memberships m JOIN below b ON m.tenant_id = $1 AND m.group_id = b.group_id AND m.member_type = 'user'
       UNION
       SELECT e.user_id FROM snapshot_effective e WHERE e.tenant_id = $1 AND e.group_id = ANY($2::uuid[])`,
      [tenantId, chunk],
    );
    for (const r of below) users.add(r.user_id);
  }
  return [...users];
}

/** Recomputes the effective groups of `users` and stores the difference; returns it (events are the caller's). */
export async function recomputeUsers(sql: Sql, tenantId: string, users: readonly string[]): Promise<EffectiveChanges> {
  const out: EffectiveChanges = { added: [], removed: [], users: users.length };
  for (const batch of chunks(users, USERS_PER_BATCH)) {
    const direct = await sql.rows(`SELECT member_id AS user_id, group_id FROM snapshot_memberships WHERE tenant_id = $1 AND member_id = ANY($2::uuid[])`, [tenantId, batch]);
    const edges = await sql.rows(
      `WITH RECURSIVE up (group_id) AS (
         SELECT DISTINCT m.group_id FROM snapshot_memberships m WHERE m.tenant_id = $1 AND m.member_id = ANY($2::uuid[])
         UNION
         SELECT m.group_id FROM snapshot_memberships m JOIN up ON m.tenant_id = $1 AND m.member_id = up.group_id AND m.member_type = 'group'
       )
       SELECT m.group_id AS parent, m.member_id AS child FROM snapshot_memberships m JOIN up ON m.tenant_id = $1 AND m.member_id = up.group_id AND m.member_type = 'group'`,
      [tenantId, batch],
    );
    const stored: EffectiveRow[] = (
      await sql.rows(`SELECT group_id, user_id, path FROM snapshot_effective WHERE tenant_id = $1 AND user_id = ANY($2::uuid[])`, [tenantId, batch])
    ).map((r) => ({ groupId: r.group_id, userId: r.user_id, path: r.path }));

    const parents = new Map<string, string[]>();
    for (const e of edges) (parents.get(e.child) ?? parents.set(e.child, []).get(e.child)!).push(e.parent);
    const directOf = new Map<string, string[]>();
    for (const d of direct) (directOf.get(d.user_id) ?? directOf.set(d.user_id, []).get(d.user_id)!).push(d.group_id);
    const computed = new Map<string, Map<string, string[]>>();
    for (const userId of batch) computed.set(userId, effectiveOfUser(userId, directOf.get(userId) ?? [], (g) => parents.get(g) ?? []));
    const diff = diffUsersEffective(batch, stored, computed);

    for (const chunk of chunks(diff.removed)) {
      await sql.exec(
        `DELETE FROM snapshot_effective s USING unnest($2::uuid[], $3::uuid[]) AS d (group_id, user_id)
          WHERE s.tenant_id = $1 AND s.group_id = d.group_id AND s.user_id = d.user_id`,
        [tenantId, chunk.map((r) => r.groupId), chunk.map((r) => r.userId)],
      );
    }
    for (const chunk of chunks([...diff.added, ...diff.rerouted])) {
      await sql.exec(
        `INSERT INTO snapshot_effective (tenant_id, group_id, user_id, path)
         SELECT $1::uuid, e.group_id, e.user_id, string_to_array(e.path, '/') FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS e (group_id, user_id, path)
         ON CONFLICT (tenant_id, group_id, user_id) DO UPDATE SET path = EXCLUDED.path`,
        [tenantId, chunk.map((r) => r.groupId), chunk.map((r) => r.userId), chunk.map((r) => r.path.join('/'))],
      );
    }
    out.added.push(...diff.added);
    out.removed.push(...diff.removed);
  }
  return out;
}

/**
 * The whole tenant's effective membership, rebuilt in SQL (the full load). `directLoaded`: the depth-0 rows
 * (each user edge of a live group, path [group]) were written with the edges (load-direct.ts) and nothing
 * else is stored, so only the rows reached through nesting are added (a user also directly in the group
 * keeps its depth-0 row, which is the shortest path anyway).
 */
export async function rebuildAll(sql: Sql, tenantId: string, roundId: string, onLevel?: (depth: number, reached: number) => void, opts: { directLoaded?: boolean } = {}): Promise<void> {
  await sql.exec(`DELETE FROM sync_stage_reach WHERE tenant_id = $1 AND round_id = $2`, [tenantId, roundId]);
  let reached = await sql.exec(
    `INSERT INTO sync_stage_reach (tenant_id, round_id, ancestor, group_id, path, depth)
     SELECT tenant_id, $2::uuid, id, id, ARRAY[id], 0 FROM snapshot_groups WHERE tenant_id = $1 AND deleted_at IS NULL`,
    [tenantId, roundId],
  );
  // One level per statement; a group already reached (at a shallower depth, or by a smaller path at this one) is
  // not reached again, so cycles end and each (ancestor, group) keeps the path the breadth-first walk would take.
  for (let depth = 0; reached > 0; depth++) {
    reached = await sql.exec(
      `INSERT INTO sync_stage_reach (tenant_id, round_id, ancestor, group_id, path, depth)
       SELECT DISTINCT ON (r.ancestor, m.member_id) r.tenant_id, r.round_id, r.ancestor, m.member_id, r.path || m.member_id, $3::int + 1
         FROM sync_stage_reach r JOIN snapshot_memberships m ON m.tenant_id = r.tenant_id AND m.group_id = r.group_id AND m.member_type = 'group'
        WHERE r.tenant_id = $1 AND r.round_id = $2 AND r.depth = $3
        ORDER BY r.ancestor, m.member_id, r.path || m.member_id
       ON CONFLICT DO NOTHING`,
      [tenantId, roundId, depth],
    );
    onLevel?.(depth + 1, reached);
  }
  if (!opts.directLoaded) await sql.exec(`DELETE FROM snapshot_effective WHERE tenant_id = $1`, [tenantId]);
  await sql.exec(
    `INSERT INTO snapshot_effective (tenant_id, group_id, user_id, path)
     SELECT DISTINCT ON (r.ancestor, m.member_id) r.tenant_id, r.ancestor, m.member_id, r.path::text[]
       FROM sync_stage_reach r JOIN snapshot_memberships m ON m.tenant_id = r.tenant_id AND m.group_id = r.group_id AND m.member_type = 'user'
      WHERE r.tenant_id = $1 AND r.round_id = $2 ${opts.directLoaded ? 'AND r.depth > 0' : ''}
      ORDER BY r.ancestor, m.member_id, r.depth, r.path
     ${opts.directLoaded ? 'ON CONFLICT DO NOTHING' : ''}`,
    [tenantId, roundId],
  );
}
