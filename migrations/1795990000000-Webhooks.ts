import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks (issue 14).
 * webhook_endpoints: one row per registered endpoint. Product-wide (on the tenant-keys allow-list): an endpoint
 *   covers a list of tenants or every tenant (tenant_ids NULL), like an API key. Holds the secret(s), encrypted,
 *   the failure run, and the delivery lease (one instance at a time delivers an endpoint's events).
 * webhook_cursors: per (tenant, endpoint) the last sequence delivered; advanced in the transaction that records
 *   the delivery. Missing row: start_sequence of the endpoint.
 * webhook_deliveries: the delivery log, one row per attempt, per tenant.
 */
export class Webhooks1795990000000 implements MigrationInterface {
  name = 'Webhooks1795990000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL,
        tenant_ids uuid[] NULL,
        types text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'ENABLED' CHECK (status IN ('ENABLED', 'DISABLED')),
        secret text NOT NULL,
        previous_secret text NULL,
        previous_secret_expires_at timestamptz NULL,
        start_sequence bigint NOT NULL,
        consecutive_failures integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NULL,
        disabled_at timestamptz NULL,
        disabled_reason text NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        lease_owner text NULL,
        lease_token uuid NULL,
        lease_expires_at timestamptz NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE webhook_cursors (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        last_sequence bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, endpoint_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        id bigserial NOT NULL,
        event_sequence bigint NOT NULL,
        webhook_id text NOT NULL,
        attempt integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('DELIVERED', 'FAILED')),
        status_code integer NULL,
        latency_ms integer NOT NULL,
        error text NULL,
        attempted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, endpoint_id, id)
      )`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`DROP TABLE webhook_cursors`);
    await queryRunner.query(`DROP TABLE webhook_endpoints`);
  }
}
