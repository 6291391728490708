/**
 * One delta round per tenant: the lease, the two streams, and the applying transaction.
 *
 * Lease. A round takes the tenant's sync_state row with one atomic upsert only when no live lease is on it and
 * the tenant is ACTIVE (the same statement reads the tenant's status and interval), and stamps it with a random
 * token of its own (not the process's): a second round of the same tenant, in this process or another, answers
 * LEASE_HELD. The token is renewed while pages arrive and checked again,
 * row-locked, by the committing transaction (fencing): a round that stalled past its lease while another
 * round took over cannot commit, so no older deltaLink or older value is ever stored after a newer one.
 *
 * Streams. users/delta and groups/delta run at once, each page written to the staging tables as it arrives
 * (stream.ts) while the next one is fetched, so memory stays flat whatever the tenant's size. A tenant's first
 * load (no deltaLink, empty snapshot) writes its pages into the snapshot itself, inside the round's transaction
 * opened before the streams (load-direct.ts): nothing to diff, and only the nesting walk after the last page.
 *
 * Crash story. Staged rows are invisible: the snapshot changes, the events (an outbox: appendEvents in the
 * same transaction) and the new deltaLinks commit together in one transaction that diffs the staged round
 * against the snapshot in SQL. A process that dies anywhere before that commit leaves the previous snapshot,
 * no event and the previous deltaLinks: the next round (here or elsewhere, once the lease expires) deletes
 * what the dead round staged, replays the same delta, and the diff emits each event once.
 *
 * Cost. A delta round's statements read the rows of what changed (apply-objects.ts, apply-memberships.ts,
 * effective-sql.ts, tier-changes.ts); totals are kept from the previous round's plus this round's changes; a
 * round that staged nothing writes only its bookkeeping (sync_state; SYNC_COMPLETED only at the heartbeat). The
 * first round is the full load: it emits no event but SYNC_COMPLETED. An expired or reset delta token restarts that stream with a
 * full round diffed against the snapshot, so only real differences become events.
 */
import { hostname } from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';
import type { AccessService } from '../access/access.service';
import { appendEvents } from '../events/event-log';
import { DirectoryEventType, type NewDirectoryEvent } from '../events/event.types';
import { GraphThrottledError, type GraphClient } from '../graph';
import type { Logger } from '../logging';
import { recordSyncRound, type SyncModeLabel } from '../observability/metrics';
import { inSpan, type Span } from '../observability/tracing';
import { TenantStatus } from '../tenants/status';
import { groupOutcome, type GroupOutcome } from './apply-groups';
import { applyMemberships, type EdgeChange } from './apply-memberships';
import { applyObjects, diffObjects, stageAbsent } from './apply-objects';
import type { DeltaBuffer } from './delta-buffer';
import { userOutcome, type EnabledChange } from './apply-users';
import type { EffectiveRow } from './effective';
import { affectedUsers, rebuildAll, recomputeUsers } from './effective-sql';
import { deferIndexMerges, mergePendingIndexEntries } from './index-upkeep';
import { loadPage, snapshotEmpty } from './load-direct';
import { nextRunDelaySeconds, shouldWriteSyncCompleted } from './schedule';
import type { SyncCounts } from './snapshot.entity';
import { newMeter, Sql, type SqlMeter } from './sql';
import { clearStage, streamToStage, type Resource, type StreamResult } from './stream';
import { tierChanges } from './tier-changes';
import { addStagedUserWords, buildUserWords, dropStagedUserWords, keepsUserWords } from './user-words';

export { GROUPS_DELTA_START, USERS_DELTA_START } from './stream';

export type SyncMode = 'INITIAL' | 'INCREMENTAL' | 'RESYNC';

export interface SyncHooks {
  /** After each page is read (tests: throw to simulate a crash mid-round, or wait to hold the lease). */
  afterPage?(info: { tenantId: string; resource: Resource; page: number; roundId: string }): void | Promise<void>;
  /** First thing inside the applying transaction (tests: a baseline of per-transaction statistics). */
  beforeApply?(info: { tenantId: string; roundId: string; query: (sql: string, params?: unknown[]) => Promise<unknown[]> }): void | Promise<void>;
  /**
   * Inside the applying transaction, after the events were appended, before commit; `query` runs in it.
   * `links`: the deltaLinks the round started from, those stored when it came to commit (equal, or it
   * would not be committing), and the ones it stores.
   */
  beforeCommit?(info: {
    tenantId: string;
    roundId: string;
    events: number;
    links: Record<'from' | 'stored' | 'next', { users: string | null; groups: string | null }>;
    query: (sql: string, params?: unknown[]) => Promise<unknown[]>;
  }): void | Promise<void>;
}

