/**
 * The first load of a tenant whose snapshot is empty, written straight into the snapshot tables inside the
 * round's own transaction while the pages stream (no staging copy, no diff: there is nothing to diff against
 * and the first round emits no change event). Nothing is visible before the round commits, exactly as with
 * staging: a crash rolls every page back, and the re-run starts from the same empty snapshot.
 *
 * Each page is applied as it arrives, with the same merge rules as the staged path (delta-buffer.ts): the
 * properties a later page carries overwrite, an object's @removed removes what earlier pages wrote for it
 * (a group's edges with it), a reappearance starts again, and each member's latest entry (added or @removed)
 * wins. Because the snapshot was empty, whatever is in it for the tenant was written by this round, so a
 * removal is a plain DELETE.
 *
 * Effective membership at depth 0 (a user directly in a live group, path [group]) is kept with the edges, so
 * after the last page only the nested part is left to walk (effective-sql.ts, rebuildAll with `directLoaded`).
 *
 * The writes of a page read nothing but their arbiter (primary key) index: while the load runs, the planner's
 * statistics describe the tenant as empty, and a statement joining the table was planned as a scan of every
 * row written so far.
 */
import { QueryFailedError } from 'typeorm';
import { GROUP_COLUMNS, mergedValue, stagedValue, USER_COLUMNS, type ColumnSpec } from './columns';
import type { DeltaBuffer } from './delta-buffer';
import { chunks, type Sql } from './sql';
import type { Resource } from './stream';

/** True when the tenant has no snapshot row at all (never loaded): its first round can load directly. */
export async function snapshotEmpty(sql: Sql, tenantId: string): Promise<boolean> {
  const [r] = await sql.rows(
    `SELECT NOT EXISTS (SELECT 1 FROM snapshot_users WHERE tenant_id = $1)
        AND NOT EXISTS (SELECT 1 FROM snapshot_groups WHERE tenant_id = $1)
        AND NOT EXISTS (SELECT 1 FROM snapshot_memberships WHERE tenant_id = $1)
        AND NOT EXISTS (SELECT 1 FROM snapshot_effective WHERE tenant_id = $1) AS empty`,
    [tenantId],
  );
  return r.empty === true;
}

/** Writes one folded page (or run of pages) into the snapshot, inside the round's transaction; one write at a time on its connection (see upsert). */
export async function loadPage(sql: Sql, tenantId: string, resource: Resource, buffer: DeltaBuffer): Promise<void> {
  if (resource === 'users') await loadUsers(sql, tenantId, buffer);
  else await loadGroups(sql, tenantId, buffer);
}

/**
 * On a first load a row is almost always new, so a write's rows go in as plain INSERTs (no arbiter check: the
 * cheaper statement) inside a savepoint; when an earlier write already stored one of them (a replayed change,
 * an object or edge repeated across writes), the savepoint is rolled back and the same rows are merged
 * instead. `statements` gives, per chunk of rows, the plain and the merging statement and their parameters.
 *
 * The savepoint needs the connection to itself for the write: loadPage's caller serialises writes (round.ts),
 * so another stream's statements never fall inside it.
 */
async function insertElseMerge(sql: Sql, statements: Array<{ insert: string; merge: string; params: unknown[] }>): Promise<void> {
  if (statements.length === 0) return;
  await sql.exec(`SAVEPOINT load_rows`);
  try {
    for (const s of statements) await sql.exec(s.insert, s.params);
    await sql.exec(`RELEASE SAVEPOINT load_rows`);
    return;
  } catch (error) {
    if (!(error instanceof QueryFailedError && (error.driverError as { code?: string } | undefined)?.code === UNIQUE_VIOLATION)) throw error;
    await sql.exec(`ROLLBACK TO SAVEPOINT load_rows`);
    await sql.exec(`RELEASE SAVEPOINT load_rows`);
  }
  for (const s of statements) await sql.exec(s.merge, s.params);
}

const UNIQUE_VIOLATION = '23505';

/**
 * Writes objects: the carried properties over what earlier writes stored (a restarted object was deleted
 * first). The merge reads nothing but its arbiter index: a write's rows are inserted as they are, and only a
 * row already written by an earlier one (a conflict) is merged, from the write's own rows. (A join with the
 * table instead was planned, with the tenant's statistics still saying "empty", as a scan of every row the
 * load had written so far, for every row of every page: a first load quadratic in the tenant's size.)
 */
