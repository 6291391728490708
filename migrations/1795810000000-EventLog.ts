import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The change-event log (issue 6): one row per event, a global increasing sequence, written in the same
 * transaction as the change that caused it. Reads are always "one tenant, after a sequence", hence the index.
 * occurred_at is indexed for the retention purge. directory_event_purges remembers, per tenant, the highest
 * sequence the purge deleted, so that a cursor behind it is known to have missed events (the client must
 * resync) while an old cursor of a quiet tenant, which missed nothing, stays valid.
 */
export class EventLog1795810000000 implements MigrationInterface {
  name = 'EventLog1795810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE directory_events (
        sequence bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        type text NOT NULL,
        subject_id text NULL,
        payload jsonb NOT NULL DEFAULT '{}'::jsonb,
        occurred_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX directory_events_tenant_sequence ON directory_events (tenant_id, sequence)`);
    await queryRunner.query(`CREATE INDEX directory_events_occurred_at ON directory_events (occurred_at)`);
    await queryRunner.query(`
      CREATE TABLE directory_event_purges (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
        purged_through bigint NOT NULL,
        purged_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE directory_event_purges`);
    await queryRunner.query(`DROP TABLE directory_events`);
  }
}
