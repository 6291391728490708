import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13 (tier changes from mapping edits, group events, quiet event log).
 * - audit_log: mapping and tier changes are audited like provisioning writes (new operations).
 * - snapshot_groups.mail: GROUP_UPDATED reports a group's mail address before/after.
 * - sync_state.last_completed_event_at: when the tenant's last SYNC_COMPLETED was written, so a quiet round
 *   writes one only at the heartbeat (last_success_at keeps every round's time for freshness).
 */
export class TierChangeEvents1795940000000 implements MigrationInterface {
  name = 'TierChangeEvents1795940000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE audit_log DROP CONSTRAINT audit_log_operation_check`);
    await queryRunner.query(`
      ALTER TABLE audit_log ADD CONSTRAINT audit_log_operation_check CHECK (operation IN (
        'CREATE_USER', 'UPDATE_USER', 'ADD_GROUP_MEMBER', 'REMOVE_GROUP_MEMBER',
        'SET_TIER_MAPPING', 'REMOVE_TIER_MAPPING', 'DEFINE_ACCESS_TIER', 'UPDATE_ACCESS_TIER', 'DELETE_ACCESS_TIER'))`);
    await queryRunner.query(`ALTER TABLE snapshot_groups ADD COLUMN mail text NULL`);
    await queryRunner.query(`ALTER TABLE sync_state ADD COLUMN last_completed_event_at timestamptz NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sync_state DROP COLUMN last_completed_event_at`);
    await queryRunner.query(`ALTER TABLE snapshot_groups DROP COLUMN mail`);
    await queryRunner.query(`DELETE FROM audit_log WHERE operation IN ('SET_TIER_MAPPING', 'REMOVE_TIER_MAPPING', 'DEFINE_ACCESS_TIER', 'UPDATE_ACCESS_TIER', 'DELETE_ACCESS_TIER')`);
    await queryRunner.query(`ALTER TABLE audit_log DROP CONSTRAINT audit_log_operation_check`);
    await queryRunner.query(`
      ALTER TABLE audit_log ADD CONSTRAINT audit_log_operation_check
        CHECK (operation IN ('CREATE_USER', 'UPDATE_USER', 'ADD_GROUP_MEMBER', 'REMOVE_GROUP_MEMBER'))`);
  }
}
