/**
 * Index upkeep of bulk snapshot writes (a tenant's first load, a full round's apply).
 *
 * GIN indexes (the trigram search index of snapshot_users, and any other GIN index a snapshot table gains) take
 * new entries into a pending list and merge it into the index tree whenever it outgrows gin_pending_list_limit
 * (4 MB by default), in the inserting statement. Measured on 100k users (~97 trigrams each): 28 s of inserts
 * with those merges inline, 6 s with none, and 2.3-4.6 s for one merge of the whole list afterwards. So a bulk
 * write lets the list grow for its transaction (SET LOCAL: no other session's setting changes), and merges it
 * after its commit, off the round's critical path (mergePendingIndexEntries).
 *
 * Until that merge, searches scan the pending entries too (correct, slower), and another session inserting into
 * the index with the default limit merges the list itself. Autovacuum merges it too, should the process die first.
 */
import type { QueryRunner } from 'typeorm';
import type { Sql } from './sql';

/** The snapshot tables whose GIN indexes bulk writes defer (every table the sync writes in bulk). */
const SNAPSHOT_TABLES = ['snapshot_users', 'snapshot_groups', 'snapshot_memberships', 'snapshot_effective'];

/** The largest value PostgreSQL accepts (kB): no merge inside the bulk write's transaction. */
const UNBOUNDED_PENDING_LIST = '2147483647';

/** Inside the bulk write's transaction, before its first row. */
export async function deferIndexMerges(sql: Sql): Promise<void> {
  await sql.rows(`SELECT set_config('gin_pending_list_limit', $1, true)`, [UNBOUNDED_PENDING_LIST]);
}

/**
 * After the bulk write committed: merges the pending entries of the snapshot tables' GIN indexes, in a
 * transaction of its own. A larger work_mem lets the merge sort more entries at once (measured: half the time
 * of the default 4 MB). Needs the indexes' owner (the role that ran the migrations, as the gateway's does).
 */
export async function mergePendingIndexEntries(runner: QueryRunner): Promise<void> {
  await runner.query(`BEGIN`);
  try {
    await runner.query(`SET LOCAL work_mem = '64MB'`);
    await runner.query(
      `SELECT gin_clean_pending_list(i.indexrelid)
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
        WHERE am.amname = 'gin' AND i.indrelid = ANY($1::regclass[])`,
      [SNAPSHOT_TABLES],
    );
    await runner.query(`COMMIT`);
  } catch (error) {
    await runner.query(`ROLLBACK`).catch(() => undefined);
    throw error;
  }
}