export interface SyncEngineOptions {
  dataSource: DataSource;
  /** The tenant's Graph client (services.directory.client). */
  clientFor: (tenantId: string) => GraphClient;
  access: AccessService;
  logger: Logger;
  /** This process's name in sync_state.lease_owner (for people); default host:pid:random. */
  owner?: string;
  /** How long a lease lasts without renewal; default 120 s. */
  leaseSeconds?: number;
  /** Interval used when a tenant has none; default 300 s. */
  defaultIntervalSeconds?: number;
  /**
   * A round that changed nothing writes SYNC_COMPLETED only when the tenant's last one is at least this old
   * (SYNC_COMPLETED_HEARTBEAT_SECONDS); 0 = after every round. Default 3600.
   */
  completedHeartbeatSeconds?: number;
  /** Log a progress line every this many pages; default 25. */
  progressEveryPages?: number;
  hooks?: SyncHooks;
  /** A tenant's first load written straight into its snapshot (load-direct.ts); default true. False stages it like any round (the bench's baseline). */
  directFirstLoad?: boolean;
  /**
   * After every round that ran, committed or failed (the drift rules: issue 6). Runs outside the round's
   * transaction and lease; its failures are logged, never turned into a failed round. `changed`: the round may
   * have changed the snapshot (it staged objects or loaded in full), or it failed.
   */
  afterRound?: (tenantId: string, outcome: { consecutiveFailures: number; changed: boolean }) => Promise<unknown>;
  random?: () => number;
}

export type RoundResult =
  | { ran: false; reason: 'LEASE_HELD' | 'TENANT_NOT_ACTIVE' | 'TENANT_NOT_FOUND' }
  | {
      ran: true;
      /** The round's lease token. */
      roundId: string;
      mode: SyncMode;
      pages: number;
      objects: number;
      /** Change events (SYNC_COMPLETED not counted). */
      events: number;
      /** Whether the round wrote SYNC_COMPLETED (a quiet round writes it only at the heartbeat). */
      completedEvent: boolean;
      durationMs: number;
      /** Of durationMs: until both streams reached their deltaLinks (pages were written meanwhile). */
      fetchMs: number;
      graphRequests: number;
      counts: SyncCounts;
      /** The round's SQL statements and rows (what its database work followed). */
      sql: SqlMeter;
    };

type Ran = Extract<RoundResult, { ran: true }>;

interface LeasedState {
  users_delta_link: string | null;
  groups_delta_link: string | null;
  consecutive_failures: number;
}

export class LeaseLostError extends Error {
  constructor(tenantId: string, owner: string) {
    super(`sync of tenant ${tenantId}: this round (${owner}) no longer holds the lease; another round took over after it expired, so this one is abandoned`);
    this.name = 'LeaseLostError';
  }
}

interface Round {
  tenantId: string;
  token: string;
  interval: number;
  started: number;
  log: Logger;
  meter: SqlMeter;
  runners: QueryRunner[];
  lastRenewal: number;
  pages: number;
  objects: number;
  /** Set by the apply: the tenant's search words are current after this round (else built in the background). */
  wordsCurrent: boolean;
}

const TOTAL_KEYS = ['users', 'groups', 'memberships', 'effectiveMemberships'] as const;
type Totals = Record<(typeof TOTAL_KEYS)[number], number>;

export class SyncEngine {
  readonly owner: string;
  private readonly leaseSeconds: number;
  private readonly defaultInterval: number;
  private readonly progressEvery: number;
  private readonly heartbeatSeconds: number;
  private readonly random: () => number;
  private readonly aborter = new AbortController();
  /** Staged rows of committed rounds being deleted in the background. */
  private readonly cleanups = new Set<Promise<void>>();
  /** Tenants whose search words this engine is building. */
  private readonly wordBuilds = new Set<string>();

  constructor(private readonly opts: SyncEngineOptions) {
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.leaseSeconds = opts.leaseSeconds ?? 120;
    this.defaultInterval = opts.defaultIntervalSeconds ?? 300;
    this.progressEvery = opts.progressEveryPages ?? 25;
    this.heartbeatSeconds = opts.completedHeartbeatSeconds ?? 3_600;
    this.random = opts.random ?? Math.random;
  }

