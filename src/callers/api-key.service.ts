/**
 * API keys: create (the full key is returned once and never again), list, revoke, and authenticate a
 * presented key. Who may do what is decided in rights.ts; this module only applies it to the table.
 *
 * Verification costs no SQL in the steady state: each key's row (its secret's hash, rights and revocation) is
 * cached in process by key id, bounded, least recently used first, and the presented secret is still hashed and
 * compared in constant time against the cached hash, so a wrong secret never "hits". The cache serves only while
 * the invalidation bus is live (src/core/invalidation.ts); a trigger notifies every instance of any change to a
 * key's rights or revocation, whoever makes it. Open WebSocket connections watch their key (watch()): a revoked
 * key or changed rights end them. last_used_at is written in the background, batched, at most once a minute per key.
 */
import { DataSource, In, Repository } from 'typeorm';
import { Tenant } from '../tenants/tenant.entity';
import { ErrorCode, GatewayError } from '../core/errors';
import { ApiKeyRecord } from './api-key.entity';
import { mintApiKey, parseApiKey, secretMatches } from './api-key-secret';
import { describePrincipal, type CredentialProblem, type Principal } from '../core/auth/principal';
import { LAST_USED_RESOLUTION_MS, rightsExceeding, shouldRecordUse, type Rights } from '../core/auth/rights';
import { BoundedCache, type InvalidationBus, type InvalidationSignal } from '../core/invalidation';
import type { Logger } from '../logging';

export interface CreateApiKeyRequest extends Rights {
  name: string;
}

export interface CreatedApiKey {
  apiKey: ApiKeyRecord;
  /** The whole key (`egk_<id>_<secret>`): shown once, stored only as a hash. */
  key: string;
}

/** A change to a key: each field left out stays as it is; `tenantIds: null` means every tenant. */
export interface ApiKeyChanges {
  name?: string;
  scopes?: Rights['scopes'];
  tenantIds?: Rights['tenantIds'];
}

export const API_KEY_PAGE = { default: 50, max: 100 } as const;
const NAME_MAX = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ApiKeyPageRequest {
  first?: number;
  /** The id of the last key of the previous page. */
  after?: string | null;
}

export interface ApiKeyPage {
  keys: ApiKeyRecord[];
  hasNextPage: boolean;
}

export type KeyVerification = { ok: true; principal: Principal } | { ok: false; problem: Extract<CredentialProblem, 'malformed' | 'unknown' | 'revoked'> };

export interface ApiKeyServiceOptions {
  /** Without a bus (CLI, unit tests) nothing is cached: every verification reads the row. */
  invalidation?: InvalidationBus;
  /** Keys held in memory; default 10,000. */
  cacheSize?: number;
  /** How long uses are gathered before one batched last_used_at write; default 1 s. */
  usageFlushMs?: number;
  logger?: Logger;
}

/** Why a watched connection ends: its key was revoked (or deleted), or its rights changed. */
export type KeyWatchEnd = 'revoked' | 'rights-changed';

interface KeyEntry {
  secretHash: string;
  revoked: boolean;
  principal: Principal;
  /** As stored, then as this process last recorded it: decides whether a use needs writing. */
  lastUsedAt: Date | null;
}

/** A cached "no such key" too, so that junk ids do not cost a query each (a key's creation invalidates it). */
type CachedKey = KeyEntry | 'absent';

interface KeyWatch {
  principal: Principal;
  onEnd: (why: KeyWatchEnd) => void;
}

function entryOf(key: ApiKeyRecord): KeyEntry {
  return {
    secretHash: key.secretHash,
    revoked: key.revokedAt !== null,
    lastUsedAt: key.lastUsedAt,
    principal: { kind: 'api_key', id: key.id, scopes: new Set(key.scopes), tenants: key.tenantIds ? new Set(key.tenantIds.map((id) => id.toLowerCase())) : 'ALL' },
  };
}

function sameRights(a: Principal, b: Principal): boolean {
  const sameSet = (x: ReadonlySet<string>, y: ReadonlySet<string>) => x.size === y.size && [...x].every((v) => y.has(v));
  if (!sameSet(a.scopes, b.scopes)) return false;
  if (a.tenants === 'ALL' || b.tenants === 'ALL') return a.tenants === b.tenants;
  return sameSet(a.tenants, b.tenants);
}

export class ApiKeyService {
  private readonly keys: Repository<ApiKeyRecord>;
  private readonly cache: BoundedCache<string, CachedKey>;
  private readonly watches = new Map<string, Set<KeyWatch>>();
  /** Uses not yet written: key id -> when. */
  private readonly pendingUses = new Map<string, Date>();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readonly unsubscribe: (() => void) | undefined;
  /** Verifications that read the database (tests and the bench count them). */
  reads = 0;

