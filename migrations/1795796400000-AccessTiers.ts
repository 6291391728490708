import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The product's access tiers (product-wide: no tenant) and each tenant's group-to-tier mappings. A mapping is
 * keyed by (tenant_id, group_id), so a distributed PostgreSQL can shard it by tenant. A tier that is still
 * mapped cannot be deleted (RESTRICT): removing it would silently drop every mapped user to "no tier".
 */
export class AccessTiers1795796400000 implements MigrationInterface {
  name = 'AccessTiers1795796400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE access_tiers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        rank integer NOT NULL,
        description text NULL CHECK (length(description) <= 500),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT access_tiers_rank_key UNIQUE (rank)
      )`);
    // "Finance" and "finance" would be two tiers nobody can tell apart in a mapping screen.
    await queryRunner.query(`CREATE UNIQUE INDEX access_tiers_name_key ON access_tiers (lower(name))`);
    await queryRunner.query(`
      CREATE TABLE tier_mappings (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        group_id uuid NOT NULL,
        group_display_name text NOT NULL,
        tier_id uuid NOT NULL REFERENCES access_tiers (id) ON DELETE RESTRICT,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        PRIMARY KEY (tenant_id, group_id)
      )`);
    // deleteAccessTier asks whether a tier is still mapped anywhere.
    await queryRunner.query(`CREATE INDEX tier_mappings_tier_id ON tier_mappings (tier_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE tier_mappings`);
    await queryRunner.query(`DROP TABLE access_tiers`);
  }
}
