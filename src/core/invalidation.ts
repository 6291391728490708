/**
 * Per-process caches (verified API keys, JWTs, tenants, tiers, mappings) and the one thing that keeps them
 * true across instances: an invalidation bus. Every change to a cached table sends `pg_notify` on ONE channel
 * (INVALIDATION_CHANNEL) from a trigger, so the notification is part of the changing transaction: PostgreSQL
 * delivers it on commit to every instance (this one included) and never for a rolled-back change. The payload
 * is `<kind>:<id>`. The pg side (LISTEN on the process's existing LISTEN connection) lives in
 * src/events/event-hub.ts; this module is the transport-free part: payloads, the dispatcher and a bounded cache.
 *
 * A cache may only serve while the LISTEN connection is up: notifications sent while it was down are lost, so
 * a (re)connection clears every cache, and while disconnected every read goes to the database.
 */

export const INVALIDATION_CHANNEL = 'gateway_invalidation';

/**
 * What changed: an API key (id), a tenant (id), the tier list (a tier id), a tenant's mappings (tenant id), a
 * tenant's snapshot (tenant id: a sync round changed it, or the sync state went away), or only the snapshot's
 * freshness (tenant id and `at`, the new sync_state.last_success_at: a round that changed nothing), or another
 * input of a tenant's drift rules (tenant id: its Graph subscriptions' state).
 */
export const INVALIDATION_KINDS = ['api_key', 'tenant', 'tier', 'mappings', 'snapshot', 'freshness', 'drift_inputs'] as const;
export type InvalidationKind = (typeof INVALIDATION_KINDS)[number];

export type Invalidation = { kind: Exclude<InvalidationKind, 'freshness'>; id: string } | { kind: 'freshness'; id: string; at: Date };

/** `freshness:<tenant id>@<epoch milliseconds>`; every other kind `<kind>:<id>`. */
export function encodeInvalidation(message: Invalidation): string {
  return message.kind === 'freshness' ? `${message.kind}:${message.id}@${message.at.getTime()}` : `${message.kind}:${message.id}`;
}

const FRESHNESS_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@(\d{1,15})$/;

/** Pure: the payload's message, or null for anything that is not one of ours (ignored, never thrown). */
export function decodeInvalidation(payload: string | undefined): Invalidation | null {
  if (!payload) return null;
  const colon = payload.indexOf(':');
  if (colon <= 0) return null;
  const kind = payload.slice(0, colon) as InvalidationKind;
  // GUIDs (tenants, tiers) compare without regard to case; API key ids are lower case already.
  const id = payload.slice(colon + 1).toLowerCase();
  if (!INVALIDATION_KINDS.includes(kind) || id.length === 0 || id.length > 200) return null;
  if (kind === 'freshness') {
    const match = FRESHNESS_ID.exec(id);
    return match ? { kind, id: match[1], at: new Date(Number(match[2])) } : null;
  }
  return { kind, id };
}

/** A message, or `reset`: the connection was (re)established or lost, so everything may have changed. */
export type InvalidationSignal = Invalidation | { kind: 'reset' };
export type InvalidationListener = (signal: InvalidationSignal) => void;

/** What caches see of the bus. */
export interface InvalidationBus {
  /** True while the LISTEN connection is up: only then may a cache answer from memory. */
  readonly live: boolean;
  subscribe(listener: InvalidationListener): () => void;
}

/**
 * The process's bus: the LISTEN side calls connected(), disconnected() and deliver(); caches subscribe.
 * Without a LISTEN side (CLI, unit tests) it never becomes live, so nothing is ever served from a cache.
 */
export class InvalidationDispatcher implements InvalidationBus {
  private readonly listeners = new Set<InvalidationListener>();
  private connectedNow = false;
  /** Messages delivered since start (tests wait on it; metrics). */
  delivered = 0;
  private readonly waiters: Array<{ test: (m: Invalidation) => boolean; resolve: () => void }> = [];

  get live(): boolean {
    return this.connectedNow;
  }

  subscribe(listener: InvalidationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  connected(): void {
    this.connectedNow = true;
    this.emit({ kind: 'reset' });
  }

  disconnected(): void {
    this.connectedNow = false;
    this.emit({ kind: 'reset' });
  }

  deliver(payload: string | undefined): void {
    const message = decodeInvalidation(payload);
    if (!message) return;
    this.delivered += 1;
    this.emit(message);
    for (let i = this.waiters.length - 1; i >= 0; i -= 1) {
      if (this.waiters[i].test(message)) this.waiters.splice(i, 1)[0].resolve();
    }
  }

  /** Resolves when a message matching `test` arrives (tests: "the other instance has heard of it"). */
  next(test: (message: Invalidation) => boolean): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  private emit(signal: InvalidationSignal): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(signal);
      } catch {
        // A cache's listener only deletes entries; one failing must not keep the others stale.
      }
    }
  }
}

/**
 * A size-bounded map that forgets the least recently used entries first (a Map keeps insertion order; the oldest
 * goes when it is full). A hit moves its entry to the recent end only when at least half the cache's size of
 * entries were stored since the entry was (re)placed: a hot path's hits then cost a lookup, not a delete and an
 * insert each, and an entry that was hit is still kept for at least half the size of further insertions.
 * `version` changes on every delete and clear: a reader records it before going to the database and stores what
 * it read only if it is unchanged, so an invalidation that arrived meanwhile is never undone by a slower read of
 * the old row.
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, { value: V; placed: number }>();
  private generation = 0;
  /** Counts placements (stores and moves to the recent end). */
  private placements = 0;
  private readonly refreshAfter: number;

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`BoundedCache: expected a positive integer size, received ${maxEntries}`);
    this.refreshAfter = maxEntries / 2;
  }

  get size(): number {
    return this.entries.size;
  }

  get version(): number {
    return this.generation;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.placements - entry.placed >= this.refreshAfter) {
      this.entries.delete(key);
      this.entries.set(key, { value: entry.value, placed: ++this.placements });
    }
    return entry.value;
  }

  /** Stores unless the cache changed since `version` was read (then the value may be stale: dropped). */
  set(key: K, value: V, version = this.generation): boolean {
    if (version !== this.generation) return false;
    this.entries.delete(key);
    this.entries.set(key, { value, placed: ++this.placements });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    return true;
  }

  delete(key: K): void {
    this.generation += 1;
    this.entries.delete(key);
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  keys(): IterableIterator<K> {
    return this.entries.keys();
  }
}
