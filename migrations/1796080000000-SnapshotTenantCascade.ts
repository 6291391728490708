import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The snapshot tables are what a tenant's first load writes in bulk (a 100k-user tenant: ~100k users, ~300k edges,
 * ~300k+ effective rows, then ~500k search words). A foreign key checks every inserted row with a row-level
 * trigger that looks the tenant up (~3 us a row: ~1 s of every 300k rows, a fifth of the load's database time)
 * although every one of these rows is written by a sync round holding the tenant's lease on sync_state, whose own
 * foreign key already proves the tenant exists.
 *
 * So the five tables lose their foreign keys, and what ON DELETE CASCADE did is done by one statement-level
 * trigger on tenants: deleting tenants deletes their snapshot rows in the same statement's transaction (one
 * DELETE per table for all the deleted tenants, not one per row). No path of the gateway deletes a tenant
 * (disconnecting keeps its row and history); the trigger keeps a manual DELETE as clean as the cascade was.
 */
const TABLES = ['snapshot_user_words', 'snapshot_effective', 'snapshot_memberships', 'snapshot_groups', 'snapshot_users'] as const;

export class SnapshotTenantCascade1796080000000 implements MigrationInterface {
  name = 'SnapshotTenantCascade1796080000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${table}_tenant_id_fkey`);
    await queryRunner.query(`
      CREATE FUNCTION snapshot_forget_tenants() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${TABLES.map((t) => `DELETE FROM ${t} s USING gone WHERE s.tenant_id = gone.id;`).join('\n        ')}
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER tenants_forget_snapshot AFTER DELETE ON tenants REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION snapshot_forget_tenants()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS tenants_forget_snapshot ON tenants`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS snapshot_forget_tenants()`);
    for (const table of TABLES) {
      await queryRunner.query(`DELETE FROM ${table} s WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = s.tenant_id)`);
      await queryRunner.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE`);
    }
  }
}