  /** Stops rounds in flight (their Graph calls are aborted; nothing they did is committed). */
  close(): void {
    this.aborter.abort(new Error('sync engine closed'));
  }

  /** Resolves when the background deletions of committed rounds' staged rows are done. */
  async idle(): Promise<void> {
    while (this.cleanups.size > 0) await Promise.allSettled([...this.cleanups]);
  }

  /** One round for the tenant, if no round of it runs anywhere. Failures are recorded on sync_state and rethrown. */
  async runRound(tenantId: string): Promise<RoundResult> {
    const { dataSource } = this.opts;
    const token = randomUUID();
    // One statement: the tenant's status and interval, and the lease when it is ACTIVE and no live lease is on it
    // (the tenant's first round creates its sync_state row). A round never reads the tenant on its own.
    const [taken]: Array<LeasedState & { status: string; sync_interval_seconds: number; leased: boolean }> = rows(
      await dataSource.query(
        `WITH t AS (SELECT id, status, sync_interval_seconds FROM tenants WHERE id = $1),
              taken AS (
                INSERT INTO sync_state AS s (tenant_id, lease_owner, lease_token, lease_expires_at)
                SELECT t.id, $2, $4, now() + make_interval(secs => $3) FROM t WHERE t.status = $5
                ON CONFLICT (tenant_id) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_token = EXCLUDED.lease_token, lease_expires_at = EXCLUDED.lease_expires_at
                 WHERE s.lease_owner IS NULL OR s.lease_expires_at IS NULL OR s.lease_expires_at < now()
                RETURNING s.users_delta_link, s.groups_delta_link, s.consecutive_failures)
         SELECT t.status, t.sync_interval_seconds, taken.users_delta_link, taken.groups_delta_link, taken.consecutive_failures,
                taken.consecutive_failures IS NOT NULL AS leased
           FROM t LEFT JOIN taken ON true`,
        [tenantId, this.owner, this.leaseSeconds, token, TenantStatus.ACTIVE],
      ),
    );
    if (!taken) return { ran: false, reason: 'TENANT_NOT_FOUND' };
    if (taken.status !== TenantStatus.ACTIVE) return { ran: false, reason: 'TENANT_NOT_ACTIVE' };
    if (!taken.leased) return { ran: false, reason: 'LEASE_HELD' };
    const state: LeasedState = { users_delta_link: taken.users_delta_link, groups_delta_link: taken.groups_delta_link, consecutive_failures: taken.consecutive_failures };
    const round: Round = {
      tenantId,
      token,
      interval: taken.sync_interval_seconds > 0 ? taken.sync_interval_seconds : this.defaultInterval,
      started: Date.now(),
      log: this.opts.logger.child({ component: 'sync', tenantId }),
      meter: newMeter(),
      runners: [],
      lastRenewal: Date.now(),
      pages: 0,
      objects: 0,
      wordsCurrent: false,
    };
    return inSpan('sync round', { attributes: { 'gateway.tenant_id': tenantId, 'sync.round_id': token } }, (span) => this.runLeased(round, state, span));
  }

