/**
 * accessTier's steady state without a database round trip: a user's snapshot facts (the user, their effective
 * groups with names, when the round that wrote them completed) held per process, bounded (least recently used
 * first out), keyed by tenant and the reference the caller gave (object id, or UPN without regard to case).
 *
 * What keeps it true: every sync round commits its snapshot and sync_state.last_success_at in one transaction,
 * and a trigger on sync_state notifies `snapshot:<tenant>` on commit (migration 1795920000000), so every instance
 * drops the tenant's entries; a tenant change (disconnect) drops them too; a lost LISTEN connection clears all and
 * nothing is served until it is back (InvalidationBus.live). Freshness (ACCESS_TIER_MAX_AGE_SECONDS) and the age
 * are computed from the stored completion time at each answer, as the statement does, so an entry never outlives
 * the bound. Only found users are held: a miss (stale snapshot, unknown user) goes to the database every time.
 */
import { BoundedCache, type InvalidationBus } from '../core/invalidation';

export interface CachedUserFacts {
  user: { id: string; displayName: string | null; userPrincipalName: string | null; accountEnabled: boolean | null };
  groups: Array<{ id: string; displayName: string | null }>;
  /** When the snapshot's round completed (sync_state.last_success_at). */
  asOf: Date;
}

export type UserRef = { kind: 'id' | 'userPrincipalName'; value: string };

/** Pure: the cache key of a reference (GUIDs and UPNs compare without regard to case, as the statements do). */
export function factsKey(tenantId: string, ref: UserRef): string {
  return `${tenantId.toLowerCase()}|${ref.kind === 'id' ? 'id' : 'upn'}|${ref.value.toLowerCase()}`;
}

/** Pure: whether facts completed at `asOf` are still within `maxAgeSeconds` at `now`, and their age in whole seconds. */
export function freshness(asOf: Date, maxAgeSeconds: number, now: number): { fresh: boolean; ageSeconds: number } {
  const ageMs = now - asOf.getTime();
  return { fresh: maxAgeSeconds > 0 && ageMs < maxAgeSeconds * 1000, ageSeconds: Math.max(0, Math.floor(ageMs / 1000)) };
}

export class SnapshotFactsCache {
  private readonly entries: BoundedCache<string, CachedUserFacts>;
  /** The bench turns it off to measure the one-round-trip path on the same server. */
  enabled = true;

  constructor(
    private readonly bus: InvalidationBus | undefined,
    maxEntries: number,
  ) {
    this.entries = new BoundedCache(maxEntries);
    bus?.subscribe((signal) => {
      if (signal.kind === 'reset' || ((signal.kind === 'snapshot' || signal.kind === 'tenant') && signal.id === '*')) this.entries.clear();
      else if (signal.kind === 'snapshot' || signal.kind === 'tenant') this.forgetTenant(signal.id);
    });
  }

  get size(): number {
    return this.entries.size;
  }

  private get serving(): boolean {
    return this.enabled && this.bus?.live === true;
  }

  get(tenantId: string, ref: UserRef): CachedUserFacts | undefined {
    return this.serving ? this.entries.get(factsKey(tenantId, ref)) : undefined;
  }

  /** Call before reading the database; pass the result to set(), which drops the row if anything was invalidated meanwhile. */
  get version(): number {
    return this.entries.version;
  }

  set(tenantId: string, ref: UserRef, facts: CachedUserFacts, version: number): void {
    if (this.serving) this.entries.set(factsKey(tenantId, ref), facts, version);
  }

  forgetTenant(tenantId: string): void {
    const prefix = `${tenantId.toLowerCase()}|`;
    const doomed = [...this.entries.keys()].filter((key) => key.startsWith(prefix));
    // Even with nothing to drop, the version moves (delete of a key never stored): a read in flight for this
    // tenant must not store what it read before the change.
    this.entries.delete(prefix);
    for (const key of doomed) this.entries.delete(key);
  }
}
