import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A delta round keeps the search words of the users it staged (src/sync/user-words.ts): their words are computed
 * with snapshot_words() and deleted by the words table's primary key. snapshot_words() is an SQL function the
 * planner inlines, and the regexp_split_to_table inside it is estimated at 1,000 rows (PostgreSQL's default for a
 * set-returning function), about 200 distinct words a user. With the staging table analyzed while empty (as
 * autovacuum finds it between rounds: PostgreSQL then assumes ~72 rows), that is ~14,400 words, and the delete was
 * planned as a hash join over a sequential scan of every word of the tenant: measured 121-146 ms a round at 500k
 * users (3M words) and 138 ms at 100k, for 30 words of 5 users, where probing the primary key takes ~1 ms.
 *
 * snapshot_words_of() is the same words (it calls snapshot_words(), the one definition of the split) behind a
 * boundary the planner does not inline (a SET clause), with an estimate of 8 words a call (a name of two words, a
 * mail and a sign-in name of a few each), so the delete probes the primary key for each staged word. The SET clause
 * keeps the search path the migration ran with (the schema snapshot_words() was created in). The full
 * build keeps the inlined snapshot_words(): one pass over the tenant, where the per-call overhead would cost.
 */
export class SnapshotWordsEstimate1796090000000 implements MigrationInterface {
  name = 'SnapshotWordsEstimate1796090000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION snapshot_words_of(display_name text, mail text, user_principal_name text) RETURNS SETOF text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 8 SET search_path FROM CURRENT AS $$
        SELECT snapshot_words(display_name, mail, user_principal_name)
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS snapshot_words_of(text, text, text)`);
  }
}
