import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * restoreDeletedUser (issue 13): audit_log learns RESTORE_USER. The check is replaced by the full current list
 * (as 1795980000000-Portal.ts left it) plus the new operation.
 */
const BEFORE = [
  'CREATE_USER', 'UPDATE_USER', 'ADD_GROUP_MEMBER', 'REMOVE_GROUP_MEMBER',
  'SET_TIER_MAPPING', 'REMOVE_TIER_MAPPING', 'DEFINE_ACCESS_TIER', 'UPDATE_ACCESS_TIER', 'DELETE_ACCESS_TIER',
  'REQUEST_CONSENT', 'OPEN_PORTAL_SESSION',
];
const check = (operations: readonly string[]) =>
  `ALTER TABLE audit_log ADD CONSTRAINT audit_log_operation_check CHECK (operation IN (${operations.map((op) => `'${op}'`).join(', ')}))`;

export class RestoreAudit1796020000000 implements MigrationInterface {
  name = 'RestoreAudit1796020000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE audit_log DROP CONSTRAINT audit_log_operation_check`);
    await queryRunner.query(check([...BEFORE, 'RESTORE_USER']));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM audit_log WHERE operation = 'RESTORE_USER'`);
    await queryRunner.query(`ALTER TABLE audit_log DROP CONSTRAINT audit_log_operation_check`);
    await queryRunner.query(check(BEFORE));
  }
}