  constructor(
    private readonly dataSource: DataSource,
    /** Injected so that tests can move time for the last-used throttle. */
    private readonly now: () => Date = () => new Date(),
    private readonly options: ApiKeyServiceOptions = {},
  ) {
    this.keys = dataSource.getRepository(ApiKeyRecord);
    this.cache = new BoundedCache(options.cacheSize ?? 10_000);
    this.unsubscribe = options.invalidation?.subscribe((signal) => this.invalidated(signal));
  }

  /** `creator` must hold every right it grants (FORBIDDEN otherwise). */
  async create(request: CreateApiKeyRequest, creator: Principal): Promise<CreatedApiKey> {
    const name = request.name.trim();
    if (name.length === 0 || name.length > NAME_MAX) {
      throw badInput(`name: expected 1 to ${NAME_MAX} characters, received ${name.length}`);
    }
    const rights = validRights(request);
    const exceeding = rightsExceeding(creator, rights);
    if (exceeding) throw new GatewayError(ErrorCode.FORBIDDEN, exceeding);
    await this.requireTenantsExist(rights.tenantIds);

    const minted = mintApiKey();
    const apiKey = await this.keys.save(
      this.keys.create({
        id: minted.id,
        name,
        secretHash: minted.secretHash,
        scopes: [...rights.scopes],
        tenantIds: rights.tenantIds && [...rights.tenantIds],
        createdAt: this.now(),
        createdBy: describePrincipal(creator),
        revokedAt: null,
        lastUsedAt: null,
      }),
    );
    this.cache.delete(apiKey.id);
    return { apiKey, key: minted.key };
  }

  /** Keys `viewer` could have created itself (revoked ones included), oldest first. */
  async list(viewer: Principal, page: ApiKeyPageRequest = {}): Promise<ApiKeyPage> {
    const first = page.first ?? API_KEY_PAGE.default;
    if (!Number.isInteger(first) || first < 1 || first > API_KEY_PAGE.max) {
      throw badInput(`first: expected an integer from 1 to ${API_KEY_PAGE.max}, received ${first}`);
    }
    const query = this.keys
      .createQueryBuilder('key')
      .where('key.scopes <@ :scopes::text[]', { scopes: [...viewer.scopes] })
      .orderBy('key.created_at', 'ASC')
      .addOrderBy('key.id', 'ASC')
      .take(first + 1);
    if (viewer.tenants !== 'ALL') {
      query.andWhere('key.tenant_ids IS NOT NULL AND key.tenant_ids <@ :tenants::uuid[]', { tenants: [...viewer.tenants] });
    }
    if (page.after) {
      const after = await this.keys.findOneBy({ id: page.after });
      if (!after || !this.mayManage(viewer, after)) throw badInput(`after: expected the id of a listed API key, received ${page.after}`);
      query.andWhere('(key.created_at, key.id) > (SELECT created_at, id FROM api_keys WHERE id = :after)', { after: after.id });
    }
    const keys = await query.getMany();
    return { keys: keys.slice(0, first), hasNextPage: keys.length > first };
  }

