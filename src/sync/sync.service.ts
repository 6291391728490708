/**
 * The sync part's process-wide service (services.sync): the engine, the scheduler (started only when
 * SYNC_ENABLED), a tenant's sync status, and the snapshot reads other parts use (accessTier).
 */
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { AccessService } from '../access/access.service';
import type { SyncConfig } from '../config';
import type { GraphClient } from '../graph';
import type { Logger } from '../logging';
import type { InvalidationBus } from '../core/invalidation';
import { SyncStateRecord } from './snapshot.entity';
import { freshness, SnapshotFactsCache, type CachedUserFacts, type UserRef } from './snapshot-facts-cache';
import { SyncEngine, type SyncEngineOptions, type RoundResult, type SyncHooks } from './sync-engine';
import { SyncScheduler } from './sync-scheduler';

export interface SyncServiceDeps {
  config: SyncConfig;
  dataSource: DataSource;
  clientFor: (tenantId: string) => GraphClient;
  access: AccessService;
  logger: Logger;
  hooks?: SyncHooks;
  /** After each round that ran (the drift rules). */
  afterRound?: SyncEngineOptions['afterRound'];
  /** Keeps the per-process snapshot facts cache true; without it (CLI, unit tests) every read is a round trip. */
  invalidation?: InvalidationBus;
}

/** Users whose snapshot facts are held per process (each a few hundred bytes plus their groups). */
const FACTS_CACHE_ENTRIES = 50_000;

export interface SnapshotUserFacts {
  /** Shared with the per-process cache while it holds them: callers must not change them. */
  facts: CachedUserFacts;
  /** When the snapshot last completed a round. */
  asOf: Date;
  ageSeconds: number;
}

export class SyncService {
  readonly engine: SyncEngine;
  /** accessTier's facts, per process (snapshot-facts-cache.ts). */
  readonly facts: SnapshotFactsCache;
  private scheduler: SyncScheduler | undefined;

  constructor(private readonly deps: SyncServiceDeps) {
    const logger = deps.logger.child({ component: 'sync' });
    this.facts = new SnapshotFactsCache(deps.invalidation, FACTS_CACHE_ENTRIES);
    this.engine = new SyncEngine({
      dataSource: deps.dataSource,
      clientFor: deps.clientFor,
      access: deps.access,
      logger,
      leaseSeconds: deps.config.leaseSeconds,
      defaultIntervalSeconds: deps.config.defaultIntervalSeconds,
      completedHeartbeatSeconds: deps.config.completedHeartbeatSeconds,
      hooks: deps.hooks,
      afterRound: deps.afterRound,
    });
  }

  /** Starts the scheduler (main.ts when SYNC_ENABLED; tests that want it). */
  start(): void {
    this.scheduler ??= new SyncScheduler({ engine: this.engine, dataSource: this.deps.dataSource, logger: this.deps.logger, tickMs: this.deps.config.tickMs, concurrency: this.deps.config.concurrency });
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    this.engine.close();
    await this.scheduler?.stop();
    await this.engine.idle();
  }

  /** An immediate round (syncNow); a round already running elsewhere answers LEASE_HELD. */
  syncNow(tenantId: string): Promise<RoundResult> {
    return this.engine.runRound(tenantId);
  }

  status(tenantId: string): Promise<SyncStateRecord | null> {
    return this.deps.dataSource.getRepository(SyncStateRecord).findOneBy({ tenantId });
  }

