import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Display-name prefix pages in O(page) (issue 10): a list filtered by a display-name prefix is read in (lower-cased
 * display name by character code, object id) order (snapshot-sql.ts `pageOrder`), from one index range in that
 * order, so a page stops after its rows instead of reading and sorting every match. COLLATE "C" makes a LIKE
 * prefix a range of the default operator class (the database's C.UTF-8 is not recognised as byte order for that)
 * and lets the keyset be a row comparison over the index's own columns. These replace the text_pattern_ops
 * prefix indexes of 1795850000000, which they cover: one index each, as before, 16 bytes wider per entry (the id;
 * inserting 100k rows into that one index took ~15% longer, a small part of writing a user with all its indexes).
 *
 * The statistics: PostgreSQL ignores the statistics of a partial index's expressions, so without these a prefix
 * is estimated at a fixed 0.5% of the rows whatever it matches (5% here for 'quinn', 0.5% for 'quinn 0'), and a
 * prefix combined with other conditions was planned on that guess. Extended statistics are gathered by ANALYZE
 * only: no cost on writes. (The same for lower(department) and the other equality filters made those combined
 * with a prefix better, but a search within a department worse: search's own estimates stay guesses, and the
 * planner then chose the trigram index over the department's, 10,000 rows read instead of 482. Left out.)
 */
export class SnapshotNamePages1796030000000 implements MigrationInterface {
  name = 'SnapshotNamePages1796030000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['snapshot_users', 'snapshot_groups']) {
      await queryRunner.query(`CREATE INDEX ${table}_name_page ON ${table} (tenant_id, lower(display_name) COLLATE "C", id) WHERE deleted_at IS NULL`);
      await queryRunner.query(`DROP INDEX IF EXISTS ${table}_name_prefix`);
      await queryRunner.query(`CREATE STATISTICS ${table}_sort_name ON (lower(display_name) COLLATE "C") FROM ${table}`);
    }

  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['snapshot_groups', 'snapshot_users']) {
      await queryRunner.query(`DROP STATISTICS IF EXISTS ${table}_sort_name`);
      await queryRunner.query(`CREATE INDEX ${table}_name_prefix ON ${table} (tenant_id, lower(display_name) text_pattern_ops) WHERE deleted_at IS NULL`);
      await queryRunner.query(`DROP INDEX IF EXISTS ${table}_name_page`);
    }
  }
}
