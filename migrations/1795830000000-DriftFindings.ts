import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drift findings (issue 6): one row per finding, opened and resolved by reconcileFindings. At most one OPEN
 * finding per (tenant, rule, subject), enforced by a partial unique index, so two evaluations racing cannot
 * open the same finding twice; resolved ones stay as history. drift_state holds per tenant what the rules
 * remember between rounds: when policies and apps were last read, and the accepted MFA baseline.
 */
export class DriftFindings1795830000000 implements MigrationInterface {
  name = 'DriftFindings1795830000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE drift_findings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        rule text NOT NULL,
        subject_id text NOT NULL,
        severity text NOT NULL,
        summary text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        opened_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz NULL,
        last_seen_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX drift_findings_open_unique ON drift_findings (tenant_id, rule, subject_id) WHERE resolved_at IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX drift_findings_tenant_opened ON drift_findings (tenant_id, opened_at DESC)`);
    await queryRunner.query(`
      CREATE TABLE drift_state (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
        policies_checked_at timestamptz NULL,
        mfa_baseline jsonb NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE drift_state`);
    await queryRunner.query(`DROP TABLE drift_findings`);
  }
}
