/**
 * An MSAL cache plugin for one tenant, backed by its encrypted `tenant_token_caches` row.
 *
 * The whole MSAL cache is persisted, access tokens included. That is what makes one refresh serve every gateway
 * instance: an access token one instance obtained under the tenant's refresh lock (refresh-lock.ts) is found by
 * the others when they reload the row, so they neither call the token endpoint again nor race to rotate the
 * refresh token, and a restarted instance starts with a usable token. The exposure this adds is small: the row
 * already holds the refresh token, a longer-lived secret that can mint access tokens, and the access token is
 * sealed the same way (AES-256-GCM, versioned key, AAD bound to the tenant).
 */
import type { ICachePlugin, JsonCache, TokenCacheContext } from '@azure/msal-node';
import { ciphertextKeyVersion, type Encryptor } from './encryption';
import { IdentityError, TokenCacheCorruptError, TransientIdentityError, UnknownKeyVersionError } from './identity.errors';
import type { StoredTokenCache, TokenCacheStore } from './token-cache.store';

/** Bounded: each lost race means another writer made progress, so a few rounds always suffice in practice. */
const MAX_WRITE_ATTEMPTS = 5;

const SECTIONS = ['Account', 'IdToken', 'AccessToken', 'RefreshToken', 'AppMetadata'] as const;

/** A serialized MSAL cache with every section present (rows written before access tokens were kept lack one). */
export function parseCache(serialized: string): JsonCache {
  const cache = JSON.parse(serialized) as Partial<JsonCache>;
  return Object.fromEntries(SECTIONS.map((section) => [section, cache[section] ?? {}])) as JsonCache;
}

/**
 * Combines a cache another process stored with ours after a lost write race: entries only the other side has
 * are kept, entries both have are taken from ours (we just received them from the identity platform).
 */
export function mergeCaches(stored: JsonCache, ours: JsonCache): JsonCache {
  return Object.fromEntries(SECTIONS.map((section) => [section, { ...stored[section], ...ours[section] }])) as JsonCache;
}

/** The AAD binding a ciphertext to its tenant and purpose. */
export function tokenCacheAad(tenantId: string): string {
  return `tenant_token_caches:${tenantId}`;
}

export class TenantCachePlugin implements ICachePlugin {
  /** The row as last read or written by this process, decrypted (so an unchanged row is not decrypted again). */
  private persisted: { version: number; cache: JsonCache } | null = null;

  /**
   * @param resetMemory empties the owning application's in-memory cache before each load, so memory is exactly
   *   the row: MSAL's deserialize merges, which would keep (and later write back) an account another instance
   *   removed.
   */
  constructor(
    private readonly tenantId: string,
    private readonly store: TokenCacheStore,
    private readonly encryptor: Encryptor,
    private readonly resetMemory: () => void,
  ) {}

  /** The tenant's cache as stored now (null: no row), read without going through MSAL. */
  async load(): Promise<JsonCache | null> {
    const row = await this.store.load(this.tenantId);
    if (!row) {
      this.persisted = null;
    } else if (row.version !== this.persisted?.version) {
      this.persisted = { version: row.version, cache: this.read(row) };
    }
    return this.persisted?.cache ?? null;
  }

  async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
    const cache = await this.load();
    this.resetMemory();
    if (cache) context.tokenCache.deserialize(JSON.stringify(cache));
  }

  async afterCacheAccess(context: TokenCacheContext): Promise<void> {
    if (!context.cacheHasChanged) return;
    let cache = parseCache(context.tokenCache.serialize());
    let basedOn = this.persisted?.version ?? null;
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const written = await this.store.save(this.tenantId, this.seal(cache), basedOn);
      if (written !== null) {
        this.persisted = { version: written, cache };
        return;
      }
      const current = await this.store.load(this.tenantId);
      if (current) cache = mergeCaches(this.read(current), cache);
      basedOn = current?.version ?? null;
    }
    throw new TransientIdentityError(
      `token cache of tenant ${this.tenantId} not saved: lost every write race to other instances`,
      MAX_WRITE_ATTEMPTS,
    );
  }

  private seal(cache: JsonCache): { ciphertext: string; keyVersion: number } {
    const ciphertext = this.encryptor.encrypt(JSON.stringify(cache), tokenCacheAad(this.tenantId));
    return { ciphertext, keyVersion: ciphertextKeyVersion(ciphertext) };
  }

  private read(row: StoredTokenCache): JsonCache {
    let plaintext: string;
    try {
      plaintext = this.encryptor.decrypt(row.ciphertext, tokenCacheAad(this.tenantId));
    } catch (err) {
      // A key this process was not given is a deployment problem, not a damaged row: report it as such.
      if (err instanceof UnknownKeyVersionError) throw err;
      const reason = err instanceof IdentityError ? err.message : 'decryption failed';
      throw new TokenCacheCorruptError(this.tenantId, reason, { cause: err });
    }
    try {
      return parseCache(plaintext);
    } catch {
      // No cause attached: JSON.parse messages quote the text around the fault, which holds tokens.
      throw new TokenCacheCorruptError(this.tenantId, 'decrypted content is not MSAL cache JSON');
    }
  }
}
