/**
 * One process's window on the event log: ONE dedicated LISTEN connection (not from the pool: a pooled
 * connection would be handed back and its LISTEN lost) that fans notifications out to in-process subscribers,
 * per tenant. A notification carries only a tenant id; the tenant's feed then reads the new rows from the table
 * once, for all of its subscribers in this process, so 1,000 subscribers to one tenant cost one query per commit.
 *
 * Nothing is missed across a lost connection: each feed remembers the last sequence it read, and every
 * (re)connection pokes every feed, which re-reads from there. A notification that arrives while a feed is
 * reading marks it dirty, and it reads again when done, so notifications are coalesced, never dropped.
 */
import { Client } from 'pg';
import type { Logger } from '../logging';
import { INVALIDATION_CHANNEL, type InvalidationDispatcher } from '../core/invalidation';
import { EVENTS_CHANNEL, Queryable, readEvents, StoredEvent } from './event-log';

/** Receives a tenant's new events, oldest first, possibly some it saw already (subscribers dedupe by sequence). */
export type EventSink = (events: StoredEvent[]) => void;

export interface EventHubOptions {
  /** Reads (a DataSource: pooled connections). */
  db: Queryable;
  /** For the dedicated LISTEN connection. */
  connectionString: string;
  logger: Logger;
  /** Rows per read of a feed; default 1000. */
  readBatch?: number;
  /** Reconnection back-off: first and longest wait; default 100 ms and 10 s (with jitter). */
  backoffMs?: { initial: number; max: number };
  /**
   * The process's cache-invalidation bus (src/core/invalidation.ts): this connection also LISTENs on its
   * channel, so caches learn of changes on the connection that already exists, and learn that they must
   * forget everything whenever it is lost or (re)established.
   */
  invalidation?: InvalidationDispatcher;
}

export interface Membership {
  /** The last sequence the feed has read for this tenant when the sink joined: later events reach the sink. */
  since: string;
  leave(): void;
}

class TenantFeed {
  /** Null until initialised. */
  last: string | null = null;
  readonly sinks = new Set<EventSink>();
  ready!: Promise<void>;
  reading = false;
  dirty = false;
  retryTimer: NodeJS.Timeout | null = null;

  constructor(readonly tenantId: string) {}
}

export class EventHub {
  private readonly feeds = new Map<string, TenantFeed>();
  private readonly readBatch: number;
  private client: Client | null = null;
  /** The client being connected, so close() can end it too. */
  private connecting: Client | null = null;
  private closed = false;
  private started = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;
  private connectedWaiters: Array<() => void> = [];
  private readonly readListeners = new Set<(tenantId: string, events: StoredEvent[]) => void>();
  private readonly notifyListeners = new Set<(tenantId: string) => void>();
  /** How many times the LISTEN connection was (re)established: tests and metrics. */
  connections = 0;

  constructor(private readonly opts: EventHubOptions) {
    this.readBatch = opts.readBatch ?? 1000;
  }

  /** Starts connecting (in the background, retrying for ever until close). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.loop = this.listenLoop();
  }

  /** The backend pid of the LISTEN connection, while connected (tests terminate it to prove reconnection). */
  get listenerPid(): number | null {
    return (this.client as (Client & { processID?: number }) | null)?.processID ?? null;
  }

  /** Resolves once the LISTEN connection is up (at once if it is). */
  whenListening(): Promise<void> {
    if (this.client) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  /**
   * Adds a sink to the tenant's feed. Every event committed after the returned `since` reaches the sink (once
   * the listener is up, or when it comes back); events up to `since` were committed before the call returned.
   */
  async join(tenantId: string, sink: EventSink): Promise<Membership> {
    if (this.closed) throw new Error('EventHub: closed');
    let feed = this.feeds.get(tenantId);
    if (!feed) {
      const created = new TenantFeed(tenantId);
      created.ready = this.initialise(created);
      this.feeds.set(tenantId, created);
      feed = created;
    }
    feed.sinks.add(sink);
    const joined = feed;
    const leave = () => {
      joined.sinks.delete(sink);
      if (joined.sinks.size === 0 && this.feeds.get(tenantId) === joined) {
        this.feeds.delete(tenantId);
        if (joined.retryTimer) clearTimeout(joined.retryTimer);
      }
    };
    try {
      await joined.ready;
    } catch (error) {
      leave();
      throw error;
    }
    // Read synchronously after `ready`: no feed read can interleave between this and the caller's next step.
    return { since: joined.last!, leave };
  }

  /** Calls `listener` with the tenant of every event NOTIFY this process receives (webhook delivery wakes on it). */
  onNotified(listener: (tenantId: string) => void): () => void {
    this.notifyListeners.add(listener);
    return () => this.notifyListeners.delete(listener);
  }

  /** Calls `listener` with every batch a feed read and handed to its sinks (tests: "this process has seen it"). */
  onRead(listener: (tenantId: string, events: StoredEvent[]) => void): () => void {
    this.readListeners.add(listener);
    return () => this.readListeners.delete(listener);
  }

  /** Sinks in this process, per tenant (tests, metrics). */
  sinkCount(tenantId?: string): number {
    if (tenantId) return this.feeds.get(tenantId)?.sinks.size ?? 0;
    let total = 0;
    for (const feed of this.feeds.values()) total += feed.sinks.size;
    return total;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const feed of this.feeds.values()) if (feed.retryTimer) clearTimeout(feed.retryTimer);
    this.feeds.clear();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wake?.();
    const clients = [...new Set([this.client, this.connecting])];
    this.client = null;
    this.opts.invalidation?.disconnected();
    await Promise.all(clients.map((client) => client?.end().catch(() => undefined)));
    await this.loop;
  }

