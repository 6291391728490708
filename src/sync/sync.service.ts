/**
 * The sync part's process-wide service (services.sync): the engine, the scheduler (started only when
 * SYNC_ENABLED), a tenant's sync status, and the snapshot reads other parts use (accessTier).
 */
import type { DataSource } from 'typeorm';
import type { AccessService } from '../access/access.service';
import type { SyncConfig } from '../config';
import type { GraphClient } from '../graph';
import type { Logger } from '../logging';
import { SyncStateRecord } from './snapshot.entity';
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
}

export interface SnapshotUserFacts {
  user: { id: string; displayName: string | null; userPrincipalName: string | null; accountEnabled: boolean | null };
  groups: Array<{ id: string; displayName: string | null }>;
  /** When the snapshot last completed a round. */
  asOf: Date;
  ageSeconds: number;
}

export class SyncService {
  readonly engine: SyncEngine;
  private scheduler: SyncScheduler | undefined;

  constructor(private readonly deps: SyncServiceDeps) {
    const logger = deps.logger.child({ component: 'sync' });
    this.engine = new SyncEngine({
      dataSource: deps.dataSource,
      clientFor: deps.clientFor,
      access: deps.access,
      logger,
      leaseSeconds: deps.config.leaseSeconds,
      defaultIntervalSeconds: deps.config.defaultIntervalSeconds,
      hooks: deps.hooks,
      afterRound: deps.afterRound,
    });
  }

  /** Starts the scheduler (main.ts when SYNC_ENABLED; tests that want it). */
  start(): void {
    this.scheduler ??= new SyncScheduler({ engine: this.engine, dataSource: this.deps.dataSource, logger: this.deps.logger, tickMs: this.deps.config.tickMs });
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
   */
  async userFacts(tenantId: string, ref: { kind: 'id' | 'userPrincipalName'; value: string }, maxAgeSeconds: number): Promise<SnapshotUserFacts | null> {
    if (maxAgeSeconds <= 0) return null;
    const db = this.deps.dataSource;
    const [fresh] = (await db.query(
      `SELECT last_success_at, extract(epoch FROM now() - last_success_at)::float8 AS age FROM sync_state
        WHERE tenant_id = $1 AND last_success_at IS NOT NULL AND last_success_at > now() - make_interval(secs => $2)`,
      [tenantId, maxAgeSeconds],
    )) as Array<{ last_success_at: Date; age: number }>;
    if (!fresh) return null;
    const byId = ref.kind === 'id';
    if (byId && !/^[0-9a-f-]{36}$/i.test(ref.value)) return null;
    const [user] = (await db.query(
      `SELECT id, display_name, user_principal_name, account_enabled FROM snapshot_users
        WHERE tenant_id = $1 AND deleted_at IS NULL AND ${byId ? 'id = $2::uuid' : 'lower(user_principal_name) = lower($2)'}`,
      [tenantId, ref.value],
    )) as Array<{ id: string; display_name: string | null; user_principal_name: string | null; account_enabled: boolean | null }>;
    if (!user) return null;
    const groups = (await db.query(
      `SELECT e.group_id AS id, g.display_name FROM snapshot_effective e
         LEFT JOIN snapshot_groups g ON g.tenant_id = e.tenant_id AND g.id = e.group_id
        WHERE e.tenant_id = $1 AND e.user_id = $2 ORDER BY e.group_id`,
      [tenantId, user.id],
    )) as Array<{ id: string; display_name: string | null }>;
    return {
      user: { id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name, accountEnabled: user.account_enabled },
      groups: groups.map((g) => ({ id: g.id, displayName: g.display_name })),
      asOf: fresh.last_success_at,
      ageSeconds: Math.max(0, Math.floor(fresh.age)),
    };
  }
}
