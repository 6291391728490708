import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hosted admin portal (issue 15). portal_links: single-use links the product's backend asks for; only the
 * SHA-256 of the link's token is stored (the token itself is in the URL and nowhere else), with its steps,
 * returnUrl, expiry and when it was used. portal_sessions: what opening a link gives the browser, found by the
 * SHA-256 of the cookie's secret. Both are owned by one tenant (tenant_id leads the key). audit_log learns the
 * changes a portal makes: tier mappings set or removed, consent requested, a session opened.
 */
export class Portal1795980000000 implements MigrationInterface {
  name = 'Portal1795980000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE portal_links (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        token_hash bytea NOT NULL,
        steps text[] NOT NULL CHECK (cardinality(steps) >= 1 AND steps <@ ARRAY['CONNECT', 'MAP_GROUPS', 'STATUS']::text[]),
        return_url text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz NULL,
        PRIMARY KEY (tenant_id, id)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX portal_links_token_hash ON portal_links (token_hash)`);
    await queryRunner.query(`
      CREATE TABLE portal_sessions (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        link_id uuid NOT NULL,
        secret_hash bytea NOT NULL,
        steps text[] NOT NULL,
        return_url text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, link_id) REFERENCES portal_links (tenant_id, id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX portal_sessions_secret_hash ON portal_sessions (secret_hash)`);
    await queryRunner.query(`ALTER TABLE audit_log DROP CONSTRAINT audit_log_operation_check`);
    await queryRunner.query(`
      ALTER TABLE audit_log ADD CONSTRAINT audit_log_operation_check CHECK (operation IN (
        'CREATE_USER', 'UPDATE_USER', 'ADD_GROUP_MEMBER', 'REMOVE_GROUP_MEMBER',
        'SET_TIER_MAPPING', 'REMOVE_TIER_MAPPING', 'DEFINE_ACCESS_TIER', 'UPDATE_ACCESS_TIER', 'DELETE_ACCESS_TIER',
        'REQUEST_CONSENT', 'OPEN_PORTAL_SESSION'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM audit_log WHERE operation IN ('REQUEST_CONSENT', 'OPEN_PORTAL_SESSION')`);
    await queryRunner.query(`ALTER TABLE audit_log DROP CONSTRAINT audit_log_operation_check`);
    await queryRunner.query(`
      ALTER TABLE audit_log ADD CONSTRAINT audit_log_operation_check CHECK (operation IN (
        'CREATE_USER', 'UPDATE_USER', 'ADD_GROUP_MEMBER', 'REMOVE_GROUP_MEMBER',
        'SET_TIER_MAPPING', 'REMOVE_TIER_MAPPING', 'DEFINE_ACCESS_TIER', 'UPDATE_ACCESS_TIER', 'DELETE_ACCESS_TIER'))`);
    await queryRunner.query(`DROP TABLE portal_sessions`);
    await queryRunner.query(`DROP TABLE portal_links`);
  }
}
