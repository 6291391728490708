import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit of API key changes (updateApiKey, issue 10): one row per change, written in the transaction that
 * changes the key, with who changed it and the key's name and rights before and after. API keys belong to the
 * product, not to a tenant (their tenant_ids are a list of rights), so neither table has a tenant key.
 */
export class ApiKeyChanges1795920001000 implements MigrationInterface {
  name = 'ApiKeyChanges1795920001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_key_changes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        key_id text NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
        changed_at timestamptz NOT NULL DEFAULT now(),
        changed_by text NOT NULL,
        before jsonb NOT NULL,
        after jsonb NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX api_key_changes_key ON api_key_changes (key_id, changed_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_key_changes`);
  }
}
