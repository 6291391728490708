import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A sync round that changed nothing in the snapshot no longer drops accessTier's cached facts on every instance
 * (issue 10). sync_state gains `snapshot_generation`, which a round moves only when it wrote users, groups or
 * memberships; the trigger of 1795920000000 on last_success_at is replaced by one that tells the two apart:
 * - the generation (or the row's tenant) changed, or last_success_at went away: `snapshot:<tenant>` as before
 *   (every instance drops the tenant's facts);
 * - only last_success_at moved (a quiet round, or anyone setting it by hand): `freshness:<tenant>@<epoch ms>`,
 *   carrying the new value, so every instance keeps the facts and moves the tenant's age (and applies the
 *   ACCESS_TIER_MAX_AGE_SECONDS bound) from it. Milliseconds, truncated: what node-postgres makes of the column.
 * Inserts, deletes and TRUNCATE keep their triggers from 1795920000000.
 */
export class QuietRoundFreshness1796050000000 implements MigrationInterface {
  name = 'QuietRoundFreshness1796050000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sync_state ADD COLUMN snapshot_generation bigint NOT NULL DEFAULT 0`);
    await queryRunner.query(`
      CREATE FUNCTION sync_state_invalidate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.snapshot_generation IS DISTINCT FROM NEW.snapshot_generation
           OR NEW.last_success_at IS NULL THEN
          PERFORM pg_notify('gateway_invalidation', 'snapshot:' || OLD.tenant_id);
          PERFORM pg_notify('gateway_invalidation', 'snapshot:' || NEW.tenant_id);
        ELSE
          PERFORM pg_notify('gateway_invalidation',
            'freshness:' || NEW.tenant_id || '@' || floor(extract(epoch FROM NEW.last_success_at) * 1000)::bigint);
        END IF;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`DROP TRIGGER sync_state_invalidate_update ON sync_state`);
    await queryRunner.query(
      `CREATE TRIGGER sync_state_invalidate_update AFTER UPDATE ON sync_state FOR EACH ROW
         WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.last_success_at IS DISTINCT FROM NEW.last_success_at
               OR OLD.snapshot_generation IS DISTINCT FROM NEW.snapshot_generation)
         EXECUTE FUNCTION sync_state_invalidate()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER sync_state_invalidate_update ON sync_state`);
    await queryRunner.query(
      `CREATE TRIGGER sync_state_invalidate_update AFTER UPDATE ON sync_state FOR EACH ROW
         WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.last_success_at IS DISTINCT FROM NEW.last_success_at)
         EXECUTE FUNCTION gateway_invalidate('snapshot', 'tenant_id')`,
    );
    await queryRunner.query(`DROP FUNCTION sync_state_invalidate()`);
    await queryRunner.query(`ALTER TABLE sync_state DROP COLUMN snapshot_generation`);
  }
}