async function upsert(sql: Sql, table: string, columns: readonly ColumnSpec[], tenantId: string, objects: Array<{ id: string; fields: object }>): Promise<void> {
  const cols = columns.map((c) => c.column);
  const fresh = (c: ColumnSpec) => `CASE WHEN o.fields ? '${c.field}' THEN ${stagedValue(c, 'o')} ELSE ${c.type === 'text[]' ? `'{}'::text[]` : 'NULL'} END`;
  const insert = `INSERT INTO ${table} AS t (tenant_id, id, ${cols.join(', ')}, deleted_at, updated_at)
       SELECT $1::uuid, o.id, ${columns.map(fresh).join(', ')}, NULL, now() FROM o`;
  await insertElseMerge(
    sql,
    chunks(objects).map((chunk) => ({
      insert: `WITH o AS (SELECT * FROM unnest($2::uuid[], $3::jsonb[]) AS o (id, fields)) ${insert}`,
      merge: `WITH o AS MATERIALIZED (SELECT * FROM unnest($2::uuid[], $3::jsonb[]) AS o (id, fields))
       ${insert}
       ON CONFLICT (tenant_id, id) DO UPDATE SET (${cols.join(', ')}) = (SELECT ${columns.map((c) => mergedValue(c, 'o', 't')).join(', ')} FROM o WHERE o.id = EXCLUDED.id)`,
      params: [tenantId, chunk.map((o) => o.id), chunk.map((o) => JSON.stringify(o.fields))],
    })),
  );
}

async function loadUsers(sql: Sql, tenantId: string, buffer: DeltaBuffer): Promise<void> {
  const users = [...buffer.users.values()];
  // Removed, or removed and back within this page: what earlier pages wrote goes.
  const wiped = users.filter((u) => u.removed || u.restarted).map((u) => u.id);
  for (const chunk of chunks(wiped)) await sql.exec(`DELETE FROM snapshot_users WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, chunk]);
  await upsert(sql, 'snapshot_users', USER_COLUMNS, tenantId, users.filter((u) => !u.removed));
}

async function loadGroups(sql: Sql, tenantId: string, buffer: DeltaBuffer): Promise<void> {
  const groups = [...buffer.groups.values()];
  const wiped = groups.filter((g) => g.removed || g.restarted).map((g) => g.id);
  for (const chunk of chunks(wiped)) {
    await sql.exec(`DELETE FROM snapshot_effective WHERE tenant_id = $1 AND group_id = ANY($2::uuid[])`, [tenantId, chunk]);
    await sql.exec(`DELETE FROM snapshot_memberships WHERE tenant_id = $1 AND group_id = ANY($2::uuid[])`, [tenantId, chunk]);
    await sql.exec(`DELETE FROM snapshot_groups WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, chunk]);
  }
  const live = groups.filter((g) => !g.removed);
  await upsert(sql, 'snapshot_groups', GROUP_COLUMNS, tenantId, live);

  const gone: Array<{ groupId: string; memberId: string }> = [];
  const added: Array<{ groupId: string; memberId: string; type: string }> = [];
  for (const g of live) {
    for (const [memberId, change] of g.members) {
      if (change.removed) gone.push({ groupId: g.id, memberId });
      else added.push({ groupId: g.id, memberId, type: change.type });
    }
  }
  for (const chunk of chunks(gone)) {
    const params = [tenantId, chunk.map((m) => m.groupId), chunk.map((m) => m.memberId)];
    await sql.exec(`DELETE FROM snapshot_memberships s USING unnest($2::uuid[], $3::uuid[]) AS d (g, m) WHERE s.tenant_id = $1 AND s.group_id = d.g AND s.member_id = d.m`, params);
    await sql.exec(`DELETE FROM snapshot_effective s USING unnest($2::uuid[], $3::uuid[]) AS d (g, m) WHERE s.tenant_id = $1 AND s.group_id = d.g AND s.user_id = d.m`, params);
  }
  // An edge and its depth-0 effective row (a user member) in one statement: the arrays sent and read once.
  const edges = (onConflict: { edge: string; effective: string }) =>
    `WITH m AS MATERIALIZED (SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS m (g, m, t)),
          e AS (INSERT INTO snapshot_effective (tenant_id, group_id, user_id, path)
                SELECT $1::uuid, m.g, m.m, ARRAY[m.g::text] FROM m WHERE m.t = 'user' ${onConflict.effective})
     INSERT INTO snapshot_memberships (tenant_id, group_id, member_id, member_type)
     SELECT $1::uuid, m.g, m.m, m.t FROM m ${onConflict.edge}`;
  await insertElseMerge(
    sql,
    chunks(added).map((chunk) => ({
      insert: edges({ edge: '', effective: '' }),
      merge: edges({ edge: 'ON CONFLICT (tenant_id, group_id, member_id) DO UPDATE SET member_type = EXCLUDED.member_type', effective: 'ON CONFLICT DO NOTHING' }),
      params: [tenantId, chunk.map((m) => m.groupId), chunk.map((m) => m.memberId), chunk.map((m) => m.type)],
    })),
  );
}
