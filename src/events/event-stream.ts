/**
 * One subscriber's stream: replay from the log after its cursor, then live, with no gap and no duplicate at the
 * seam. The order of steps is what makes the seam safe:
 *   1. join the tenant's live feed first; live events arriving from now on are buffered (bounded);
 *   2. read the backlog from the table after the cursor, page by page, at the pace the client consumes it;
 *   3. in one synchronous step: hand over the buffered live events with a sequence above the last replayed one,
 *      and switch to live. Every later live event is deduplicated by sequence.
 * If the buffer overflows during a long replay it is dropped and the replay simply reads the table further: the
 * table holds everything the buffer would have.
 *
 * Backpressure: live events queue per subscriber up to a limit. A subscriber that falls that far behind is ended
 * with an error naming the cursor to resume from, so it never holds memory or slows anyone else down.
 */
import { recordEventsDelivered, trackSubscriberQueue } from '../observability/metrics';
import type { Logger } from '../logging';
import { ErrorCode, GatewayError } from '../core/errors';
import type { EventHub, Membership } from './event-hub';
import { Queryable, readEvents, StoredEvent } from './event-log';

export type StreamItem = { event: StoredEvent } | { error: Error };

export interface EventStreamOptions {
  hub: EventHub;
  db: Queryable;
  logger: Logger;
  tenantId: string;
  /** Empty or null: every type. */
  types: readonly string[] | null;
  /** Exclusive; null: live only, from now. */
  afterSequence: string | null;
  /** Live events queued for this subscriber beyond which it is ended. */
  queueLimit: number;
  /** Rows per backlog read; default 500. */
  replayBatch?: number;
  encodeCursor(sequence: string): string;
  /** Called once, when the stream has switched to live (tests and benchmarks wait for it). */
  onLive?(): void;
  /**
   * Throws when retention purged events after `afterSequence` (the client must resync). Called after each
   * backlog read, so a purge racing the replay cannot silently skip events.
   */
  assertNotPurged?(afterSequence: string): Promise<void>;
  /** Tests only: awaited before each backlog read (page 0, 1, ...), to interleave commits with the replay. */
  beforeReplayPage?(page: number): Promise<void>;
  /** Called once, when the stream ends for whatever reason. */
  onEnd?(): void;
}

type Phase = 'starting' | 'replaying' | 'live' | 'done';

export class EventStream implements AsyncIterableIterator<StreamItem> {
  private phase: Phase = 'starting';
  private readonly queue: StreamItem[] = [];
  private waiter: ((result: IteratorResult<StreamItem>) => void) | null = null;
  private roomWaiter: (() => void) | null = null;
  private membership: Membership | null = null;
  /** Live events that arrived during the replay. */
  private buffer: StoredEvent[] = [];
  private bufferOverflowed = false;
  /** The highest sequence queued (or skipped by the type filter): the dedupe line. */
  private lastQueued = 0n;
  /** The sequence of the last event the client took: where it resumes after an overflow. */
  private lastTaken: string | null;
  private readonly types: ReadonlySet<string> | null;
  private readonly replayBatch: number;
  /** The replay keeps at most this many events queued, and waits for the client to take them. */
  private readonly replayHighWater: number;
  private resolveEnded!: () => void;
  private readonly untrack: () => void;
  /** Resolves when the stream has ended (the client left, it was too slow, it failed, or the gateway stops). */
  readonly ended = new Promise<void>((resolve) => (this.resolveEnded = resolve));

