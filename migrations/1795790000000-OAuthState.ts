import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pending OAuth consent requests (one row per `state` handed to Microsoft), and the Entra tenant uniqueness
 * narrowed to live connections: a disconnected tenant no longer blocks connecting the same Entra tenant again.
 */
export class OAuthState1795790000000 implements MigrationInterface {
  name = 'OAuthState1795790000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // id is the SHA-256 (hex) of the state value: a database reader cannot replay a pending consent.
    await queryRunner.query(`
      CREATE TABLE oauth_states (
        id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        flow text NOT NULL CHECK (flow IN ('DELEGATED', 'APPLICATION')),
        code_verifier text NULL,
        redirect_uri text NOT NULL,
        return_url text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz NULL,
        -- A pending delegated request needs its verifier; consuming a request clears it.
        CHECK (consumed_at IS NOT NULL OR (flow = 'DELEGATED') = (code_verifier IS NOT NULL)),
        CHECK (flow = 'DELEGATED' OR code_verifier IS NULL)
      )`);
    await queryRunner.query(`CREATE INDEX oauth_states_tenant_id ON oauth_states (tenant_id)`);
    await queryRunner.query(`CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at)`);
    await queryRunner.query(`DROP INDEX tenants_cloud_entra_tenant_id_key`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX tenants_cloud_entra_tenant_id_key
        ON tenants (cloud, entra_tenant_id) WHERE entra_tenant_id IS NOT NULL AND status <> 'DISCONNECTED'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX tenants_cloud_entra_tenant_id_key`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX tenants_cloud_entra_tenant_id_key
        ON tenants (cloud, entra_tenant_id) WHERE entra_tenant_id IS NOT NULL`);
    await queryRunner.query(`DROP TABLE oauth_states`);
  }
}
