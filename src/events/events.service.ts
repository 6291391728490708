/**
 * The events side of the gateway, one per process: cursors, the polling page, subscriptions (replay then live
 * through the process's EventHub), and the retention purge on a timer. Built in services.ts, closed by the
 * gateway's stop().
 */
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../logging';
import type { InvalidationDispatcher } from '../core/invalidation';
import { ErrorCode, GatewayError } from '../core/errors';
import { EventCursors } from './event-cursor';
import { EventHub } from './event-hub';
import { purgedThrough, purgeEventsBefore, readEvents, retentionCutoff, StoredEvent } from './event-log';
import { EventStream } from './event-stream';

export const EVENTS_PAGE_SIZE = { default: 100, max: 1000 } as const;

export interface EventsServiceDeps {
  config: Readonly<Config>;
  dataSource: DataSource;
  logger: Logger;
  /** Cache invalidation rides on the hub's LISTEN connection (see EventHubOptions.invalidation). */
  invalidation?: InvalidationDispatcher;
}

export interface EventEdgeData {
  cursor: string;
  node: StoredEvent;
}

export interface EventPage {
  edges: EventEdgeData[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface EventQuery {
  tenantId: string;
  types: readonly string[] | null | undefined;
  /** A cursor from this gateway, or null. */
  after: string | null | undefined;
}

export class EventsService {
  readonly cursors: EventCursors;
  readonly hub: EventHub;
  private readonly logger: Logger;
  private readonly streams = new Set<EventStream>();
  private readonly liveListeners = new Set<(tenantId: string) => void>();
  private purgeTimer: NodeJS.Timeout | null = null;
  private purging: Promise<unknown> | null = null;
  private closed = false;
  /** Tests only: see EventStreamOptions.beforeReplayPage. */
  readonly testHooks: { beforeReplayPage?: (tenantId: string, page: number) => Promise<void> } = {};

  constructor(private readonly deps: EventsServiceDeps) {
    const { encryption } = deps.config;
    if (!encryption.keys) throw new Error('EventsService: expected config.encryption.keys (event cursors are signed with them), got none');
    this.cursors = new EventCursors(encryption.keys);
    this.logger = deps.logger.child({ component: 'events' });
    const connectionString = (deps.dataSource.options as { url?: string }).url;
    if (!connectionString) throw new Error('EventsService: expected a DataSource configured with a url (for the LISTEN connection), got none');
    this.hub = new EventHub({ db: deps.dataSource, connectionString, logger: this.logger, invalidation: deps.invalidation });
  }

  /** Connects the LISTEN connection (in the background) and starts the retention timer. */
  start(): void {
    if (this.closed || this.purgeTimer) return;
    this.hub.start();
    const run = () => {
      this.purging ??= this.purgeExpired()
        .catch((error) => this.logger.error({ err: error }, 'event retention purge failed'))
        .finally(() => (this.purging = null));
    };
    run();
    this.purgeTimer = setInterval(run, this.deps.config.events.purgeIntervalSeconds * 1000);
    // The purge never keeps a process alive on its own.
    this.purgeTimer.unref();
  }

  /** Ends every subscription, closes the LISTEN connection, stops the timer. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    for (const stream of this.streams) await stream.return();
    this.streams.clear();
    await this.hub.close();
    await this.purging;
  }

  /** Deletes events older than the retention; returns how many. */
  async purgeExpired(now: Date = new Date()): Promise<number> {
    const deleted = await purgeEventsBefore(this.deps.dataSource, retentionCutoff(this.deps.config.events.retentionDays, now));
    if (deleted > 0) this.logger.info({ deleted, retentionDays: this.deps.config.events.retentionDays }, 'expired events purged');
    return deleted;
  }

  /** One page of the tenant's events after the cursor, oldest first. */
  async page(query: EventQuery & { first: number }): Promise<EventPage> {
    const { tenantId, first } = query;
    if (!Number.isInteger(first) || first < 1 || first > EVENTS_PAGE_SIZE.max) {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, `first: expected an integer from 1 to ${EVENTS_PAGE_SIZE.max}, received ${first}`);
    }
    const after = await this.resolveCursor(tenantId, query.after);
    const rows = await readEvents(this.deps.dataSource, { tenantId, afterSequence: after, types: query.types, limit: first + 1 });
    // Again after the read: a purge between the check and the read would otherwise skip events silently.
    if (after !== null) await this.assertNotPurged(tenantId, after);
    const edges = rows.slice(0, first).map((node) => ({ cursor: this.cursors.encode(tenantId, node.sequence), node }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > first,
        // An empty page keeps the caller's position, so a poller can always pass endCursor back.
        endCursor: edges.length > 0 ? edges[edges.length - 1].cursor : (query.after ?? null),
      },
    };
  }

  /** A stream of the tenant's events: replayed after the cursor, then live. Invalid or expired cursors throw first. */
  async subscribe(query: EventQuery): Promise<EventStream> {
    if (this.closed) throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The gateway is stopping; subscribe again (to another instance).');
    const { tenantId } = query;
    const afterSequence = await this.resolveCursor(tenantId, query.after);
    const stream: EventStream = new EventStream({
      hub: this.hub,
      db: this.deps.dataSource,
      logger: this.logger,
      tenantId,
      types: query.types ?? null,
      afterSequence,
      queueLimit: this.deps.config.events.subscriberQueueLimit,
      // Replay pages no bigger than half the queue: a replay never fills it alone.
      replayBatch: Math.max(1, Math.min(500, Math.floor(this.deps.config.events.subscriberQueueLimit / 2))),
      encodeCursor: (sequence) => this.cursors.encode(tenantId, sequence),
      onLive: () => {
        for (const listener of this.liveListeners) listener(tenantId);
      },
      onEnd: () => this.streams.delete(stream),
      assertNotPurged: (sequence) => this.assertNotPurged(tenantId, sequence),
      beforeReplayPage: async (page) => this.testHooks.beforeReplayPage?.(tenantId, page),
    });
    this.streams.add(stream);
    return stream;
  }

  /** Calls `listener` each time a subscription has replayed its backlog and gone live (tests, benchmarks). */
  onLive(listener: (tenantId: string) => void): () => void {
    this.liveListeners.add(listener);
    return () => this.liveListeners.delete(listener);
  }

  /** Subscriptions open in this process. */
  get subscriptionCount(): number {
    return this.streams.size;
  }

  /**
   * The sequence a cursor stands for, checked: it must be ours and for this tenant (BAD_USER_INPUT), and no
   * event after it may have been purged by retention (BAD_USER_INPUT, reason EVENTS_EXPIRED: resync).
   */
  private async resolveCursor(tenantId: string, cursor: string | null | undefined): Promise<string | null> {
    if (cursor === null || cursor === undefined) return null;
    const sequence = this.cursors.decode(tenantId, cursor, 'after');
    await this.assertNotPurged(tenantId, sequence);
    return sequence;
  }

  private async assertNotPurged(tenantId: string, sequence: string): Promise<void> {
    const purged = await purgedThrough(this.deps.dataSource, tenantId);
    if (BigInt(purged) > BigInt(sequence)) {
      const days = this.deps.config.events.retentionDays;
      throw new GatewayError(
        ErrorCode.BAD_USER_INPUT,
        `after: this cursor is older than the event retention (${days} days); events after it have been purged. ` +
          'Resync: read the current state again, then subscribe or poll without a cursor.',
        { reason: 'EVENTS_EXPIRED' },
      );
    }
  }
}
