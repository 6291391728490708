import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * accessTier's per-process cache of snapshot facts (issue 10, src/sync/snapshot-facts-cache.ts) is kept true by
 * `pg_notify('gateway_invalidation', 'snapshot:<tenant id>')` whenever a tenant's sync_state row gains a new
 * last_success_at (a round committed: it wrote the snapshot in the same transaction), is deleted (the tenant was
 * disconnected) or inserted; a TRUNCATE sends `snapshot:*`. Reuses gateway_invalidate() (1795860000000).
 */
export class SnapshotInvalidation1795920000000 implements MigrationInterface {
  name = 'SnapshotInvalidation1795920000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TRIGGER sync_state_invalidate AFTER INSERT OR DELETE ON sync_state
         FOR EACH ROW EXECUTE FUNCTION gateway_invalidate('snapshot', 'tenant_id')`,
    );
    await queryRunner.query(
      `CREATE TRIGGER sync_state_invalidate_update AFTER UPDATE ON sync_state FOR EACH ROW
         WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.last_success_at IS DISTINCT FROM NEW.last_success_at)
         EXECUTE FUNCTION gateway_invalidate('snapshot', 'tenant_id')`,
    );
    await queryRunner.query(`CREATE TRIGGER sync_state_invalidate_truncate AFTER TRUNCATE ON sync_state FOR EACH STATEMENT EXECUTE FUNCTION gateway_invalidate('snapshot')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS sync_state_invalidate ON sync_state`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS sync_state_invalidate_update ON sync_state`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS sync_state_invalidate_truncate ON sync_state`);
  }
}