  private async runLeased(round: Round, state: LeasedState, span: Span): Promise<Ran> {
    const { dataSource } = this.opts;
    const { tenantId, token } = round;
    let consecutiveFailures = state.consecutive_failures;
    let changed = true;
    // A round from no deltaLink is a full load; a resync (found while streaming) is one too.
    const startMode: SyncModeLabel = state.users_delta_link === null || state.groups_delta_link === null ? 'full' : 'delta';
    try {
      const result = await this.run(round, state);
      round.log.info({ mode: result.mode, pages: result.pages, objects: result.objects, events: result.events, durationMs: result.durationMs, graphRequests: result.graphRequests, sql: result.sql }, 'sync round completed');
      const mode: SyncModeLabel = result.mode === 'INCREMENTAL' ? 'delta' : 'full';
      recordSyncRound({ mode, ok: true, seconds: result.durationMs / 1000, pages: result.pages, objects: result.objects });
      span.setAttributes({ 'sync.mode': result.mode, 'sync.pages': result.pages, 'sync.objects': result.objects, 'sync.events': result.events });
      consecutiveFailures = 0;
      changed = result.objects > 0 || result.mode !== 'INCREMENTAL';
      return result;
    } catch (error) {
      // Stopped by close() (the process is stopping): nothing was committed and nothing failed; the lease expires.
      if (this.aborter.signal.aborted) {
        round.log.info('sync round abandoned: the gateway is stopping');
        throw error;
      }
      recordSyncRound({ mode: startMode, ok: false, seconds: (Date.now() - round.started) / 1000, pages: round.pages, objects: round.objects });
      consecutiveFailures = state.consecutive_failures + 1;
      await this.recordFailure(round, error, consecutiveFailures).catch((e: unknown) => round.log.error({ err: e }, 'could not record the sync failure'));
      round.log.warn({ err: error, consecutiveFailures }, 'sync round failed');
      throw error;
    } finally {
      await dataSource
        .query(`UPDATE sync_state SET lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL WHERE tenant_id = $1 AND lease_token = $2`, [tenantId, token])
        .catch((e: unknown) => round.log.error({ err: e }, 'could not release the sync lease (it expires by itself)'));
      for (const runner of round.runners) await runner.release().catch(() => undefined);
      await this.opts.afterRound?.(tenantId, { consecutiveFailures, changed }).catch((e: unknown) => round.log.error({ err: e }, 'after-round work failed'));
    }
  }

  private sql(round: Round): Sql {
    const runner = this.opts.dataSource.createQueryRunner();
    round.runners.push(runner);
    return new Sql(runner, round.meter);
  }