  /**
   * A user's facts from the snapshot when its last round completed at most `maxAgeSeconds` ago; null when the
   * snapshot is older, missing, or does not hold the user (then the caller reads live).
   *
   * In the steady state no round trip: the facts of a user already answered come from the per-process cache,
   * which a round that changed the snapshot drops on every instance (a quiet round only moves its completion
   * time: snapshot-facts-cache.ts); freshness and age are computed
   * from the round's completion time at each answer. Otherwise one round trip: freshness (sync_state), the user
   * (snapshot_users) and their effective groups with names (snapshot_effective, snapshot_groups) in one named
   * prepared statement sent straight through the pool, so PostgreSQL plans it once per connection and no ORM
   * builds anything on accessTier's path.
   */
  /** userFacts from memory alone, without waiting: undefined when not held, or held but too old now. */
  peekUserFacts(tenantId: string, ref: UserRef, maxAgeSeconds: number): SnapshotUserFacts | undefined {
    const held = maxAgeSeconds > 0 ? this.facts.get(tenantId, ref) : undefined;
    if (!held) return undefined;
    const { fresh, ageSeconds } = freshness(held.asOf, maxAgeSeconds, Date.now());
    // Too old now: the statement would say so too (and finds out whether a newer round exists).
    return fresh ? { facts: held.facts, asOf: held.asOf, ageSeconds } : undefined;
  }

  async userFacts(tenantId: string, ref: UserRef, maxAgeSeconds: number): Promise<SnapshotUserFacts | null> {
    if (maxAgeSeconds <= 0) return null;
    const byId = ref.kind === 'id';
    if (byId && !/^[0-9a-f-]{36}$/i.test(ref.value)) return null;
    const held = this.peekUserFacts(tenantId, ref, maxAgeSeconds);
    if (held) return held;
    const version = this.facts.version;
    const statement = byId ? USER_FACTS_BY_ID : USER_FACTS_BY_UPN;
    const pool = (this.deps.dataSource.driver as unknown as { master: Pool }).master;
    const { rows } = await pool.query<UserFactsRow>({ name: statement.name, text: statement.text, values: [tenantId, maxAgeSeconds, ref.value] });
    const [row] = rows;
    // No row: the snapshot is stale or missing; a row without id: fresh, but it does not hold the user.
    if (!row || row.id === null) return null;
    const facts: CachedUserFacts = {
      user: { id: row.id, displayName: row.display_name, userPrincipalName: row.user_principal_name, accountEnabled: row.account_enabled },
      groups: row.groups.map(([id, displayName]) => ({ id, displayName })),
    };
    this.facts.set(tenantId, ref, facts, row.last_success_at, version);
    return { facts, asOf: row.last_success_at, ageSeconds: Math.max(0, Math.floor(row.age)) };
  }
}

interface UserFactsRow {
  last_success_at: Date;
  age: number;
  id: string | null;
  display_name: string | null;
  user_principal_name: string | null;
  account_enabled: boolean | null;
  /** [group id, display name] in group id order. */
  groups: Array<[string, string | null]>;
}

function userFactsStatement(name: string, match: string): { name: string; text: string } {
  return {
    name,
    text: `
      SELECT f.last_success_at, extract(epoch FROM now() - f.last_success_at)::float8 AS age,
             u.id, u.display_name, u.user_principal_name, u.account_enabled,
             coalesce((SELECT json_agg(json_build_array(e.group_id, g.display_name) ORDER BY e.group_id)
                         FROM snapshot_effective e
                         LEFT JOIN snapshot_groups g ON g.tenant_id = e.tenant_id AND g.id = e.group_id
                        WHERE e.tenant_id = $1 AND e.user_id = u.id), '[]'::json) AS groups
        FROM sync_state f
        LEFT JOIN snapshot_users u ON u.tenant_id = f.tenant_id AND u.deleted_at IS NULL AND ${match}
       WHERE f.tenant_id = $1 AND f.last_success_at IS NOT NULL AND f.last_success_at > now() - make_interval(secs => $2::float8)`,
  };
}

const USER_FACTS_BY_ID = userFactsStatement('access_tier_user_facts_by_id', 'u.id = $3::uuid');
const USER_FACTS_BY_UPN = userFactsStatement('access_tier_user_facts_by_upn', 'lower(u.user_principal_name) = lower($3::text)');