  constructor(private readonly opts: EventStreamOptions) {
    this.types = opts.types && opts.types.length > 0 ? new Set(opts.types) : null;
    this.replayBatch = opts.replayBatch ?? 500;
    this.replayHighWater = Math.max(1, Math.min(this.replayBatch, Math.floor(opts.queueLimit / 2)));
    this.lastTaken = opts.afterSequence;
    this.untrack = trackSubscriberQueue(this);
    void this.run();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StreamItem> {
    return this;
  }

  next(): Promise<IteratorResult<StreamItem>> {
    const item = this.queue.shift();
    if (item) {
      this.took(item);
      if (this.roomWaiter && this.queue.length < this.replayHighWater) {
        const resolve = this.roomWaiter;
        this.roomWaiter = null;
        resolve();
      }
      return Promise.resolve({ value: item, done: false });
    }
    if (this.phase === 'done') return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<StreamItem>> {
    this.end();
    this.queue.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<StreamItem>> {
    return this.return();
  }

  private async run(): Promise<void> {
    const { hub, db, tenantId } = this.opts;
    try {
      const membership = await hub.join(tenantId, (events) => this.onLiveEvents(events));
      this.membership = membership;
      if (this.phase === 'done') {
        membership.leave();
        return;
      }
      if (this.opts.afterSequence === null) {
        // Live only: what the feed has read so far is the past.
        this.lastQueued = BigInt(membership.since);
        this.goLive();
        return;
      }
      this.phase = 'replaying';
      let after = this.opts.afterSequence;
      this.lastQueued = BigInt(after);
      let pages = 0;
      for (;;) {
        let page: StoredEvent[];
        do {
          await this.opts.beforeReplayPage?.(pages++);
          page = await readEvents(db, { tenantId, afterSequence: after, types: this.types && [...this.types], limit: this.replayBatch });
          await this.opts.assertNotPurged?.(after);
          for (const event of page) {
            if (this.queue.length >= this.replayHighWater) await new Promise<void>((resolve) => (this.roomWaiter = resolve));
            // The client may have left while we waited.
            if ((this.phase as Phase) === 'done') return;
            this.enqueue({ event });
            this.lastQueued = BigInt(event.sequence);
          }
          if (page.length > 0) after = page[page.length - 1].sequence;
        } while (page.length === this.replayBatch);
        if (!this.bufferOverflowed) break;
        // The buffer lost events: they are all in the table, after `after`. Read on.
        this.bufferOverflowed = false;
        this.buffer = [];
      }
      // The seam, in one synchronous step: nothing can arrive between the hand-over and the switch.
      const buffered = this.buffer;
      this.buffer = [];
      this.goLive();
      this.onLiveEvents(buffered);
    } catch (error) {
      if (this.phase === 'done') return;
      if (error instanceof GatewayError) this.opts.logger.info({ err: error, tenantId }, 'event subscription ended: ' + error.message);
      else this.opts.logger.error({ err: error, tenantId }, 'event subscription failed');
      this.finish({ error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  private goLive(): void {
    if (this.phase === 'done') return;
    this.phase = 'live';
    this.opts.onLive?.();
  }

  private onLiveEvents(events: StoredEvent[]): void {
    if (this.phase === 'done' || events.length === 0) return;
    if (this.phase === 'starting' || this.phase === 'replaying') {
      if (this.bufferOverflowed) return;
      if (this.buffer.length + events.length > this.opts.queueLimit) {
        this.bufferOverflowed = true;
        this.buffer = [];
      } else {
        this.buffer.push(...events);
      }
      return;
    }
    for (const event of events) {
      const sequence = BigInt(event.sequence);
      if (sequence <= this.lastQueued) continue;
      this.lastQueued = sequence;
      if (this.types && !this.types.has(event.type)) continue;
      if (this.queue.length >= this.opts.queueLimit) {
        this.overflow();
        return;
      }
      this.enqueue({ event });
    }
  }

  private overflow(): void {
    const resume = this.lastTaken === null ? null : this.opts.encodeCursor(this.lastTaken);
    this.opts.logger.warn({ tenantId: this.opts.tenantId, queued: this.queue.length }, 'event subscriber too slow; ending its subscription');
    // What is queued is dropped: the client resumes from the last event it took and gets it all again.
    this.queue.length = 0;
    this.finish({
      error: new GatewayError(
        ErrorCode.BAD_USER_INPUT,
        `This subscription fell more than ${this.opts.queueLimit} events behind and was ended. Subscribe again with after: ` +
          (resume ? `the cursor of the last event you received (extensions.resumeAfter)` : 'no cursor (you received no event yet)') +
          ' to receive everything from there.',
        { reason: 'SUBSCRIBER_TOO_SLOW', resumeAfter: resume },
      ),
    });
  }

  /** Queues a last item (an error) and ends the stream after it. */
  private finish(item: StreamItem): void {
    this.enqueue(item);
    this.end();
  }

  private enqueue(item: StreamItem): void {
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      this.took(item);
      resolve({ value: item, done: false });
    } else {
      this.queue.push(item);
    }
  }

  private took(item: StreamItem): void {
    if ('event' in item) {
      this.lastTaken = item.event.sequence;
      recordEventsDelivered('subscription');
    }
  }

  /** Events queued for the client (metrics). */
  queueDepth(): number {
    return this.queue.length;
  }

  private end(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.untrack();
    this.membership?.leave();
    this.opts.onEnd?.();
    this.resolveEnded();
    this.buffer = [];
    this.roomWaiter?.();
    this.roomWaiter = null;
    if (this.waiter && this.queue.length === 0) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve({ value: undefined, done: true });
    }
  }
}
