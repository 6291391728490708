/**
 * One token acquisition at a time per tenant across every gateway instance on the database: a PostgreSQL
 * transaction-level advisory lock on a 64-bit hash of the tenant id, held only while the token endpoint is asked
 * (the token provider looks in the stored cache first, without the lock). Whoever gets the lock after another
 * instance let go reloads the cache and finds that instance's fresh token instead of asking again; and a rotating
 * refresh token is never redeemed by two instances at once.
 *
 * The lock lives in a transaction, so it goes away with the holder's connection if its process dies, and the
 * cache written under it becomes visible in the same instant the lock is released (the commit). The price: one
 * pooled connection per tenant being refreshed, held for the length of the token request and its retries.
 */
import { tenantLockKey } from '../core/advisory-lock';
import { QueryFailedError, type DataSource } from 'typeorm';
import { TransientIdentityError } from './identity.errors';
import type { TokenCacheStore } from './token-cache.store';

/** PostgreSQL's lock_not_available: lock_timeout ran out. */
const LOCK_NOT_AVAILABLE = '55P03';

/** The advisory lock key of a tenant's token refresh (core/advisory-lock.ts). */
export function refreshLockKey(tenantId: string): string {
  return tenantLockKey('token-refresh', tenantId);
}

export class RefreshLock {
  /**
   * @param timeoutMs how long to wait for another holder: a holder stuck (or retrying an identity platform
   *   that is down) cannot block callers for ever; the waiter fails as a transient identity error.
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: TokenCacheStore,
    private readonly timeoutMs: number,
  ) {}

  /** Runs `acquisition` holding the tenant's lock, with the token cache read and written on the lock's connection. */
  run<T>(tenantId: string, acquisition: () => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('lock_timeout', $1, true)`, [`${this.timeoutMs}ms`]);
      try {
        await manager.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [refreshLockKey(tenantId)]);
      } catch (err) {
        if (isLockTimeout(err)) {
          throw new TransientIdentityError(
            `another gateway instance held the token refresh of tenant ${tenantId} for longer than ${this.timeoutMs} ms`,
            1,
          );
        }
        throw err;
      }
      return this.store.on(manager, acquisition);
    });
  }
}

function isLockTimeout(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string } | undefined)?.code === LOCK_NOT_AVAILABLE;
}
