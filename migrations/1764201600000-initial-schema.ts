import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants and their status history. gen_random_uuid() is built into PostgreSQL 13+: no extension needed. */
export class InitialSchema1764201600000 implements MigrationInterface {
  name = 'InitialSchema1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
        entra_tenant_id uuid NULL,
        cloud text NOT NULL CHECK (cloud IN ('global', 'usgov-l4', 'usgov-l5', 'china', 'custom')),
        auth_mode text NOT NULL CHECK (auth_mode IN ('DELEGATED', 'APPLICATION')),
        status text NOT NULL DEFAULT 'PENDING_CONSENT'
          CHECK (status IN ('PENDING_CONSENT', 'ACTIVE', 'RECONSENT_REQUIRED', 'DISCONNECTED')),
        granted_scopes text[] NOT NULL DEFAULT '{}',
        features text[] NOT NULL DEFAULT '{}',
        sync_interval_seconds integer NOT NULL DEFAULT 300 CHECK (sync_interval_seconds > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The same Entra tenant may be connected once per cloud; a tenant still waiting for consent has no id yet.
    await queryRunner.query(`
      CREATE UNIQUE INDEX tenants_cloud_entra_tenant_id_key
        ON tenants (cloud, entra_tenant_id) WHERE entra_tenant_id IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE tenant_status_changes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        from_status text NULL,
        to_status text NOT NULL,
        reason text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX tenant_status_changes_tenant_at ON tenant_status_changes (tenant_id, at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE tenant_status_changes`);
    await queryRunner.query(`DROP TABLE tenants`);
  }
}
