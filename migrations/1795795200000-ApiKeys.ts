import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys for callers of the gateway: only a SHA-256 of the secret is stored. `tenant_ids` NULL means every
 * tenant; an empty list is refused (it would be a key that can do nothing, most likely a mistake).
 */
export class ApiKeys1795795200000 implements MigrationInterface {
  name = 'ApiKeys1795795200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id text PRIMARY KEY CHECK (id ~ '^[a-z2-7]{12}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        secret_hash text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
        scopes text[] NOT NULL CHECK (cardinality(scopes) > 0),
        tenant_ids uuid[] NULL CHECK (cardinality(tenant_ids) > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        revoked_at timestamptz NULL,
        last_used_at timestamptz NULL
      )`);
    // apiKeys(first, after) pages in creation order.
    await queryRunner.query(`CREATE INDEX api_keys_created_at_id ON api_keys (created_at, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_keys`);
  }
}
