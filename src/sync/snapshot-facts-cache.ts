/**
 * accessTier's steady state without a database round trip: a user's snapshot facts (the user, their effective
 * groups with names) held per process, bounded (least recently used first out), keyed by tenant and the
 * reference the caller gave (object id, or UPN without regard to case); beside them, per tenant, when the round
 * that last completed finished (sync_state.last_success_at), from which each answer's age is computed.
 *
 * What keeps it true: every sync round commits its snapshot and sync_state in one transaction, and a trigger on
 * sync_state notifies on commit (migrations 1795920000000, 1796050000000): `snapshot:<tenant>` when the round
 * changed users, groups or memberships (every instance drops the tenant's facts), `freshness:<tenant>@<ms>` when
 * it changed nothing (every instance keeps them and takes the new completion time). A tenant change (disconnect)
 * drops them too; a lost LISTEN connection clears all and nothing is served until it is back
 * (InvalidationBus.live). Freshness (ACCESS_TIER_MAX_AGE_SECONDS) and the age are computed from the completion
 * time at each answer, as the statement does, so an entry never outlives the bound. Only found users are held:
 * a miss (stale snapshot, unknown user) goes to the database every time.
 */
import { BoundedCache, type InvalidationBus } from '../core/invalidation';

/** One user's facts as the snapshot holds them; shared by every answer while held: callers must not change it. */
export interface CachedUserFacts {
  user: { id: string; displayName: string | null; userPrincipalName: string | null; accountEnabled: boolean | null };
  groups: Array<{ id: string; displayName: string | null }>;
}

/** A hit: the facts, and when the tenant's last round completed (sync_state.last_success_at). */
export interface HeldFacts {
  facts: CachedUserFacts;
  asOf: Date;
}

/** Tenants whose last completion time is held (each a few bytes); facts of a tenant not held are read again. */
const TENANTS_HELD = 10_000;

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
  /** Per tenant: when its last round completed. Held only with facts of the tenant; moved by `freshness`. */
  private readonly completedAt: BoundedCache<string, Date>;
  /** The bench turns it off to measure the one-round-trip path on the same server. */
  enabled = true;

  constructor(
    private readonly bus: InvalidationBus | undefined,
    maxEntries: number,
    maxTenants = TENANTS_HELD,
  ) {
    this.entries = new BoundedCache(maxEntries);
    this.completedAt = new BoundedCache(maxTenants);
    bus?.subscribe((signal) => {
      if (signal.kind === 'reset' || ((signal.kind === 'snapshot' || signal.kind === 'tenant') && signal.id === '*')) this.clear();
      else if (signal.kind === 'snapshot' || signal.kind === 'tenant') this.forgetTenant(signal.id);
      else if (signal.kind === 'freshness') this.completed(signal.id, signal.at);
    });
  }

  get size(): number {
    return this.entries.size;
  }

  private get serving(): boolean {
    return this.enabled && this.bus?.live === true;
  }

  get(tenantId: string, ref: UserRef): HeldFacts | undefined {
    if (!this.serving) return undefined;
    const asOf = this.completedAt.get(tenantId.toLowerCase());
    const facts = asOf && this.entries.get(factsKey(tenantId, ref));
    return facts ? { facts, asOf } : undefined;
  }

  /** Call before reading the database; pass the result to set(), which drops the row if anything was invalidated meanwhile. */
  get version(): number {
    return this.entries.version;
  }

  /** Stores the facts and the tenant's completion time they were read with, unless a signal arrived since `version`. */
  set(tenantId: string, ref: UserRef, facts: CachedUserFacts, asOf: Date, version: number): void {
    if (!this.serving || version !== this.entries.version) return;
    this.entries.set(factsKey(tenantId, ref), facts, version);
    this.completedAt.set(tenantId.toLowerCase(), asOf);
  }

  forgetTenant(tenantId: string): void {
    const tenant = tenantId.toLowerCase();
    const prefix = `${tenant}|`;
    const doomed = [...this.entries.keys()].filter((key) => key.startsWith(prefix));
    // Even with nothing to drop, the version moves (delete of a key never stored): a read in flight for this
    // tenant must not store what it read before the change.
    this.entries.delete(prefix);
    for (const key of doomed) this.entries.delete(key);
    this.completedAt.delete(tenant);
  }

  /**
   * A round that changed nothing completed at `at`: the tenant's facts stay, their age is counted from `at`
   * (which may also be older: someone set it back, and the max-age bound must see that). The version moves, so a
   * read in flight, which may have read the previous completion time, stores nothing.
   */
  private completed(tenantId: string, at: Date): void {
    this.entries.delete(`${tenantId}|`);
    if (this.completedAt.get(tenantId) !== undefined) this.completedAt.set(tenantId, at);
  }

  private clear(): void {
    this.entries.clear();
    this.completedAt.clear();
  }
}
