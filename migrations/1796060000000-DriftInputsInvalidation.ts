import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A tenant's drift rules also read its Graph subscriptions' state (their failures: SUBSCRIPTION_FAILING), which no
 * sync round changes. After a quiet round the rules run only when one of their inputs may have moved
 * (src/sync/drift/after-round.ts), so a change of that state announces itself: `drift_inputs:<tenant id>` on the
 * invalidation channel (gateway_invalidate(), 1795860000000), sent on commit. Renewals that change only dates
 * send nothing.
 */
export class DriftInputsInvalidation1796060000000 implements MigrationInterface {
  name = 'DriftInputsInvalidation1796060000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TRIGGER graph_subscriptions_invalidate AFTER INSERT OR DELETE ON graph_subscriptions
         FOR EACH ROW EXECUTE FUNCTION gateway_invalidate('drift_inputs', 'tenant_id')`,
    );
    await queryRunner.query(
      `CREATE TRIGGER graph_subscriptions_invalidate_update AFTER UPDATE ON graph_subscriptions FOR EACH ROW
         WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.consecutive_failures IS DISTINCT FROM NEW.consecutive_failures
               OR OLD.last_error IS DISTINCT FROM NEW.last_error)
         EXECUTE FUNCTION gateway_invalidate('drift_inputs', 'tenant_id')`,
    );
    await queryRunner.query(
      `CREATE TRIGGER graph_subscriptions_invalidate_truncate AFTER TRUNCATE ON graph_subscriptions FOR EACH STATEMENT EXECUTE FUNCTION gateway_invalidate('drift_inputs')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS graph_subscriptions_invalidate ON graph_subscriptions`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS graph_subscriptions_invalidate_update ON graph_subscriptions`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS graph_subscriptions_invalidate_truncate ON graph_subscriptions`);
  }
}