  private async run(round: Round, state: { users_delta_link: string | null; groups_delta_link: string | null }): Promise<Ran> {
    const { tenantId, token } = round;
    const client = this.opts.clientFor(tenantId);
    const requestsBefore = client.counters().requests;
    const main = this.sql(round);
    // What dead rounds of this tenant staged (we hold the lease: no live round of it writes there).
    await clearStage(main, tenantId, null);
    // A tenant's first load (no deltaLink, nothing in its snapshot) writes its pages straight into the snapshot
    // inside the round's transaction while they stream (load-direct.ts): no staging copy and no diff after the
    // last page, and still nothing visible before the commit.
    const direct = this.opts.directFirstLoad !== false && state.users_delta_link === null && state.groups_delta_link === null && (await snapshotEmpty(main, tenantId));
    if (direct) {
      await main.runner.startTransaction();
      await deferIndexMerges(main);
    }
    // Both streams write on the round's one connection: one write at a time (a write's savepoint must not take
    // in the other stream's statements, load-direct.ts).
    let writing: Promise<unknown> = Promise.resolve();
    const loadInTurn = (resource: Resource, buffer: DeltaBuffer): Promise<void> => {
      const write = writing.then(() => loadPage(main, tenantId, resource, buffer));
      writing = write.catch(() => undefined);
      return write;
    };

    // Either stream failing stops the other.
    const streams = new AbortController();
    const stop = () => streams.abort(this.aborter.signal.reason);
    this.aborter.signal.addEventListener('abort', stop);
    const stream = (resource: Resource, link: string | null) =>
      streamToStage({
        tenantId,
        roundId: token,
        client,
        resource,
        link,
        sql: direct ? main : this.sql(round),
        signal: streams.signal,
        log: round.log,
        afterPage: (r, page, items) => this.afterPage(round, r, page, items),
        ...(direct && { writePage: (buffer: DeltaBuffer) => loadInTurn(resource, buffer) }),
      }).catch((error: unknown) => {
        streams.abort(error);
        throw error;
      });
    let users: StreamResult;
    let groups: StreamResult;
    try {
      const settled = await Promise.allSettled([stream('users', state.users_delta_link), stream('groups', state.groups_delta_link)]);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      [users, groups] = settled.map((s) => (s as PromiseFulfilledResult<StreamResult>).value);
    } catch (error) {
      if (direct) await main.runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      this.aborter.signal.removeEventListener('abort', stop);
    }
    const initial = state.users_delta_link === null && state.groups_delta_link === null;
    const mode: SyncMode = initial ? 'INITIAL' : users.resync || groups.resync ? 'RESYNC' : 'INCREMENTAL';
    const graphRequests = client.counters().requests - requestsBefore;
    const fetchMs = Date.now() - round.started;
    round.log.info({ mode, pages: round.pages, objects: round.objects, fetchMs }, 'sync streams complete: applying');

    if (!direct) await main.runner.startTransaction();
    try {
      await this.opts.hooks?.beforeApply?.({ tenantId, roundId: token, query: (text, params = []) => main.runner.query(text, params) });
      const result = await this.apply(main, round, { mode, direct, users, groups, graphRequests, fetchMs, from: { users: state.users_delta_link, groups: state.groups_delta_link } });
      await main.runner.commitTransaction();
      // Staged rows are garbage now: deleted in the background, on a connection of their own, so the round's
      // result does not wait for them (the next round of the tenant deletes whatever is left).
      // A full round (or a crash before a build) left the tenant's search words stale: built there too.
      if (result.objects > 0 || users.full || groups.full || !round.wordsCurrent) {
        this.clearInBackground(tenantId, token, round.log, { bulkLoaded: users.full || groups.full, buildWords: !round.wordsCurrent });
      }
      return result;
    } catch (error) {
      await main.runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  }

  private clearInBackground(tenantId: string, token: string, log: Logger, { bulkLoaded, buildWords }: { bulkLoaded: boolean; buildWords: boolean }): void {
    const runner = this.opts.dataSource.createQueryRunner();
    // One build per tenant at a time from this engine (another instance's waits on the row lock, then skips).
    const words = buildWords && !this.wordBuilds.has(tenantId);
    if (words) this.wordBuilds.add(tenantId);
    const work = clearStage(new Sql(runner, newMeter()), tenantId, token)
      .catch((e: unknown) => log.warn({ err: e }, 'could not clear the staged rows (the next round will)'))
      // A full round deferred its GIN merges (index-upkeep.ts): merged now, so searches stop scanning the list.
      .then(async () => {
        if (bulkLoaded) await mergePendingIndexEntries(runner);
      })
      .catch((e: unknown) => log.info({ err: e }, 'could not merge the search index entries now (autovacuum will)'))
      // The search words (user-words.ts), in one transaction that marks them built; until then reads use trigrams.
      .then(async () => {
        if (!words) return;
        const started = Date.now();
        if (await buildUserWords(runner, tenantId)) log.info({ ms: Date.now() - started }, 'search words built');
      })
      .catch((e: unknown) => log.warn({ err: e }, 'could not build the search words (the next round will; searches read trigrams meanwhile)'))
      .finally(() => {
        if (words) this.wordBuilds.delete(tenantId);
      })
      // After a full load the planner's statistics describe the tables before it (autovacuum catches up later):
      // with stale statistics the next rounds' small lookups can be planned as scans of the tenant. ANALYZE
      // samples a bounded number of rows (300 x default_statistics_target), whatever the table holds.
      // A short lock_timeout: statistics are worth a retry by autovacuum, never a wait behind another transaction.
      .then(async () => {
        if (!bulkLoaded) return;
        await runner.query(`BEGIN`);
        try {
          await runner.query(`SET LOCAL lock_timeout = '1s'`);
          await runner.query(`ANALYZE snapshot_users, snapshot_groups, snapshot_memberships, snapshot_effective, snapshot_user_words`);
          await runner.query(`COMMIT`);
        } catch (error) {
          await runner.query(`ROLLBACK`).catch(() => undefined);
          throw error;
        }
      })
      .catch((e: unknown) => log.info({ err: e }, 'could not refresh the snapshot statistics now (autovacuum will)'))
      .finally(() => runner.release().catch(() => undefined));
    const tracked: Promise<void> = work.finally(() => this.cleanups.delete(tracked));
    this.cleanups.add(tracked);
  }

  private async afterPage(round: Round, resource: Resource, page: number, items: number): Promise<void> {
    round.pages++;
    round.objects += items;
    if (round.pages % this.progressEvery === 0) {
      round.log.info({ resource, pages: round.pages, objects: round.objects, elapsedMs: Date.now() - round.started }, 'sync progress');
    }
    // Renew at a third of the lease, so one slow page cannot let it lapse.
    if (Date.now() - round.lastRenewal > (this.leaseSeconds * 1000) / 3) {
      round.lastRenewal = Date.now();
      await this.renewLease(round);
    }
    await this.opts.hooks?.afterPage?.({ tenantId: round.tenantId, resource, page, roundId: round.token });
  }

  private async renewLease(round: Round): Promise<void> {
    const renewed = rows(
      await this.opts.dataSource.query(
        `UPDATE sync_state SET lease_expires_at = now() + make_interval(secs => $3) WHERE tenant_id = $1 AND lease_token = $2 RETURNING tenant_id`,
        [round.tenantId, round.token, this.leaseSeconds],
      ),
    );
    if (renewed.length === 0) throw new LeaseLostError(round.tenantId, this.owner);
  }

  private async recordFailure(round: Round, error: unknown, failures: number): Promise<void> {
    const message = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2000);
    const retryAfterSeconds = error instanceof GraphThrottledError && error.retryAfterMs !== undefined ? error.retryAfterMs / 1000 : undefined;
    const delay = nextRunDelaySeconds({ ok: false, consecutiveFailures: failures, intervalSeconds: round.interval, random: this.random(), retryAfterSeconds });
    await this.opts.dataSource.query(
      `UPDATE sync_state SET consecutive_failures = consecutive_failures + 1, last_error = $3, last_error_at = now(),
              last_duration_ms = $4, next_run_at = now() + make_interval(secs => $5)
        WHERE tenant_id = $1 AND lease_token = $2`,
      [round.tenantId, round.token, message, Date.now() - round.started, delay],
    );
  }

