import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Graph change-notification subscriptions (issue 16). graph_subscriptions: one row per (tenant, resource), with
 * Graph's subscription id, the clientState secret (encrypted, AAD bound to the tenant and resource), its expiry
 * and the last failure (shown in the tenant's status; polling continues). A notification is mapped to its
 * tenant by subscription_id (indexed). graph_subscription_leases: which instance manages a tenant's
 * subscriptions right now, so that one instance at a time creates, renews or deletes them.
 */
export class GraphSubscriptions1795900000000 implements MigrationInterface {
  name = 'GraphSubscriptions1795900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE graph_subscriptions (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        resource text NOT NULL CHECK (resource IN ('users', 'groups')),
        subscription_id text NULL,
        client_state text NULL,
        expires_at timestamptz NULL,
        reauthorize_requested boolean NOT NULL DEFAULT false,
        created_at timestamptz NULL,
        renewed_at timestamptz NULL,
        consecutive_failures integer NOT NULL DEFAULT 0,
        last_error text NULL,
        last_error_at timestamptz NULL,
        next_attempt_at timestamptz NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, resource)
      )`);
    await queryRunner.query(`CREATE INDEX graph_subscriptions_subscription_id ON graph_subscriptions (subscription_id) WHERE subscription_id IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE graph_subscription_leases (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
        lease_owner text NULL,
        lease_expires_at timestamptz NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE graph_subscription_leases`);
    await queryRunner.query(`DROP TABLE graph_subscriptions`);
  }
}