  /**
   * Changes a key's name, scopes or tenants. The actor must be able to manage the key as it is (else NOT_FOUND, as
   * for revoke) and hold every right it gives it (else FORBIDDEN, as for create); a revoked key stays revoked and
   * unchanged. The change and its audit row (api_key_changes: who, before, after) commit together; the trigger
   * on api_keys notifies every instance, which drops the key from its cache and closes the key's WebSocket
   * connections whose rights changed (watch()), as a revocation does.
   */
  async update(id: string, changes: ApiKeyChanges, actor: Principal): Promise<ApiKeyRecord> {
    if (changes.name === undefined && changes.scopes === undefined && changes.tenantIds === undefined) {
      throw badInput('input: expected at least one of name, scopes and tenantIds to change, received none');
    }
    const name = changes.name === undefined ? undefined : changes.name.trim();
    if (name !== undefined && (name.length === 0 || name.length > NAME_MAX)) {
      throw badInput(`input.name: expected 1 to ${NAME_MAX} characters, received ${name.length}`);
    }
    const updated = await this.dataSource.transaction(async (manager) => {
      const keys = manager.getRepository(ApiKeyRecord);
      // Locked: two concurrent changes of one key are applied (and audited) one after the other.
      const key = await keys.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!key || !this.mayManage(actor, key)) throw new GatewayError(ErrorCode.NOT_FOUND, `API key ${id}: expected an existing key, found none`);
      if (key.revokedAt) throw badInput(`id: API key ${id} was revoked at ${key.revokedAt.toISOString()}; a revoked key cannot be changed`);
      const rights = validRights({ scopes: changes.scopes ?? key.scopes, tenantIds: changes.tenantIds === undefined ? key.tenantIds : changes.tenantIds });
      const exceeding = rightsExceeding(actor, rights);
      if (exceeding) throw new GatewayError(ErrorCode.FORBIDDEN, exceeding);
      if (changes.tenantIds !== undefined) await this.requireTenantsExist(rights.tenantIds);
      const before = { name: key.name, scopes: key.scopes, tenantIds: key.tenantIds };
      const after = { name: name ?? key.name, scopes: [...rights.scopes], tenantIds: rights.tenantIds && [...rights.tenantIds] };
      await keys.update({ id }, after);
      await manager.query(`INSERT INTO api_key_changes (key_id, changed_by, before, after) VALUES ($1, $2, $3::jsonb, $4::jsonb)`, [
        id,
        describePrincipal(actor),
        JSON.stringify(before),
        JSON.stringify(after),
      ]);
      return Object.assign(key, after);
    });
    // This instance at once; every instance (this one too) through the trigger's notification.
    this.cache.delete(id);
    this.options.logger?.info({ keyId: id, changedBy: describePrincipal(actor), scopes: updated.scopes, tenantIds: updated.tenantIds }, 'API key changed');
    return updated;
  }

  /** Revoking twice is not an error; a key beyond the actor's rights is NOT_FOUND (its existence is not told). */
  async revoke(id: string, actor: Principal): Promise<ApiKeyRecord> {
    const key = await this.keys.findOneBy({ id });
    if (!key || !this.mayManage(actor, key)) throw new GatewayError(ErrorCode.NOT_FOUND, `API key ${id}: expected an existing key, found none`);
    if (key.revokedAt) return key;
    key.revokedAt = this.now();
    await this.keys.update({ id }, { revokedAt: key.revokedAt });
    // This instance at once; every instance (this one too) through the trigger's notification.
    this.cache.delete(id);
    return key;
  }

  /** The key's principal; null for anything malformed, unknown, revoked or with a wrong secret. */
  async authenticate(presented: string): Promise<Principal | null> {
    const result = await this.verify(presented);
    return result.ok ? result.principal : null;
  }

  /**
   * The key's principal, or what is wrong with it. A wrong secret is `unknown`, like an unknown id, so the
   * answer never tells whether an id exists; `revoked` is told only to a caller who holds the right secret.
   */
  async verify(presented: string): Promise<KeyVerification> {
    const parsed = parseApiKey(presented);
    if (!parsed) return { ok: false, problem: 'malformed' };
    const entry = await this.entry(parsed.id);
    // Hashes and compares in constant time even for a cached row: the cache is keyed by the public id only.
    if (entry === 'absent' || !secretMatches(parsed.secret, entry.secretHash)) return { ok: false, problem: 'unknown' };
    if (entry.revoked) return { ok: false, problem: 'revoked' };
    this.recordUse(parsed.id, entry);
    return { ok: true, principal: entry.principal };
  }

  /**
   * Calls `onEnd` once when the key behind `principal` is revoked or its rights change, on any instance (a
   * WebSocket connection closes then). Returns the function that stops watching.
   */
  watch(principal: Principal, onEnd: (why: KeyWatchEnd) => void): () => void {
    let set = this.watches.get(principal.id);
    if (!set) this.watches.set(principal.id, (set = new Set()));
    const watch: KeyWatch = { principal, onEnd };
    set.add(watch);
    // A change that arrived between the verification and now has emptied the key's entry (or the bus is down,
    // so nothing can be known): check the row once, so that such a change is not missed.
    const cached = this.options.invalidation?.live ? this.cache.get(principal.id) : undefined;
    if (cached === undefined || cached === 'absent' || cached.revoked) void this.recheck(principal.id);
    return () => {
      set.delete(watch);
      if (set.size === 0 && this.watches.get(principal.id) === set) this.watches.delete(principal.id);
    };
  }

  /** Writes the uses gathered so far (one statement for all keys). */
  async flushUsage(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.flushing;
    if (this.pendingUses.size === 0) return;
    const uses = [...this.pendingUses];
    this.pendingUses.clear();
    this.flushing = this.dataSource
      .query(
        // Conditional, so that concurrent instances write once per minute between them.
        `UPDATE api_keys k SET last_used_at = u.at FROM unnest($1::text[], $2::timestamptz[]) AS u(id, at)
          WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at <= u.at - make_interval(secs => $3))`,
        [uses.map(([id]) => id), uses.map(([, at]) => at.toISOString()), LAST_USED_RESOLUTION_MS / 1000],
      )
      .then(
        () => undefined,
        (err: unknown) => this.options.logger?.warn({ err, keys: uses.length }, 'recording API key use failed; it is recorded at a later use'),
      )
      .finally(() => (this.flushing = null));
    await this.flushing;
  }

  /** Writes pending uses and stops listening. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    await this.flushUsage();
  }

  private async entry(id: string): Promise<CachedKey> {
    const live = this.options.invalidation?.live === true;
    if (live) {
      const cached = this.cache.get(id);
      if (cached !== undefined) return cached;
    }
    const version = this.cache.version;
    this.reads += 1;
    const key = await this.keys.findOneBy({ id });
    const entry: CachedKey = key ? entryOf(key) : 'absent';
    // Only if nothing was invalidated meanwhile, and only while notifications can reach us.
    if (live && this.options.invalidation?.live) this.cache.set(id, entry, version);
    return entry;
  }

  private recordUse(id: string, entry: KeyEntry): void {
    const now = this.now();
    if (!shouldRecordUse(entry.lastUsedAt, now)) return;
    entry.lastUsedAt = now;
    this.pendingUses.set(id, now);
    if (this.flushTimer || this.pendingUses.size >= 1_000) {
      if (this.pendingUses.size >= 1_000) void this.flushUsage();
      return;
    }
    this.flushTimer = setTimeout(() => void this.flushUsage(), this.options.usageFlushMs ?? 1_000);
    this.flushTimer.unref();
  }

  private invalidated(signal: InvalidationSignal): void {
    if (signal.kind === 'reset' || (signal.kind === 'api_key' && signal.id === '*')) {
      this.cache.clear();
      // Notifications may have been missed: every watched key is checked again.
      for (const id of this.watches.keys()) void this.recheck(id);
    } else if (signal.kind === 'api_key') {
      this.cache.delete(signal.id);
      if (this.watches.has(signal.id)) void this.recheck(signal.id);
    }
  }

  /** Reads the key's row (not the cache) and ends the watches it no longer allows. */
  private async recheck(id: string): Promise<void> {
    let key: ApiKeyRecord | null;
    try {
      key = await this.keys.findOneBy({ id });
    } catch (err) {
      // The database is unreachable: the next reconnection (a reset) checks again.
      this.options.logger?.warn({ err, keyId: id }, 'checking a watched API key failed');
      return;
    }
    const current = key && !key.revokedAt ? entryOf(key).principal : null;
    for (const watch of [...(this.watches.get(id) ?? [])]) {
      const why: KeyWatchEnd | null = current === null ? 'revoked' : sameRights(current, watch.principal) ? null : 'rights-changed';
      if (!why) continue;
      this.watches.get(id)?.delete(watch);
      watch.onEnd(why);
    }
    if (this.watches.get(id)?.size === 0) this.watches.delete(id);
  }

  private mayManage(actor: Principal, key: ApiKeyRecord): boolean {
    return rightsExceeding(actor, key) === null;
  }

  private async requireTenantsExist(tenantIds: readonly string[] | null): Promise<void> {
    if (!tenantIds) return;
    const found = await this.dataSource.getRepository(Tenant).find({ select: { id: true }, where: { id: In([...tenantIds]) } });
    const known = new Set(found.map((tenant) => tenant.id));
    const unknown = tenantIds.filter((id) => !known.has(id));
    if (unknown.length > 0) throw badInput(`tenantIds: expected existing tenants, found none with id ${unknown.join(', ')}`);
  }
}

function validRights(request: Rights): Rights {
  if (request.scopes.length === 0) throw badInput('scopes: expected at least one scope, received none');
  if (request.tenantIds === null) return { scopes: [...new Set(request.scopes)], tenantIds: null };
  if (request.tenantIds.length === 0) {
    throw badInput('tenantIds: expected at least one tenant id, received an empty list (leave tenantIds out for all tenants)');
  }
  const notIds = request.tenantIds.filter((id) => !UUID.test(id));
  if (notIds.length > 0) throw badInput(`tenantIds: expected tenant ids (UUIDs), received ${notIds.join(', ')}`);
  return { scopes: [...new Set(request.scopes)], tenantIds: [...new Set(request.tenantIds.map((id) => id.toLowerCase()))] };
}

function badInput(message: string): GatewayError {
  return new GatewayError(ErrorCode.BAD_USER_INPUT, message);
}
