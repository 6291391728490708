/**
 * Reads and writes `tenant_token_caches` rows with optimistic concurrency: a write names the version it was
 * based on and loses (returns null) when another writer got there first.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import { TenantTokenCache } from './token-cache.entity';

export interface StoredTokenCache {
  ciphertext: string;
  keyVersion: number;
  version: number;
}

type CacheEntry = Pick<StoredTokenCache, 'ciphertext' | 'keyVersion'>;

export interface StoredTokenCacheRow extends StoredTokenCache {
  tenantId: string;
}

export class TokenCacheStore {
  private readonly connection = new AsyncLocalStorage<EntityManager>();

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `operation` with every read and write of this store on `manager`'s connection. The refresh lock holds
   * a pooled connection while MSAL loads and saves the cache; were those to take a second connection each, as
   * many concurrent refreshes as the pool has connections would wait for one another for ever.
   */
  on<T>(manager: EntityManager, operation: () => Promise<T>): Promise<T> {
    return this.connection.run(manager, operation);
  }

  /** Up to `limit` rows not written under `keyVersion`, in tenant id order after `afterTenantId`. */
  async listNotUnderKey(
    keyVersion: number,
    afterTenantId: string | null,
    limit: number,
  ): Promise<StoredTokenCacheRow[]> {
    const query = this.manager
      .getRepository(TenantTokenCache)
      .createQueryBuilder('c')
      .where('c.keyVersion <> :keyVersion', { keyVersion })
      .orderBy('c.tenantId')
      .limit(limit);
    if (afterTenantId !== null) query.andWhere('c.tenantId > :afterTenantId', { afterTenantId });
    const rows = await query.getMany();
    return rows.map(({ tenantId, ciphertext, keyVersion: rowKeyVersion, version }) => ({
      tenantId,
      ciphertext,
      keyVersion: rowKeyVersion,
      version,
    }));
  }

  async load(tenantId: string): Promise<StoredTokenCache | null> {
    const row = await this.manager.getRepository(TenantTokenCache).findOneBy({ tenantId });
    return row && { ciphertext: row.ciphertext, keyVersion: row.keyVersion, version: row.version };
  }

  /**
   * Writes the ciphertext if the row is still at `basedOn` (null: the row must not exist yet).
   * Returns the row's new version, or null when a concurrent writer changed the row first.
   */
  async save(
    tenantId: string,
    entry: CacheEntry,
    basedOn: number | null,
  ): Promise<number | null> {
    const rows = basedOn === null ? await this.insert(tenantId, entry) : await this.update(tenantId, entry, basedOn);
    return rows[0]?.version ?? null;
  }

  private insert(tenantId: string, entry: CacheEntry): Promise<Array<{ version: number }>> {
    return this.manager.query(
      `INSERT INTO tenant_token_caches (tenant_id, ciphertext, key_version, version, updated_at)
       VALUES ($1, $2, $3, 1, now())
       ON CONFLICT (tenant_id) DO NOTHING
       RETURNING version`,
      [tenantId, entry.ciphertext, entry.keyVersion],
    );
  }

  private async update(
    tenantId: string,
    entry: CacheEntry,
    basedOn: number,
  ): Promise<Array<{ version: number }>> {
    // TypeORM's postgres driver answers an UPDATE with [rows, rowCount] (an INSERT with the rows alone).
    const [rows] = await this.manager.query(
      `UPDATE tenant_token_caches
         SET ciphertext = $2, key_version = $3, version = version + 1, updated_at = now()
       WHERE tenant_id = $1 AND version = $4
       RETURNING version`,
      [tenantId, entry.ciphertext, entry.keyVersion, basedOn],
    );
    return rows;
  }

  private get manager(): EntityManager {
    return this.connection.getStore() ?? this.dataSource.manager;
  }
}
