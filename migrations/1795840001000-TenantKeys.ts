import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every tenant-owned table keyed by tenant first (issue 9), so the schema can be distributed by tenant_id on
 * a distributed PostgreSQL (Citus: a distributed table's primary key must contain the distribution column).
 * These five had a surrogate key alone; their ids stay unique (identity, uuid, bigserial), the key only gains
 * tenant_id in front. test/architecture/tenant-keys.test.ts keeps it so.
 */
const TABLES: Array<[table: string, id: string]> = [
  ['tenant_status_changes', 'id'],
  ['audit_log', 'id'],
  ['directory_events', 'sequence'],
  ['drift_findings', 'id'],
];

export class TenantKeys1795840001000 implements MigrationInterface {
  name = 'TenantKeys1795840001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, id] of TABLES) {
      await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey, ADD CONSTRAINT ${table}_pkey PRIMARY KEY (tenant_id, ${id})`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, id] of TABLES) {
      await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey, ADD CONSTRAINT ${table}_pkey PRIMARY KEY (${id})`);
    }
  }
}