  private async initialise(feed: TenantFeed): Promise<void> {
    // Feeds start at the tenant's newest event: a new subscriber reads anything older from the table itself.
    const rows: Array<{ last: string }> = await this.opts.db.query(
      `SELECT coalesce(max(sequence), 0)::text AS last FROM directory_events WHERE tenant_id = $1`,
      [feed.tenantId],
    );
    feed.last = rows[0].last;
    if (feed.dirty) void this.read(feed);
  }

  private poke(tenantId: string): void {
    const feed = this.feeds.get(tenantId);
    if (!feed) return;
    if (feed.last === null || feed.reading) {
      feed.dirty = true;
      return;
    }
    void this.read(feed);
  }

  private async read(feed: TenantFeed): Promise<void> {
    if (feed.reading) {
      feed.dirty = true;
      return;
    }
    feed.reading = true;
    try {
      do {
        feed.dirty = false;
        for (;;) {
          const events = await readEvents(this.opts.db, { tenantId: feed.tenantId, afterSequence: feed.last, limit: this.readBatch });
          if (this.closed || this.feeds.get(feed.tenantId) !== feed) return;
          if (events.length > 0) {
            feed.last = events[events.length - 1].sequence;
            for (const sink of [...feed.sinks]) {
              try {
                sink(events);
              } catch (error) {
                this.opts.logger.error({ err: error, tenantId: feed.tenantId }, 'event sink failed');
              }
            }
            for (const listener of this.readListeners) listener(feed.tenantId, events);
          }
          if (events.length < this.readBatch) break;
        }
      } while (feed.dirty);
    } catch (error) {
      if (this.closed) return;
      // The database is unreachable or failing: try again shortly; the feed's position is unchanged.
      this.opts.logger.warn({ err: error, tenantId: feed.tenantId }, 'reading new events failed; retrying');
      feed.retryTimer = setTimeout(() => {
        feed.retryTimer = null;
        if (this.feeds.get(feed.tenantId) === feed) void this.read(feed);
      }, 500);
      feed.retryTimer.unref();
    } finally {
      feed.reading = false;
    }
  }

  private async listenLoop(): Promise<void> {
    const { initial, max } = this.opts.backoffMs ?? { initial: 100, max: 10_000 };
    const logger = this.opts.logger;
    let delay = initial;
    while (!this.closed) {
      const client = new Client({ connectionString: this.opts.connectionString, application_name: 'entra-gateway-events', connectionTimeoutMillis: 5000 });
      this.connecting = client;
      let lost!: (reason: Error) => void;
      const connectionLost = new Promise<Error>((resolve) => (lost = resolve));
      // Without an 'error' listener a dropped connection would crash the process.
      client.on('error', (error) => lost(error));
      client.on('end', () => lost(new Error('LISTEN connection ended')));
      client.on('notification', (message) => {
        if (message.channel === EVENTS_CHANNEL && message.payload) {
          this.poke(message.payload);
          for (const listener of this.notifyListeners) listener(message.payload);
        }
        else if (message.channel === INVALIDATION_CHANNEL) this.opts.invalidation?.deliver(message.payload);
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${EVENTS_CHANNEL}`);
        if (this.opts.invalidation) await client.query(`LISTEN ${INVALIDATION_CHANNEL}`);
        if (this.closed) {
          await client.end().catch(() => undefined);
          return;
        }
        this.client = client;
        this.connections += 1;
        delay = initial;
        logger.debug({ connections: this.connections }, 'listening for directory events');
        // Whatever was committed while nobody listened: every feed re-reads from its last sequence.
        for (const tenantId of this.feeds.keys()) this.poke(tenantId);
        for (const resolve of this.connectedWaiters.splice(0)) resolve();
        // Whatever changed while nobody listened is unknown: caches start empty from here.
        this.opts.invalidation?.connected();
        const reason = await connectionLost;
        if (this.client === client) this.client = null;
        this.opts.invalidation?.disconnected();
        if (this.closed) return;
        logger.warn({ err: reason }, 'LISTEN connection for directory events lost; reconnecting');
      } catch (error) {
        if (this.closed) return;
        logger.warn({ err: error, retryInMs: delay }, 'LISTEN connection for directory events failed; retrying');
      }
      await client.end().catch(() => undefined);
      await this.sleep(delay / 2 + Math.random() * (delay / 2));
      delay = Math.min(delay * 2, max);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
      this.sleepTimer.unref();
    });
  }
}
