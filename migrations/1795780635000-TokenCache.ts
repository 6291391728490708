import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Encrypted MSAL token caches, one per tenant, removed with their tenant. */
export class TokenCache1795780635000 implements MigrationInterface {
  name = 'TokenCache1795780635000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tenant_token_caches (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
        ciphertext text NOT NULL,
        key_version int NOT NULL,
        version int NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // reencryptAll scans for rows under an old key.
    await queryRunner.query(`CREATE INDEX tenant_token_caches_key_version_idx ON tenant_token_caches (key_version)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE tenant_token_caches`);
  }
}
