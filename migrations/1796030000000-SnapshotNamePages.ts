import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Display-name prefix pages in O(page) (issue 10): a list filtered by a display-name prefix is read in (lower-cased
 * display name by character code, object id) order (snapshot-sql.ts `pageOrder`), from one index range in that
 * order, so a page stops after its rows instead of reading and sorting every match. COLLATE "C" makes a LIKE
 * prefix a range of the default operator class (the database's C.UTF-8 is not recognised as byte order for that)
 * and lets the keyset be a row comparison over the index's own columns. These replace the text_pattern_ops
 * prefix indexes of 1795850000000, which they cover (same writes per row: one index each, as before).
 *
 * The statistics: PostgreSQL ignores the statistics of a partial index's expressions, so without these a prefix
 * (and an equality filter on lower(department), lower(job_title), lower(user_type)) is estimated at a fixed 0.5%
 * of the rows whatever it matches, and the planner misjudges such conditions combined (it read a department of
 * 8,000 rows rather than a prefix of 5,000). Extended statistics are gathered by ANALYZE only: no cost on writes.
 */
export class SnapshotNamePages1796030000000 implements MigrationInterface {
  name = 'SnapshotNamePages1796030000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['snapshot_users', 'snapshot_groups']) {
      await queryRunner.query(`CREATE INDEX ${table}_name_page ON ${table} (tenant_id, lower(display_name) COLLATE "C", id) WHERE deleted_at IS NULL`);
      await queryRunner.query(`DROP INDEX IF EXISTS ${table}_name_prefix`);
      await queryRunner.query(`CREATE STATISTICS ${table}_sort_name ON (lower(display_name) COLLATE "C") FROM ${table}`);
    }
    for (const column of ['department', 'job_title', 'user_type']) {
      await queryRunner.query(`CREATE STATISTICS snapshot_users_lower_${column} ON (lower(${column})) FROM snapshot_users`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['department', 'job_title', 'user_type']) await queryRunner.query(`DROP STATISTICS IF EXISTS snapshot_users_lower_${column}`);
    for (const table of ['snapshot_groups', 'snapshot_users']) {
      await queryRunner.query(`DROP STATISTICS IF EXISTS ${table}_sort_name`);
      await queryRunner.query(`CREATE INDEX ${table}_name_prefix ON ${table} (tenant_id, lower(display_name) text_pattern_ops) WHERE deleted_at IS NULL`);
      await queryRunner.query(`DROP INDEX IF EXISTS ${table}_name_page`);
    }
  }
}
