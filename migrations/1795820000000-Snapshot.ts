import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The directory snapshot kept by sync (issue 6), every table keyed by tenant first so a distributed PostgreSQL
 * can shard by tenant: users, groups, direct memberships, effective (transitive) memberships with the nested
 * path, and each tenant's sync state (delta links, the lease, status). Only the sync engine writes these.
 * Delta links carry no secret (Graph's opaque continuation tokens are bound to our app's token), so they are
 * stored plain.
 */
export class Snapshot1795820000000 implements MigrationInterface {
  name = 'Snapshot1795820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE snapshot_users (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        display_name text NULL,
        user_principal_name text NULL,
        mail text NULL,
        department text NULL,
        job_title text NULL,
        account_enabled boolean NULL,
        user_type text NULL,
        deleted_at timestamptz NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    // accessTier by sign-in name answers from here.
    await queryRunner.query(`CREATE INDEX snapshot_users_upn ON snapshot_users (tenant_id, lower(user_principal_name))`);
    await queryRunner.query(`
      CREATE TABLE snapshot_groups (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        display_name text NULL,
        group_types text[] NOT NULL DEFAULT '{}',
        membership_rule text NULL,
        security_enabled boolean NULL,
        mail_enabled boolean NULL,
        deleted_at timestamptz NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    await queryRunner.query(`
      CREATE TABLE snapshot_memberships (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        group_id uuid NOT NULL,
        member_id uuid NOT NULL,
        member_type text NOT NULL,
        PRIMARY KEY (tenant_id, group_id, member_id)
      )`);
    // Who contains this member (ancestors walk, a user's removal).
    await queryRunner.query(`CREATE INDEX snapshot_memberships_member ON snapshot_memberships (tenant_id, member_id)`);
    await queryRunner.query(`
      CREATE TABLE snapshot_effective (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        group_id uuid NOT NULL,
        user_id uuid NOT NULL,
        path text[] NOT NULL,
        PRIMARY KEY (tenant_id, group_id, user_id)
      )`);
    // A user's effective groups (accessTier, tier changes).
    await queryRunner.query(`CREATE INDEX snapshot_effective_user ON snapshot_effective (tenant_id, user_id)`);
    await queryRunner.query(`
      CREATE TABLE sync_state (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
        users_delta_link text NULL,
        groups_delta_link text NULL,
        lease_owner text NULL,
        lease_expires_at timestamptz NULL,
        last_success_at timestamptz NULL,
        last_error text NULL,
        last_error_at timestamptz NULL,
        consecutive_failures integer NOT NULL DEFAULT 0,
        last_duration_ms integer NULL,
        counts jsonb NOT NULL DEFAULT '{}',
        next_run_at timestamptz NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sync_state`);
    await queryRunner.query(`DROP TABLE snapshot_effective`);
    await queryRunner.query(`DROP TABLE snapshot_memberships`);
    await queryRunner.query(`DROP TABLE snapshot_groups`);
    await queryRunner.query(`DROP TABLE snapshot_users`);
  }
}
