import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search over the snapshot by words (issue 10): snapshot_user_words holds each live user's words, the lower-cased
 * display name, mail and sign-in name split at Graph's separators (whitespace . @ _ -), once per user and word,
 * under a btree (tenant_id, word COLLATE "C", user_id). A search term is then one index range of words (a word
 * starting with the term), whose user ids are read from the index alone and only the page's users from
 * snapshot_users; with the trigram index every candidate row was read from the table and rechecked by regex.
 *
 * Kept by statement-level triggers on snapshot_users with transition tables: every write path of the sync (bulk
 * insert, merge, soft delete, delete) keeps the words in the same transaction, one INSERT or DELETE per statement,
 * not per row. Only rows whose searched columns or deletion change touch words. The words of a value are computed
 * by snapshot_words(): the same lower() as the search conditions used before, and the separators of the
 * simulator's tokenizer (JavaScript's \s, . @ _ -; the regex before used [[:space:]], which lacks the no-break
 * spaces), so a term finds the same users as Graph's word-prefix search. The trigram index (and with it pg_trgm's extra writes per user) is dropped.
 *
 * A value that starts with a separator has '' as its first word: a search term that starts with one finds its
 * candidates as the users with that empty first word.
 */
/** JavaScript's \\s (the simulator's tokenizer, snapshot-sql.ts SEPARATOR) spelled out, and . @ _ -, in a run. */
const SEPARATORS = '[\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff.@_-]+';

export class SnapshotUserWords1796030001000 implements MigrationInterface {
  name = 'SnapshotUserWords1796030001000';

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
    // Rows whose words may differ between the old and the new version (searched columns, or deletion).
    const changed = `(o.display_name, o.mail, o.user_principal_name, o.deleted_at IS NULL) IS DISTINCT FROM (n.display_name, n.mail, n.user_principal_name, n.deleted_at IS NULL)`;
    const removeWords = (rows: string) => `
      DELETE FROM snapshot_user_words w USING (
        SELECT o.tenant_id, o.id, x.word FROM ${rows}, snapshot_words(o.display_name, o.mail, o.user_principal_name) AS x (word)
      ) d WHERE w.tenant_id = d.tenant_id AND w.word = d.word AND w.user_id = d.id;`;
    const addWords = (rows: string, where = '') => `
      INSERT INTO snapshot_user_words (tenant_id, word, user_id)
      SELECT n.tenant_id, x.word, n.id FROM ${rows}, snapshot_words(n.display_name, n.mail, n.user_principal_name) AS x (word) ${where}
      ON CONFLICT DO NOTHING;`;
    await queryRunner.query(`
      CREATE FUNCTION snapshot_user_words_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${addWords('new_rows n', 'WHERE n.deleted_at IS NULL')}
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION snapshot_user_words_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${removeWords(`old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.id = o.id AND o.deleted_at IS NULL AND ${changed}`)}
        ${addWords(`old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.id = o.id AND n.deleted_at IS NULL AND ${changed}`)}
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION snapshot_user_words_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${removeWords(`old_rows o`)}
        RETURN NULL;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER snapshot_user_words_inserted AFTER INSERT ON snapshot_users REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION snapshot_user_words_inserted()`);
    await queryRunner.query(
      `CREATE TRIGGER snapshot_user_words_updated AFTER UPDATE ON snapshot_users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION snapshot_user_words_updated()`,
    );
    await queryRunner.query(`CREATE TRIGGER snapshot_user_words_deleted AFTER DELETE ON snapshot_users REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION snapshot_user_words_deleted()`);
    await queryRunner.query(`
      INSERT INTO snapshot_user_words (tenant_id, word, user_id)
      SELECT u.tenant_id, x.word, u.id FROM snapshot_users u, snapshot_words(u.display_name, u.mail, u.user_principal_name) AS x (word)
       WHERE u.deleted_at IS NULL`);
    await queryRunner.query(`DROP INDEX IF EXISTS snapshot_users_search`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX snapshot_users_search ON snapshot_users USING gin (lower(display_name) gin_trgm_ops, lower(mail) gin_trgm_ops, lower(user_principal_name) gin_trgm_ops) WHERE deleted_at IS NULL`,
    );
    for (const event of ['inserted', 'updated', 'deleted']) {
      await queryRunner.query(`DROP TRIGGER IF EXISTS snapshot_user_words_${event} ON snapshot_users`);
      await queryRunner.query(`DROP FUNCTION IF EXISTS snapshot_user_words_${event}()`);
    }
    await queryRunner.query(`DROP FUNCTION IF EXISTS snapshot_words(text, text, text)`);
    await queryRunner.query(`DROP TABLE IF EXISTS snapshot_user_words`);
  }
}
