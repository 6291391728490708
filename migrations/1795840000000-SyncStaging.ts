import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sync at scale (issue 9).
 *
 * Staging tables: a round writes its delta pages here as they arrive (keyed by tenant and the round's lease
 * token), so a full load holds no page in memory; the applying transaction diffs them against the snapshot in
 * SQL. UNLOGGED: their rows only matter until their round commits or dies (a crash loses nothing the next
 * round would not fetch again), so they skip the WAL. No foreign key to tenants: rows of a dead round are
 * removed by the next round of the tenant, and all of them go with the tenant's cleanup below.
 *
 * sync_state.lease_token: the lease belongs to one round (a random token), not to a process, so two rounds of
 * one tenant in one process are as exclusive as rounds in two processes, and the committing transaction
 * checks the token (fencing).
 */
export class SyncStaging1795840000000 implements MigrationInterface {
  name = 'SyncStaging1795840000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sync_state ADD COLUMN lease_token uuid NULL`);
    await queryRunner.query(`
      CREATE UNLOGGED TABLE sync_stage_users (
        tenant_id uuid NOT NULL,
        round_id uuid NOT NULL,
        id uuid NOT NULL,
        -- NULL: present; 'changed' / 'deleted': Graph's @removed reason; 'absent': missing from a full round.
        removed text NULL,
        -- Only the properties the delta carried (later pages overwrite what they carry).
        fields jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (tenant_id, round_id, id)
      )`);
    await queryRunner.query(`
      CREATE UNLOGGED TABLE sync_stage_groups (
        tenant_id uuid NOT NULL,
        round_id uuid NOT NULL,
        id uuid NOT NULL,
        removed text NULL,
        fields jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (tenant_id, round_id, id)
      )`);
    await queryRunner.query(`
      CREATE UNLOGGED TABLE sync_stage_members (
        tenant_id uuid NOT NULL,
        round_id uuid NOT NULL,
        group_id uuid NOT NULL,
        member_id uuid NOT NULL,
        member_type text NOT NULL,
        removed boolean NOT NULL,
        PRIMARY KEY (tenant_id, round_id, group_id, member_id)
      )`);
    // Users and groups that went this round (their edges go with them).
    await queryRunner.query(`
      CREATE UNLOGGED TABLE sync_stage_gone (
        tenant_id uuid NOT NULL,
        round_id uuid NOT NULL,
        id uuid NOT NULL,
        kind text NOT NULL,
        PRIMARY KEY (tenant_id, round_id, id)
      )`);
    // The full load's effective membership, computed breadth-first one level per statement.
    await queryRunner.query(`
      CREATE UNLOGGED TABLE sync_stage_reach (
        tenant_id uuid NOT NULL,
        round_id uuid NOT NULL,
        ancestor uuid NOT NULL,
        group_id uuid NOT NULL,
        path uuid[] NOT NULL,
        depth integer NOT NULL,
        PRIMARY KEY (tenant_id, round_id, ancestor, group_id)
      )`);
    await queryRunner.query(`CREATE INDEX sync_stage_reach_depth ON sync_stage_reach (tenant_id, round_id, depth)`);
    // Group-in-group edges: the nesting walks read only these (upwards by member, downwards by group), never
    // the user rows of a 20,000-member group on the way.
    await queryRunner.query(`CREATE INDEX snapshot_memberships_nested_up ON snapshot_memberships (tenant_id, member_id, group_id) WHERE member_type = 'group'`);
    await queryRunner.query(`CREATE INDEX snapshot_memberships_nested_down ON snapshot_memberships (tenant_id, group_id, member_id) WHERE member_type = 'group'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX snapshot_memberships_nested_down`);
    await queryRunner.query(`DROP INDEX snapshot_memberships_nested_up`);
    await queryRunner.query(`DROP TABLE sync_stage_reach`);
    await queryRunner.query(`DROP TABLE sync_stage_gone`);
    await queryRunner.query(`DROP TABLE sync_stage_members`);
    await queryRunner.query(`DROP TABLE sync_stage_groups`);
    await queryRunner.query(`DROP TABLE sync_stage_users`);
    await queryRunner.query(`ALTER TABLE sync_state DROP COLUMN lease_token`);
  }
}
