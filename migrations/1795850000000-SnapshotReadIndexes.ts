import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for directory reads from the snapshot (issue 10): every one starts with tenant_id, and skips deleted
 * rows (partial on deleted_at IS NULL, which the reads never return), so a page is read in id order from an
 * index and costs O(page), not O(tenant):
 * - users and groups in id order (keyset paging), and by the equality filters with id order after them;
 * - display-name prefixes (filter.displayNameStartsWith / nameStartsWith): lower(display_name) text_pattern_ops;
 * - search (word prefixes of display name, mail, sign-in name): pg_trgm GIN indexes on the lower-cased values;
 * - a member's groups in group id order (User.groups, direct and transitive).
 * pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it, no superuser needed.
 */
export class SnapshotReadIndexes1795850000000 implements MigrationInterface {
  name = 'SnapshotReadIndexes1795850000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    const live = 'WHERE deleted_at IS NULL';
    await queryRunner.query(`CREATE INDEX snapshot_users_page ON snapshot_users (tenant_id, id) ${live}`);
    await queryRunner.query(`CREATE INDEX snapshot_users_department ON snapshot_users (tenant_id, lower(department), id) ${live}`);
    await queryRunner.query(`CREATE INDEX snapshot_users_job_title ON snapshot_users (tenant_id, lower(job_title), id) ${live}`);
    await queryRunner.query(`CREATE INDEX snapshot_users_user_type ON snapshot_users (tenant_id, lower(user_type), id) ${live}`);
    await queryRunner.query(`CREATE INDEX snapshot_users_enabled ON snapshot_users (tenant_id, account_enabled, id) ${live}`);
    await queryRunner.query(`CREATE INDEX snapshot_users_name_prefix ON snapshot_users (tenant_id, lower(display_name) text_pattern_ops) ${live}`);
    await queryRunner.query(
      `CREATE INDEX snapshot_users_search ON snapshot_users USING gin (lower(display_name) gin_trgm_ops, lower(mail) gin_trgm_ops, lower(user_principal_name) gin_trgm_ops) ${live}`,
    );
    await queryRunner.query(`CREATE INDEX snapshot_groups_page ON snapshot_groups (tenant_id, id) ${live}`);
    await queryRunner.query(`CREATE INDEX snapshot_groups_name_prefix ON snapshot_groups (tenant_id, lower(display_name) text_pattern_ops) ${live}`);
    await queryRunner.query(`CREATE INDEX snapshot_memberships_member_group ON snapshot_memberships (tenant_id, member_id, group_id)`);
    await queryRunner.query(`CREATE INDEX snapshot_effective_user_group ON snapshot_effective (tenant_id, user_id, group_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of [
      'snapshot_effective_user_group',
      'snapshot_memberships_member_group',
      'snapshot_groups_name_prefix',
      'snapshot_groups_page',
      'snapshot_users_search',
      'snapshot_users_name_prefix',
      'snapshot_users_enabled',
      'snapshot_users_user_type',
      'snapshot_users_job_title',
      'snapshot_users_department',
      'snapshot_users_page',
    ]) {
      await queryRunner.query(`DROP INDEX IF EXISTS ${index}`);
    }
  }
}
