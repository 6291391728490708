/**
 * Direct memberships of a round, in SQL: the staged member entries against snapshot_memberships. Each kind of
 * removal is its own statement shaped for an index (edges of gone groups by group, of gone members by member,
 * explicit @removed entries by key, and, in a full round only, edges a listed group no longer has), run in
 * that order so an edge is removed once, with the first reason that applies. Changed edges come back
 * (RETURNING) when the round needs them for events and the effective recompute; a full load does not.
 */
import type { Sql } from './sql';

export interface EdgeChange {
  groupId: string;
  memberId: string;
  memberType: string;
  reason: 'ADDED' | 'REMOVED' | 'GROUP_DELETED' | 'MEMBER_DELETED' | 'ABSENT_FROM_FULL_SYNC';
}

export interface MembershipOutcome {
  added: EdgeChange[];
  removed: EdgeChange[];
  /** Rows written (also when not returned). */
  addedCount: number;
  removedCount: number;
}

export async function applyMemberships(sql: Sql, tenantId: string, roundId: string, opts: { full: boolean; returning: boolean }): Promise<MembershipOutcome> {
  const out: MembershipOutcome = { added: [], removed: [], addedCount: 0, removedCount: 0 };
  const ret = opts.returning ? 'RETURNING m.group_id, m.member_id, m.member_type' : '';
  const run = async (reason: EdgeChange['reason'], statement: string): Promise<void> => {
    if (opts.returning) {
      const rows = await sql.rows(statement, [tenantId, roundId]);
      for (const r of rows) out.removed.push({ groupId: r.group_id, memberId: r.member_id, memberType: r.member_type, reason });
      out.removedCount += rows.length;
    } else {
      out.removedCount += await sql.exec(statement, [tenantId, roundId]);
    }
  };
  const [gone] = await sql.rows(`SELECT count(*)::int AS n FROM sync_stage_gone WHERE tenant_id = $1 AND round_id = $2`, [tenantId, roundId]);
  if (gone.n > 0) {
    await run(
      'GROUP_DELETED',
      `DELETE FROM snapshot_memberships m USING sync_stage_gone g
        WHERE g.tenant_id = $1 AND g.round_id = $2 AND g.kind = 'group' AND m.tenant_id = $1 AND m.group_id = g.id ${ret}`,
    );
    await run(
      'MEMBER_DELETED',
      `DELETE FROM snapshot_memberships m USING sync_stage_gone g
        WHERE g.tenant_id = $1 AND g.round_id = $2 AND m.tenant_id = $1 AND m.member_id = g.id ${ret}`,
    );
  }
  await run(
    'REMOVED',
    `DELETE FROM snapshot_memberships m USING sync_stage_members sm
      WHERE sm.tenant_id = $1 AND sm.round_id = $2 AND sm.removed AND m.tenant_id = $1 AND m.group_id = sm.group_id AND m.member_id = sm.member_id ${ret}`,
  );
  if (opts.full) {
    // A full round lists every current member of every group it lists: anyone not listed has left.
    await run(
      'ABSENT_FROM_FULL_SYNC',
      `DELETE FROM snapshot_memberships m USING sync_stage_groups sg
        WHERE sg.tenant_id = $1 AND sg.round_id = $2 AND sg.removed IS NULL AND m.tenant_id = $1 AND m.group_id = sg.id
          AND NOT EXISTS (SELECT 1 FROM sync_stage_members sm
                           WHERE sm.tenant_id = $1 AND sm.round_id = $2 AND sm.group_id = m.group_id AND sm.member_id = m.member_id AND NOT sm.removed) ${ret}`,
    );
  }
  const insert = `INSERT INTO snapshot_memberships AS m (tenant_id, group_id, member_id, member_type)
     SELECT sm.tenant_id, sm.group_id, sm.member_id, sm.member_type FROM sync_stage_members sm
       JOIN sync_stage_groups sg ON sg.tenant_id = sm.tenant_id AND sg.round_id = sm.round_id AND sg.id = sm.group_id AND sg.removed IS NULL
      WHERE sm.tenant_id = $1 AND sm.round_id = $2 AND NOT sm.removed
        AND NOT EXISTS (SELECT 1 FROM sync_stage_gone g WHERE g.tenant_id = $1 AND g.round_id = $2 AND g.id IN (sm.group_id, sm.member_id))
     ON CONFLICT DO NOTHING ${ret}`;
  if (opts.returning) {
    const rows = await sql.rows(insert, [tenantId, roundId]);
    for (const r of rows) out.added.push({ groupId: r.group_id, memberId: r.member_id, memberType: r.member_type, reason: 'ADDED' });
    out.addedCount = rows.length;
  } else {
    out.addedCount = await sql.exec(insert, [tenantId, roundId]);
  }
  return out;
}
