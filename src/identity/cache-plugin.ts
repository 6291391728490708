/**
 * An MSAL cache plugin for one tenant, backed by its encrypted `tenant_token_caches` row.
 *
 * Only what survives a restart usefully is persisted: accounts, id tokens, refresh tokens and app metadata.
 * Access tokens (short-lived, and the most valuable thing to steal) stay in this plugin's process memory.
 * msal-node clears its in-memory cache and reloads it through the plugin before every silent lookup, so the
 * plugin hands back the row plus those in-memory access tokens each time; otherwise every call would refresh.
 */
import type { ICachePlugin, JsonCache, SerializedAccessTokenEntity, TokenCacheContext } from '@azure/msal-node';
import { ciphertextKeyVersion, type Encryptor } from './encryption';
import { IdentityError, TokenCacheCorruptError, TransientIdentityError } from './identity.errors';
import type { StoredTokenCache, TokenCacheStore } from './token-cache.store';

/** Bounded: each lost race means another writer made progress, so a few rounds always suffice in practice. */
const MAX_WRITE_ATTEMPTS = 5;

export type PersistedCache = Omit<JsonCache, 'AccessToken'>;
type AccessTokens = Record<string, SerializedAccessTokenEntity>;
const PERSISTED_SECTIONS = ['Account', 'IdToken', 'RefreshToken', 'AppMetadata'] as const;

/** The serialized MSAL cache without its access tokens; every other section is kept as MSAL wrote it. */
export function persistableCache(serialized: string): PersistedCache {
  const cache = JSON.parse(serialized) as Partial<JsonCache>;
  return Object.fromEntries(PERSISTED_SECTIONS.map((section) => [section, cache[section] ?? {}])) as PersistedCache;
}

/**
 * Combines a cache another process stored with ours after a lost write race: entries only the other side has
 * are kept, entries both have are taken from ours (we just received them from the identity platform).
 */
export function mergeCaches(stored: PersistedCache, ours: PersistedCache): PersistedCache {
  return Object.fromEntries(
    PERSISTED_SECTIONS.map((section) => [section, { ...stored[section], ...ours[section] }]),
  ) as PersistedCache;
}

/** The full cache MSAL should see: the persisted part plus in-memory access tokens of accounts still in it. */
export function withAccessTokens(persisted: PersistedCache, accessTokens: AccessTokens): JsonCache {
  const accounts = new Set(Object.values(persisted.Account).map((account) => account.home_account_id));
  const live = Object.entries(accessTokens).filter(([, token]) => accounts.has(token.home_account_id));
  return { ...persisted, AccessToken: Object.fromEntries(live) };
}

/** The AAD binding a ciphertext to its tenant and purpose. */
export function tokenCacheAad(tenantId: string): string {
  return `tenant_token_caches:${tenantId}`;
}

export class TenantCachePlugin implements ICachePlugin {
  /** The row as last read or written by this process, decrypted (so an unchanged row is not decrypted again). */
  private persisted: { version: number; cache: PersistedCache } | null = null;
  private accessTokens: AccessTokens = {};

  /**
   * @param resetMemory empties the owning application's in-memory cache before each load, so memory is exactly
   *   the row plus our access tokens: MSAL's deserialize merges, which would keep (and later write back) an
   *   account another instance removed.
   */
  constructor(
    private readonly tenantId: string,
    private readonly store: TokenCacheStore,
    private readonly encryptor: Encryptor,
    private readonly resetMemory: () => void,
  ) {}

  async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
    const row = await this.store.load(this.tenantId);
    if (!row) {
      this.persisted = null;
    } else if (row.version !== this.persisted?.version) {
      this.persisted = { version: row.version, cache: this.read(row) };
    }
    this.resetMemory();
    if (this.persisted) {
      context.tokenCache.deserialize(JSON.stringify(withAccessTokens(this.persisted.cache, this.accessTokens)));
    }
  }

  async afterCacheAccess(context: TokenCacheContext): Promise<void> {
    if (!context.cacheHasChanged) return;
    const serialized = context.tokenCache.serialize();
    this.accessTokens = (JSON.parse(serialized) as JsonCache).AccessToken ?? {};
    let cache = persistableCache(serialized);
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

  private seal(cache: PersistedCache): { ciphertext: string; keyVersion: number } {
    const ciphertext = this.encryptor.encrypt(JSON.stringify(cache), tokenCacheAad(this.tenantId));
    return { ciphertext, keyVersion: ciphertextKeyVersion(ciphertext) };
  }

  private read(row: StoredTokenCache): PersistedCache {
    let plaintext: string;
    try {
      plaintext = this.encryptor.decrypt(row.ciphertext, tokenCacheAad(this.tenantId));
    } catch (err) {
      const reason = err instanceof IdentityError ? err.message : 'decryption failed';
      throw new TokenCacheCorruptError(this.tenantId, reason, { cause: err });
    }
    try {
      return persistableCache(plaintext);
    } catch {
      // No cause attached: JSON.parse messages quote the text around the fault, which holds tokens.
      throw new TokenCacheCorruptError(this.tenantId, 'decrypted content is not MSAL cache JSON');
    }
  }
}
