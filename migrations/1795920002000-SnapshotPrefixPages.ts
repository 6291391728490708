import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Display-name prefix filters in id order at O(page) (issue 10): the text_pattern_ops indexes of 1795850000000
 * find a prefix's matches in NAME order, so a page in id order had to read and sort every match (5,000 rows for
 * "Quinn" in a 100k-user tenant). These index the first three lower-cased characters with id after them: a
 * prefix of three characters or more is an equality on that key, read in id order, each row checked against the
 * whole prefix (snapshot-sql.ts). Shorter prefixes match a large share of the tenant, where the id-order scan
 * with a filter is already short.
 */
export class SnapshotPrefixPages1795920002000 implements MigrationInterface {
  name = 'SnapshotPrefixPages1795920002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['snapshot_users', 'snapshot_groups']) {
      await queryRunner.query(`CREATE INDEX ${table}_name_head ON ${table} (tenant_id, left(lower(display_name), 3), id) WHERE deleted_at IS NULL`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['snapshot_users', 'snapshot_groups']) await queryRunner.query(`DROP INDEX IF EXISTS ${table}_name_head`);
  }
}
