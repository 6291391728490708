import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cache invalidation (issue 10): every change to a table the gateway caches per process sends
 * `pg_notify('gateway_invalidation', '<kind>:<id>')` from a trigger, so the notification belongs to the changing
 * transaction (sent on commit, never for a rollback) whoever writes: the API, the CLI, the sync engine or an
 * operator with psql. Kinds: api_key (key id), tenant (tenant id), tier (tier id), mappings (tenant id); a
 * TRUNCATE sends `<kind>:*`. api_keys notifies only for what verification reads (not last_used_at, which is
 * written in the background and would otherwise empty every instance's cache once a minute per key).
 */
export class CacheInvalidation1795860000000 implements MigrationInterface {
  name = 'CacheInvalidation1795860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION gateway_invalidate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_LEVEL = 'STATEMENT' THEN
          PERFORM pg_notify('gateway_invalidation', TG_ARGV[0] || ':*');
          RETURN NULL;
        END IF;
        -- Both sides of an update: a row whose key column changed invalidates its old and its new owner.
        IF TG_OP <> 'INSERT' THEN
          PERFORM pg_notify('gateway_invalidation', TG_ARGV[0] || ':' || (to_jsonb(OLD) ->> TG_ARGV[1]));
        END IF;
        IF TG_OP <> 'DELETE' THEN
          PERFORM pg_notify('gateway_invalidation', TG_ARGV[0] || ':' || (to_jsonb(NEW) ->> TG_ARGV[1]));
        END IF;
        RETURN NULL;
      END
      $$`);
    const tables: Array<[table: string, kind: string, column: string]> = [
      ['tenants', 'tenant', 'id'],
      ['access_tiers', 'tier', 'id'],
      ['tier_mappings', 'mappings', 'tenant_id'],
    ];
    for (const [table, kind, column] of tables) {
      await queryRunner.query(
        `CREATE TRIGGER ${table}_invalidate AFTER INSERT OR UPDATE OR DELETE ON ${table}
           FOR EACH ROW EXECUTE FUNCTION gateway_invalidate('${kind}', '${column}')`,
      );
    }
    await queryRunner.query(
      `CREATE TRIGGER api_keys_invalidate AFTER INSERT OR DELETE ON api_keys
         FOR EACH ROW EXECUTE FUNCTION gateway_invalidate('api_key', 'id')`,
    );
    await queryRunner.query(
      `CREATE TRIGGER api_keys_invalidate_update AFTER UPDATE ON api_keys FOR EACH ROW
         WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.secret_hash IS DISTINCT FROM NEW.secret_hash OR OLD.scopes IS DISTINCT FROM NEW.scopes
               OR OLD.tenant_ids IS DISTINCT FROM NEW.tenant_ids OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at)
         EXECUTE FUNCTION gateway_invalidate('api_key', 'id')`,
    );
    for (const [table, kind] of [...tables, ['api_keys', 'api_key']]) {
      await queryRunner.query(`CREATE TRIGGER ${table}_invalidate_truncate AFTER TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION gateway_invalidate('${kind}')`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['tenants', 'access_tiers', 'tier_mappings', 'api_keys']) {
      await queryRunner.query(`DROP TRIGGER IF EXISTS ${table}_invalidate ON ${table}`);
      await queryRunner.query(`DROP TRIGGER IF EXISTS ${table}_invalidate_truncate ON ${table}`);
    }
    await queryRunner.query(`DROP TRIGGER IF EXISTS api_keys_invalidate_update ON api_keys`);
    await queryRunner.query(`DROP FUNCTION gateway_invalidate()`);
  }
}