  private async apply(
    sql: Sql,
    round: Round,
    r: { mode: SyncMode; direct: boolean; users: StreamResult; groups: StreamResult; graphRequests: number; fetchMs: number; from: { users: string | null; groups: string | null } },
  ): Promise<Ran> {
    const { tenantId, token } = round;
    const { mode } = r;
    // Fencing: the round's token is re-checked under a row lock; a round that lost the lease must not commit.
    const [lease] = await sql.rows(
      `SELECT lease_token, counts, users_delta_link, groups_delta_link, extract(epoch FROM now() - last_completed_event_at)::float8 AS since_completed,
              words_generation, snapshot_generation
         FROM sync_state WHERE tenant_id = $1 FOR UPDATE`,
      [tenantId],
    );
    if (lease?.lease_token !== token) throw new LeaseLostError(tenantId, this.owner);

    const emit = mode !== 'INITIAL';
    const full = r.users.full || r.groups.full;
    const keepWords = keepsUserWords({ full, direct: r.direct }, lease);
    // A direct first load staged nothing: its objects are what it loaded (counted with the totals below).
    // A round whose pages carried no object staged nothing (no count needed).
    const [staged] = r.direct || round.objects === 0
      ? [{ users: 0, groups: 0 }]
      : await sql.rows(
          `SELECT (SELECT count(*) FROM sync_stage_users WHERE tenant_id = $1 AND round_id = $2)::int AS users,
                  (SELECT count(*) FROM sync_stage_groups WHERE tenant_id = $1 AND round_id = $2)::int AS groups`,
          [tenantId, token],
        );
    let objects: number = staged.users + staged.groups;
    const step = (phase: string, extra: Record<string, unknown> = {}) => {
      if (full) round.log.info({ phase, elapsedMs: Date.now() - round.started, ...extra }, 'sync apply progress');
    };

    let userEvents: ReturnType<typeof userOutcome> = { events: [], enabledChanges: new Map<string, EnabledChange>(), created: 0, deleted: 0 };
    let groupEvents: GroupOutcome = { events: [], created: 0, deleted: 0 };
    let groupsCreated = 0;
    let groupsGone = 0;
    let edges = { added: [] as EdgeChange[], removed: [] as EdgeChange[], addedCount: 0, removedCount: 0 };
    let effective: { added: EffectiveRow[]; removed: EffectiveRow[] } = { added: [], removed: [] };
    if (r.direct) {
      // The pages are in the snapshot already, direct edges' effective rows with them: only nesting is left.
      // The planner's statistics still describe the tenant as empty, and then joined each nested group's row
      // with a scan of all the tenant's edges (minutes at 100k users). ANALYZE inside this transaction samples
      // its own uncommitted rows (a bounded sample); its lock only excludes other ANALYZE/VACUUM until commit.
      await sql.exec(`ANALYZE snapshot_groups, snapshot_memberships`);
      await rebuildAll(sql, tenantId, token, (depth, reached) => step('effective level', { depth, reached }), { directLoaded: true });
      step('effective');
    } else if (objects > 0 || full) {
      // A delta round that staged nothing has nothing to apply: it writes only its bookkeeping.
      // A full round diffs the whole staged tenant against the snapshot. The staging tables are emptied after
      // every round, so their statistics (if autovacuum ever sampled them) say "nearly empty": with the
      // snapshot's statistics accurate, the planner then joins a 20k-row stage by repeated scans. Sampling the
      // stage first (ANALYZE reads a bounded sample) keeps these joins hashed.
      if (full) {
        await sql.exec(`ANALYZE sync_stage_users, sync_stage_groups, sync_stage_members`);
        await deferIndexMerges(sql);
      }
      if (r.users.full) await stageAbsent(sql, 'user', tenantId, token);
      if (emit) userEvents = userOutcome(await diffObjects(sql, 'user', tenantId, token));
      if (keepWords && staged.users > 0) await dropStagedUserWords(sql, tenantId, token);
      await applyObjects(sql, 'user', tenantId, token);
      if (keepWords && staged.users > 0) await addStagedUserWords(sql, tenantId, token);
      step('users', { created: userEvents.created, deleted: userEvents.deleted });

      if (r.groups.full) await stageAbsent(sql, 'group', tenantId, token);
      if (emit) {
        groupEvents = groupOutcome(await diffObjects(sql, 'group', tenantId, token));
        groupsCreated = groupEvents.created;
      }
      groupsGone = (await applyObjects(sql, 'group', tenantId, token)).gone;
      step('groups');

      edges = await applyMemberships(sql, tenantId, token, { full: r.groups.full, returning: emit });
      step('memberships', { added: edges.addedCount, removed: edges.removedCount });

      if (!emit) {
        await rebuildAll(sql, tenantId, token, (depth, reached) => step('effective level', { depth, reached }));
      } else {
        const users = await affectedUsers(sql, tenantId, [...edges.removed, ...edges.added]);
        effective = await recomputeUsers(sql, tenantId, users);
      }
      step('effective', { added: effective.added.length, removed: effective.removed.length });
    }

    // Group names for the payloads: the round's, else the snapshot's (only the groups the events name).
    const named = new Set<string>();
    for (const e of [...edges.removed, ...edges.added]) named.add(e.groupId);
    for (const row of [...effective.added, ...effective.removed]) for (const g of [row.groupId, ...row.path]) named.add(g);
    const names = new Map<string, string | null>();
    if (named.size > 0) {
      for (const g of await sql.rows(`SELECT id, display_name FROM snapshot_groups WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, [...named]])) names.set(g.id, g.display_name);
    }
    const tiers = emit ? await tierChanges(sql, sql.runner.manager, this.opts.access, tenantId, effective, userEvents.enabledChanges, names) : [];

    const events: NewDirectoryEvent[] = [];
    if (emit) {
      const push = (type: DirectoryEventType, subjectId: string | null, payload: Record<string, unknown>) => events.push({ tenantId, type, subjectId, payload });
      for (const e of userEvents.events) push(DirectoryEventType[e.type], e.userId, e.payload);
      for (const e of groupEvents.events) push(DirectoryEventType[e.type], e.groupId, e.payload);
      const direct = (c: EdgeChange) => ({ scope: 'DIRECT', groupId: c.groupId, groupDisplayName: names.get(c.groupId) ?? null, memberId: c.memberId, memberType: c.memberType, path: [c.groupId], reason: c.reason });
      for (const c of edges.removed) push(DirectoryEventType.MEMBERSHIP_REMOVED, c.memberId, direct(c));
      for (const c of edges.added) push(DirectoryEventType.MEMBERSHIP_ADDED, c.memberId, direct(c));
      const viaPath = (row: EffectiveRow) => ({
        scope: 'EFFECTIVE', groupId: row.groupId, groupDisplayName: names.get(row.groupId) ?? null, memberId: row.userId, memberType: 'user', path: row.path, pathNames: row.path.map((id) => names.get(id) ?? null),
      });
      for (const row of effective.removed) push(DirectoryEventType.MEMBERSHIP_REMOVED, row.userId, viaPath(row));
      for (const row of effective.added) push(DirectoryEventType.MEMBERSHIP_ADDED, row.userId, viaPath(row));
      for (const t of tiers) push(DirectoryEventType.ACCESS_TIER_CHANGED, t.userId, t.payload);
    }

    const previous = lease.counts as SyncCounts;
    const counts: Totals =
      full || !TOTAL_KEYS.every((k) => typeof previous?.[k] === 'number')
        ? await totals(sql, tenantId)
        : {
            users: previous.users! + userEvents.created - userEvents.deleted,
            groups: previous.groups! + groupsCreated - groupsGone,
            memberships: previous.memberships! + edges.addedCount - edges.removedCount,
            effectiveMemberships: previous.effectiveMemberships! + effective.added.length - effective.removed.length,
          };
    if (r.direct) objects = counts.users + counts.groups;
    const durationMs = Date.now() - round.started;
    const pages = r.users.pages + r.groups.pages;
    const changeEvents = events.length;
    const summary: SyncCounts = { ...counts, mode, pages, objects, events: changeEvents, graphRequests: r.graphRequests };
    // SYNC_COMPLETED: after a round that changed something or the first load, else only at the heartbeat.
    const completedEvent = shouldWriteSyncCompleted({ changeEvents, initial: mode === 'INITIAL', secondsSinceLast: lease.since_completed, heartbeatSeconds: this.heartbeatSeconds });
    if (completedEvent) events.push({
      tenantId,
      type: DirectoryEventType.SYNC_COMPLETED,
      subjectId: null,
      payload: {
        mode,
        users: r.users.full ? 'FULL' : 'DELTA',
        groups: r.groups.full ? 'FULL' : 'DELTA',
        counts,
        pages,
        objects,
        events: changeEvents,
        graphRequests: r.graphRequests,
        durationMs,
        fetchMs: r.fetchMs,
      },
    });
    // Only a round that wrote users, groups or memberships moves the snapshot's generation: on commit its trigger
    // then drops every instance's cached facts of the tenant; a quiet round only moves their freshness
    // (migration 1796050000000). A delta round that staged something counts as changed even if it was a no-op.
    const snapshotChanged = r.direct || full || objects > 0;
    const delay = nextRunDelaySeconds({ ok: true, consecutiveFailures: 0, intervalSeconds: round.interval, random: this.random() });
    await sql.exec(
      `UPDATE sync_state SET users_delta_link = $2, groups_delta_link = $3, last_success_at = now(), last_error = NULL,
              consecutive_failures = 0, last_duration_ms = $4, counts = $5::jsonb, next_run_at = now() + make_interval(secs => $6),
              last_completed_event_at = CASE WHEN $8::boolean THEN now() ELSE last_completed_event_at END,
              snapshot_generation = snapshot_generation + CASE WHEN $9::boolean THEN 1 ELSE 0 END,
              words_generation = CASE WHEN $10::boolean THEN snapshot_generation + CASE WHEN $9::boolean THEN 1 ELSE 0 END ELSE words_generation END
        WHERE tenant_id = $1 AND lease_token = $7`,
      [tenantId, r.users.deltaLink, r.groups.deltaLink, durationMs, JSON.stringify(summary), delay, token, completedEvent, snapshotChanged, keepWords],
    );
    round.wordsCurrent = keepWords;
    // Late in the transaction: appendEvents serialises event writers of a tenant from here to commit.
    await appendEvents(sql.runner.manager, events);
    round.meter.statements++;
    await this.opts.hooks?.beforeCommit?.({
      tenantId,
      roundId: token,
      events: events.length,
      links: { from: r.from, stored: { users: lease.users_delta_link, groups: lease.groups_delta_link }, next: { users: r.users.deltaLink, groups: r.groups.deltaLink } },
      query: (text, params = []) => sql.runner.query(text, params),
    });
    return { ran: true, roundId: token, mode, pages, objects, events: changeEvents, completedEvent, durationMs, fetchMs: r.fetchMs, graphRequests: r.graphRequests, counts: summary, sql: { ...round.meter } };
  }
}

/** Whole-tenant totals: only after full rounds, which read the whole tenant anyway. */
async function totals(sql: Sql, tenantId: string): Promise<Totals> {
  const [r] = await sql.rows(
    `SELECT (SELECT count(*) FROM snapshot_users WHERE tenant_id = $1 AND deleted_at IS NULL)::int AS users,
            (SELECT count(*) FROM snapshot_groups WHERE tenant_id = $1 AND deleted_at IS NULL)::int AS groups,
            (SELECT count(*) FROM snapshot_memberships WHERE tenant_id = $1)::int AS memberships,
            (SELECT count(*) FROM snapshot_effective WHERE tenant_id = $1)::int AS effective`,
    [tenantId],
  );
  return { users: r.users, groups: r.groups, memberships: r.memberships, effectiveMemberships: r.effective };
}

/** TypeORM's query() answers UPDATE ... RETURNING with [rows, count]; SELECT with rows. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function rows(result: any): any[] {
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result;
}
