import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search over the snapshot by words (issue 10): snapshot_user_words holds each live user's words (the lower-cased
 * display name, mail and sign-in name split at Graph's separators, snapshot_words()), under a btree (tenant_id,
 * word COLLATE "C", user_id): a search term is one range of words whose user ids come from the index alone, in id
 * order per word, so a page costs O(words x page), not O(matches) as through the trigram index.
 *
 * Kept off the load's critical path (user-words.ts): no trigger; a tenant's words are built after a full round
 * commits, in one background transaction that also sets sync_state.words_generation to the snapshot_generation it
 * built from; delta rounds keep them (a few rows per changed user) only while they are current. Reads use them
 * only when words_generation = snapshot_generation, else the trigram index (kept: the fallback, and the index of a
 * search beside other filters). NULL: never built.
 *
 * snapshot_words() splits at the simulator's tokenizer (JavaScript's \s spelled out, and . @ _ -).
 */
const SEPARATORS = '[\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff.@_-]+';

export class SnapshotUserWords1796070000000 implements MigrationInterface {
  name = 'SnapshotUserWords1796070000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE snapshot_user_words (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        word text COLLATE "C" NOT NULL,
        user_id uuid NOT NULL,
        PRIMARY KEY (tenant_id, word, user_id)
      )`);
    await queryRunner.query(`
      CREATE FUNCTION snapshot_words(display_name text, mail text, user_principal_name text) RETURNS SETOF text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT DISTINCT w FROM unnest(ARRAY[display_name, mail, user_principal_name]) AS v, regexp_split_to_table(lower(v), '${SEPARATORS}') AS w
      $$`);
    await queryRunner.query(`ALTER TABLE sync_state ADD COLUMN words_generation bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sync_state DROP COLUMN IF EXISTS words_generation`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS snapshot_words(text, text, text)`);
    await queryRunner.query(`DROP TABLE IF EXISTS snapshot_user_words`);
  }
}
