/**
 * Applying the staged users and groups of a round to snapshot_users / snapshot_groups in SQL: objects missing
 * from a full round are staged as 'absent', the ones that went are recorded in sync_stage_gone (their edges go
 * with them), and only rows that change are written. The diff that events are built from returns only the
 * objects that changed, so a resync of a large tenant with few differences reads few rows into memory.
 */
import { anyDiffers, GROUP_COLUMNS, mergedValue, USER_COLUMNS, type ColumnSpec } from './columns';
import type { Sql } from './sql';

export type ObjectKind = 'user' | 'group';

interface Tables {
  stage: string;
  snapshot: string;
  columns: readonly ColumnSpec[];
}

const TABLES: Record<ObjectKind, Tables> = {
  user: { stage: 'sync_stage_users', snapshot: 'snapshot_users', columns: USER_COLUMNS },
  group: { stage: 'sync_stage_groups', snapshot: 'snapshot_groups', columns: GROUP_COLUMNS },
};

/** A staged object that changes the snapshot, with the snapshot's row before the round. */
export interface ObjectChange {
  id: string;
  /** null: present in the round; 'changed' | 'deleted' (Graph's @removed reason); 'absent' (missing from a full round). */
  removed: string | null;
  /** The properties the round carried (Graph's names). */
  fields: Record<string, unknown>;
  /** The snapshot's row before the round (Graph's names), null when it had none. */
  before: Record<string, unknown> | null;
  beforeDeleted: boolean;
}

/** Marks objects a full round did not list as 'absent' (they are gone). */
export async function stageAbsent(sql: Sql, kind: ObjectKind, tenantId: string, roundId: string): Promise<number> {
  const t = TABLES[kind];
  return sql.exec(
    `INSERT INTO ${t.stage} (tenant_id, round_id, id, removed)
     SELECT s.tenant_id, $2::uuid, s.id, 'absent' FROM ${t.snapshot} s
      WHERE s.tenant_id = $1 AND s.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM ${t.stage} st WHERE st.tenant_id = $1 AND st.round_id = $2 AND st.id = s.id)`,
    [tenantId, roundId],
  );
}

/** The staged objects that change the snapshot (created, restored, updated, gone); call before applyObjects. */
export async function diffObjects(sql: Sql, kind: ObjectKind, tenantId: string, roundId: string): Promise<ObjectChange[]> {
  const t = TABLES[kind];
  const found = await sql.rows(
    `SELECT st.id, st.removed, st.fields, s.id IS NOT NULL AS existed, s.deleted_at IS NOT NULL AS was_deleted,
            ${t.columns.map((c) => `s.${c.column} AS "${c.field}"`).join(', ')}
       FROM ${t.stage} st LEFT JOIN ${t.snapshot} s ON s.tenant_id = st.tenant_id AND s.id = st.id
      WHERE st.tenant_id = $1 AND st.round_id = $2
        AND ((st.removed IS NOT NULL AND s.id IS NOT NULL AND s.deleted_at IS NULL)
          OR (st.removed IS NULL AND (s.id IS NULL OR s.deleted_at IS NOT NULL OR ${anyDiffers(t.columns)})))
      ORDER BY coalesce(st.removed = 'absent', false), st.id`,
    [tenantId, roundId],
  );
  return found.map((r) => ({
    id: r.id,
    removed: r.removed,
    fields: r.fields ?? {},
    before: r.existed ? Object.fromEntries(t.columns.map((c) => [c.field, c.type === 'text[]' ? (r[c.field] ?? []) : r[c.field]])) : null,
    beforeDeleted: r.was_deleted,
  }));
}

/** Writes the round's objects to the snapshot; returns how many went (recorded in sync_stage_gone). */
export async function applyObjects(sql: Sql, kind: ObjectKind, tenantId: string, roundId: string): Promise<{ gone: number }> {
  const t = TABLES[kind];
  const gone = await sql.exec(
    `INSERT INTO sync_stage_gone (tenant_id, round_id, id, kind)
     SELECT st.tenant_id, st.round_id, st.id, '${kind}' FROM ${t.stage} st JOIN ${t.snapshot} s ON s.tenant_id = st.tenant_id AND s.id = st.id
      WHERE st.tenant_id = $1 AND st.round_id = $2 AND st.removed IS NOT NULL AND s.deleted_at IS NULL
     ON CONFLICT DO NOTHING`,
    [tenantId, roundId],
  );
  if (gone > 0) {
    await sql.exec(
      `UPDATE ${t.snapshot} s SET deleted_at = now(), updated_at = now() FROM sync_stage_gone g
        WHERE g.tenant_id = $1 AND g.round_id = $2 AND g.kind = '${kind}' AND s.tenant_id = $1 AND s.id = g.id`,
      [tenantId, roundId],
    );
  }
  const cols = t.columns.map((c) => c.column);
  await sql.exec(
    `INSERT INTO ${t.snapshot} (tenant_id, id, ${cols.join(', ')}, deleted_at, updated_at)
     SELECT st.tenant_id, st.id, ${t.columns.map((c) => mergedValue(c)).join(', ')}, NULL, now()
       FROM ${t.stage} st LEFT JOIN ${t.snapshot} s ON s.tenant_id = st.tenant_id AND s.id = st.id
      WHERE st.tenant_id = $1 AND st.round_id = $2 AND st.removed IS NULL
        AND (s.id IS NULL OR s.deleted_at IS NOT NULL OR ${anyDiffers(t.columns)})
     ON CONFLICT (tenant_id, id) DO UPDATE SET ${cols.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, deleted_at = NULL, updated_at = now()`,
    [tenantId, roundId],
  );
  return { gone };
}
