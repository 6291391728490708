/**
 * The snapshot's word table (snapshot_user_words, migration 1796070000000), which a search page reads instead of
 * every match through the trigram index. Kept off the load's critical path:
 * - a first load and a full round write no words; after they commit, the tenant's words are built in the
 *   background in ONE transaction (buildUserWords) that marks them built (sync_state.words_generation =
 *   snapshot_generation): a crash or a failure leaves the mark as it was, and the next round builds them again;
 * - a delta round keeps the words of the users it staged, in its own transaction, only while they are current
 *   (keepsUserWords), and moves the mark with the generation;
 * - reads use the words only when the mark equals the generation (snapshot-sql.ts), else the trigram index.
 * The build serializes with the tenant's rounds through its sync_state row, which every applying round locks
 * FOR UPDATE first (see buildUserWords).
 */
import type { QueryRunner } from 'typeorm';
import { tenantLockKey } from '../core/advisory-lock';
import type { Sql } from './sql';

/** The mark and the generation as read (bigint: strings, or null when never built). */
export interface WordsState {
  words_generation: string | null;
  snapshot_generation: string;
}

/** The words describe the snapshot as it is: built, and not since overtaken by a round that changed it. */
export function wordsCurrent(state: WordsState): boolean {
  return state.words_generation !== null && state.words_generation === String(state.snapshot_generation);
}

/** Whether a round keeps the words in its transaction: a delta round, and only when they are current. */
export function keepsUserWords(round: { full: boolean; direct: boolean }, state: WordsState): boolean {
  return !round.full && !round.direct && wordsCurrent(state);
}

/**
 * The words of the staged users' snapshot rows as they are now (live rows only): before and after the apply.
 * snapshot_words_of() (migration 1796090000000): the same words as snapshot_words(), estimated at 8 a user, so the
 * planner probes the words' primary key per staged word instead of scanning the tenant's words.
 */
const stagedWords = `SELECT s.tenant_id, x.word, s.id AS user_id
   FROM sync_stage_users st JOIN snapshot_users s ON s.tenant_id = st.tenant_id AND s.id = st.id AND s.deleted_at IS NULL,
        snapshot_words_of(s.display_name, s.mail, s.user_principal_name) AS x (word)
  WHERE st.tenant_id = $1 AND st.round_id = $2`;

/** The statement of dropStagedUserWords ($1 tenant, $2 round); exported for its plan test. */
export const DROP_STAGED_WORDS_SQL = `DELETE FROM snapshot_user_words w USING (${stagedWords}) d WHERE w.tenant_id = d.tenant_id AND w.word = d.word AND w.user_id = d.user_id`;

/** Before the round writes its users: the words of their rows go (by primary key, a few rows per user). */
export async function dropStagedUserWords(sql: Sql, tenantId: string, roundId: string): Promise<void> {
  await sql.exec(DROP_STAGED_WORDS_SQL, [tenantId, roundId]);
}

/** After the round wrote its users: the words of their live rows. */
export async function addStagedUserWords(sql: Sql, tenantId: string, roundId: string): Promise<void> {
  await sql.exec(`INSERT INTO snapshot_user_words (tenant_id, word, user_id) ${stagedWords} ON CONFLICT DO NOTHING`, [tenantId, roundId]);
}


export interface BuildHooks {
  /** Inside the build's transaction, before its commit (tests: a failure there must leave "not built"). */
  beforeCommit?: (runner: QueryRunner) => Promise<void>;
}

/**
 * Builds the tenant's words from its snapshot, in one transaction on `runner` (a connection of its own), unless
 * they are current. Returns whether it built them. Locks first: builders of the tenant one at a time (an advisory
 * lock, for the transaction), and the tenant's sync_state row FOR KEY SHARE, which a round's apply (FOR UPDATE)
 * waits for and waits on, so the words and the mark describe one committed snapshot; the lease's updates of the
 * row (take, renew, release) do not wait for the build (a stronger lock made a round's lease release wait).
 */
export async function buildUserWords(runner: QueryRunner, tenantId: string, hooks: BuildHooks = {}): Promise<boolean> {
  await runner.query(`BEGIN`);
  try {
    await runner.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [tenantLockKey('search-words', tenantId)]);
    const [state] = (await runner.query(`SELECT words_generation, snapshot_generation FROM sync_state WHERE tenant_id = $1 FOR KEY SHARE`, [tenantId])) as WordsState[];
    if (!state || wordsCurrent(state)) {
      await runner.query(`ROLLBACK`);
      return false;
    }
    // Sorting the entries for the index build of a whole tenant: more memory, fewer passes.
    await runner.query(`SET LOCAL work_mem = '64MB'`);
    await runner.query(`DELETE FROM snapshot_user_words WHERE tenant_id = $1`, [tenantId]);
    await runner.query(
      `INSERT INTO snapshot_user_words (tenant_id, word, user_id)
       SELECT s.tenant_id, x.word, s.id FROM snapshot_users s, snapshot_words(s.display_name, s.mail, s.user_principal_name) AS x (word)
        WHERE s.tenant_id = $1 AND s.deleted_at IS NULL`,
      [tenantId],
    );
    await runner.query(`UPDATE sync_state SET words_generation = snapshot_generation WHERE tenant_id = $1`, [tenantId]);
    await hooks.beforeCommit?.(runner);
    await runner.query(`COMMIT`);
    return true;
  } catch (error) {
    await runner.query(`ROLLBACK`).catch(() => undefined);
    throw error;
  }
}
