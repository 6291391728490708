import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Provisioning's two tables, both keyed by tenant (a distributed PostgreSQL can shard them by tenant_id).
 * audit_log: one row per write item, append-only; its identity column orders it (newest first = id DESC) and
 * is what `auditLog` cursors point at. idempotency_keys: the first result of a keyed write, replayed on retry;
 * `result` is NULL while the first request is still running. Neither ever holds a password.
 */
export class Provisioning1795800000000 implements MigrationInterface {
  name = 'Provisioning1795800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        principal text NOT NULL,
        operation text NOT NULL CHECK (operation IN ('CREATE_USER', 'UPDATE_USER', 'ADD_GROUP_MEMBER', 'REMOVE_GROUP_MEMBER')),
        target text NOT NULL,
        result text NOT NULL CHECK (result IN ('SUCCESS', 'NO_OP', 'FAILED')),
        error_code text NULL,
        graph_request_id text NULL,
        request_id text NULL,
        idempotency_key text NULL,
        at timestamptz NOT NULL DEFAULT now(),
        CHECK ((result = 'FAILED') = (error_code IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX audit_log_tenant_newest ON audit_log (tenant_id, id DESC)`);
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
        operation text NOT NULL,
        request_hash text NOT NULL,
        result jsonb NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz NULL,
        CONSTRAINT idempotency_keys_pkey PRIMARY KEY (tenant_id, key)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE idempotency_keys`);
    await queryRunner.query(`DROP TABLE audit_log`);
  }
}
