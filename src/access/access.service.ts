/**
 * The stored side of access tiers: the product's tiers and each tenant's group-to-tier mappings. Knows nothing
 * about Graph or GraphQL; arguments arrive checked (access-input.ts). Conflicts the database detects (a taken
 * rank or name, a tier mapped while it is deleted) become BAD_USER_INPUT with words a caller can act on.
 *
 * accessTier reads tiers and mappings through cachedTiers/cachedMappings: held in process (the tier list, and a
 * bounded number of tenants' mappings), dropped on every instance when a row changes (triggers notify on commit;
 * src/core/invalidation.ts) and at once on this instance after its own writes, so the next answer sees them.
 */
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { ErrorCode, GatewayError } from '../core/errors';
import { BoundedCache, type InvalidationBus } from '../core/invalidation';
import { AccessTierRecord, TierMappingRecord } from './access-tier.entity';
import { auditAccessChange, lockSnapshots, recordTierChanges, type Actor, type TenantTierChanges } from './tier-events';
import { TierChangeKind, tierSummary, type TierChangeCause, type TierSummary } from './tier-resolution';

export interface TierFields {
  name: string;
  rank: number;
  description: string | null;
}

export interface NewMapping {
  tenantId: string;
  groupId: string;
  groupDisplayName: string;
  tierId: string;
  createdBy: string;
}

const driverError = (err: unknown) =>
  err instanceof QueryFailedError ? (err.driverError as { code?: string; constraint?: string } | undefined) : undefined;

/** A change made by the gateway itself (bootstrap, tests): audited under this principal. */
const INTERNAL: Actor = { principal: 'internal' };

/** What a mapping or tier change did to users, per tenant (the mutation's `tierChanges`). */
export interface WithTierChanges {
  tierChanges: TenantTierChanges[];
}

export interface AccessServiceOptions {
  /**
   * A mapping or tier change says its tenant's snapshot is STALE when its last round is older than this (then
   * the next round emits the tier changes it could not see); default 900 s (ACCESS_TIER_MAX_AGE_SECONDS).
   */
  snapshotMaxAgeSeconds?: number;
  /** Without it the cached reads read the database every time. */
  invalidation?: InvalidationBus;
  /** Tenants whose mappings are held; default 10,000. */
  mappingCacheSize?: number;
}

export class AccessService {
  /** One entry: the whole tier list (tiers are product-wide and few). */
  private readonly tiers = new BoundedCache<'all', AccessTierRecord[]>(1);
  private readonly mappings: BoundedCache<string, TierMappingRecord[]>;
  private readonly freshSeconds: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: AccessServiceOptions = {},
  ) {
    this.mappings = new BoundedCache(options.mappingCacheSize ?? 10_000);
    this.freshSeconds = options.snapshotMaxAgeSeconds && options.snapshotMaxAgeSeconds > 0 ? options.snapshotMaxAgeSeconds : 900;
    options.invalidation?.subscribe((signal) => {
      // Mappings carry their tier, so any tier change drops them all as well.
      if (signal.kind === 'reset' || signal.kind === 'tier') this.forgetTiers();
      else if (signal.kind === 'mappings' && signal.id === '*') this.mappings.clear();
      else if (signal.kind === 'mappings') this.mappings.delete(signal.id);
    });
  }

  /** listTiers, from memory while the invalidation bus is live. Shared: callers must not change it. */
  cachedTiers(): Promise<AccessTierRecord[]> {
    return this.cached(this.tiers, 'all', () => this.listTiers());
  }

  /** listMappings, from memory while the invalidation bus is live. Shared: callers must not change it. */
  cachedMappings(tenantId: string): Promise<TierMappingRecord[]> {
    return this.cached(this.mappings, tenantId.toLowerCase(), () => this.listMappings(tenantId.toLowerCase()));
  }

  /** cachedTiers from memory alone, without waiting: undefined when not held (or the bus is down). */
  peekTiers(): AccessTierRecord[] | undefined {
    return this.peek(this.tiers, 'all');
  }

  /** cachedMappings from memory alone, without waiting: undefined when not held (or the bus is down). */
  peekMappings(tenantId: string): TierMappingRecord[] | undefined {
    return this.peek(this.mappings, tenantId.toLowerCase());
  }

  private peek<K, V>(cache: BoundedCache<K, V>, key: K): V | undefined {
    return this.options.invalidation?.live === true ? cache.get(key) : undefined;
  }

  private async cached<K, V>(cache: BoundedCache<K, V>, key: K, read: () => Promise<V>): Promise<V> {
    const hit = this.peek(cache, key);
    if (hit !== undefined) return hit;
    const live = this.options.invalidation?.live === true;
    const version = cache.version;
    const value = await read();
    if (live && this.options.invalidation?.live) cache.set(key, value, version);
    return value;
  }

  private forgetTiers(): void {
    this.tiers.clear();
    this.mappings.clear();
  }

  /** Every tier, highest rank first. */
  listTiers(manager: EntityManager = this.dataSource.manager): Promise<AccessTierRecord[]> {
    return manager.getRepository(AccessTierRecord).find({ order: { rank: 'DESC' } });
  }

  getTier(id: string): Promise<AccessTierRecord | null> {
    return this.dataSource.getRepository(AccessTierRecord).findOneBy({ id });
  }

  async requireTier(id: string, argument = 'tierId'): Promise<AccessTierRecord> {
    const tier = await this.getTier(id);
    if (!tier) throw new GatewayError(ErrorCode.NOT_FOUND, `${argument}: no access tier ${id}`, { tierId: id });
    return tier;
  }

  async defineTier(fields: TierFields, actor: Actor = INTERNAL): Promise<AccessTierRecord> {
    try {
      // A new tier is mapped nowhere: it moves nobody. Audited in every tenant (tiers are shared by all).
      return await this.explainingConflicts(fields, () =>
        this.dataSource.transaction(async (manager) => {
          const tier = await manager.getRepository(AccessTierRecord).save(manager.getRepository(AccessTierRecord).create(fields));
          await auditAccessChange(manager, 'ALL', actor, 'DEFINE_ACCESS_TIER', `tier:${tier.id} name:${tier.name} rank:${tier.rank}`);
          return tier;
        }),
      );
    } finally {
      this.forgetTiers();
    }
  }

  /**
   * A rank change can move users of every tenant that maps a group to the tier (a user reaching two tiers gets
   * the higher): their ACCESS_TIER_CHANGED events are written in the same transaction, per tenant.
   */
  async updateTier(id: string, changes: Partial<TierFields>, actor: Actor = INTERNAL): Promise<AccessTierRecord & WithTierChanges> {
    const current = await this.requireTier(id, 'id');
    try {
      return await this.explainingConflicts({ ...current, ...changes }, () =>
        this.dataSource.transaction(async (manager) => {
          const tier = await this.lockTier(manager, id, 'UPDATE');
          if (!tier) throw new GatewayError(ErrorCode.NOT_FOUND, `id: no access tier ${id}`, { tierId: id });
          const rankChanges = changes.rank !== undefined && changes.rank !== tier.rank;
          const tenants = rankChanges ? await this.tenantsMapping(manager, id) : [];
          const clocks = await lockSnapshots(manager, tenants);
          const tiersBefore = await this.listTiers(manager);
          const saved = await manager.getRepository(AccessTierRecord).save(Object.assign(tier, changes));
          const tiersAfter = await this.listTiers(manager);
          const cause: TierChangeCause = {
            kind: TierChangeKind.TIER_RANK_CHANGED,
            groupId: null,
            groupDisplayName: null,
            tier: tierSummary(saved),
            previousTier: tierSummary(tiersBefore.find((t) => t.id === id) ?? null),
          };
          const tierChanges: TenantTierChanges[] = [];
          for (const tenantId of tenants) {
            const mappings = await this.listMappings(tenantId, manager);
            tierChanges.push(
              await recordTierChanges(manager, {
                tenantId,
                // Only users reaching the changed tier can change: their best tier is it, or may become it.
                candidateGroups: mappings.filter((m) => m.tierId === id).map((m) => m.groupId),
                before: { mappings, tiers: tiersBefore },
                after: { mappings, tiers: tiersAfter },
                cause,
                clock: clocks.get(tenantId)!,
                maxAgeSeconds: this.freshSeconds,
              }),
            );
          }
          await auditAccessChange(manager, 'ALL', actor, 'UPDATE_ACCESS_TIER', `tier:${id} ${describeTierChange(cause.previousTier, saved, changes)}`);
          return Object.assign(saved, { tierChanges });
        }),
      );
    } finally {
      this.forgetTiers();
    }
  }

  /**
   * Refused while any tenant maps a group to the tier: its users would silently lose their tier. So a deletion
   * moves nobody (no ACCESS_TIER_CHANGED: removing the mappings first emitted them); it is audited.
   */
  async deleteTier(id: string, actor: Actor = INTERNAL): Promise<AccessTierRecord & WithTierChanges> {
    const tier = await this.requireTier(id, 'id');
    try {
      const deleted = await this.dataSource.transaction(async (manager) => {
        await this.lockTier(manager, id, 'UPDATE');
        const mapped = await this.mappingUse(manager, id);
        if (mapped) throw stillMapped(tier, mapped);
        await manager.delete(AccessTierRecord, { id });
        await auditAccessChange(manager, 'ALL', actor, 'DELETE_ACCESS_TIER', `tier:${id} name:${tier.name} rank:${tier.rank}`);
        return Object.assign(tier, { tierChanges: [] as TenantTierChanges[] });
      });
      this.forgetTiers();
      return deleted;
    } catch (err) {
      // A mapping committed between the count and the delete: the foreign key refuses, say the same thing.
      if (driverError(err)?.code === '23503') throw stillMapped(tier, await this.mappingUse(this.dataSource.manager, id) ?? { mappings: 1, tenants: 1 });
      throw err;
    }
  }

  /** A tenant's mappings with their tiers, highest rank first, then by group name. */
  listMappings(tenantId: string, manager: EntityManager = this.dataSource.manager): Promise<TierMappingRecord[]> {
    return manager
      .getRepository(TierMappingRecord)
      .createQueryBuilder('m')
      .innerJoinAndSelect('m.tier', 't')
      .where('m.tenant_id = :tenantId', { tenantId })
      .orderBy('t.rank', 'DESC')
      .addOrderBy('m.group_display_name', 'ASC')
      .addOrderBy('m.group_id', 'ASC')
      .getMany();
  }

  /**
   * Creates the mapping, or points an existing one (same tenant and group) at the tier; in the same transaction,
   * ACCESS_TIER_CHANGED for every user of the tenant's snapshot whose tier moves, and the audit row.
   */
  async setMapping(mapping: NewMapping, actor: Actor = { principal: mapping.createdBy }): Promise<TierMappingRecord & WithTierChanges> {
    const tenantId = mapping.tenantId.toLowerCase();
    const groupId = mapping.groupId.toLowerCase();
    try {
      const saved = await this.dataSource.transaction(async (manager) => {
        const tiers = await this.lockTiers(manager);
        const clocks = await lockSnapshots(manager, [tenantId]);
        const before = await this.listMappings(tenantId, manager);
        await manager.query(
          `INSERT INTO tier_mappings (tenant_id, group_id, group_display_name, tier_id, created_by)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant_id, group_id) DO UPDATE
             SET group_display_name = EXCLUDED.group_display_name, tier_id = EXCLUDED.tier_id,
                 created_by = EXCLUDED.created_by, created_at = now()`,
          [tenantId, groupId, mapping.groupDisplayName, mapping.tierId, mapping.createdBy],
        );
        const after = await this.listMappings(tenantId, manager);
        const record = after.find((m) => m.groupId === groupId)!;
        const previous = before.find((m) => m.groupId === groupId);
        const cause: TierChangeCause = {
          kind: TierChangeKind.MAPPING_SET,
          groupId,
          groupDisplayName: mapping.groupDisplayName,
          tier: tierSummary(record.tier ?? null),
          previousTier: tierSummary(previous?.tier ?? null),
        };
        const changes = await recordTierChanges(manager, {
          tenantId,
          candidateGroups: [groupId],
          before: { mappings: before, tiers },
          after: { mappings: after, tiers },
          cause,
          clock: clocks.get(tenantId)!,
          maxAgeSeconds: this.freshSeconds,
        });
        await auditAccessChange(manager, [tenantId], actor, 'SET_TIER_MAPPING', `group:${groupId} tier:${mapping.tierId}${previous ? ` (was tier:${previous.tierId})` : ''}`);
        return Object.assign(record, { tierChanges: [changes] });
      });
      this.mappings.delete(tenantId);
      return saved;
    } catch (err) {
      // The tier was deleted (or the tenant removed) after the caller's checks.
      if (driverError(err)?.code === '23503') {
        throw new GatewayError(ErrorCode.NOT_FOUND, `setTierMapping: tier ${mapping.tierId} or tenant ${mapping.tenantId} no longer exists`);
      }
      throw err;
    }
  }

  /**
   * The removed mapping, or null when the group was not mapped (removing twice is not an error; audited as
   * NO_OP). Its users' ACCESS_TIER_CHANGED are written in the same transaction.
   */
  async removeMapping(tenantId: string, groupId: string, actor: Actor = INTERNAL): Promise<(TierMappingRecord & WithTierChanges) | null> {
    const tenant = tenantId.toLowerCase();
    const group = groupId.toLowerCase();
    const removed = await this.dataSource.transaction(async (manager) => {
      const tiers = await this.lockTiers(manager);
      const clocks = await lockSnapshots(manager, [tenant]);
      const before = await this.listMappings(tenant, manager);
      const existing = before.find((m) => m.groupId === group);
      const deleted = existing ? returned(await manager.query(`DELETE FROM tier_mappings WHERE tenant_id = $1 AND group_id = $2 RETURNING group_id`, [tenant, group])) : [];
      // Not mapped, or removed by a concurrent call in between (that call reports it).
      if (!existing || deleted.length === 0) {
        await auditAccessChange(manager, [tenant], actor, 'REMOVE_TIER_MAPPING', `group:${group}`, 'NO_OP');
        return null;
      }
      const after = before.filter((m) => m.groupId !== group);
      const changes = await recordTierChanges(manager, {
        tenantId: tenant,
        candidateGroups: [group],
        before: { mappings: before, tiers },
        after: { mappings: after, tiers },
        cause: { kind: TierChangeKind.MAPPING_REMOVED, groupId: group, groupDisplayName: existing.groupDisplayName, tier: null, previousTier: tierSummary(existing.tier ?? null) },
        clock: clocks.get(tenant)!,
        maxAgeSeconds: this.freshSeconds,
      });
      await auditAccessChange(manager, [tenant], actor, 'REMOVE_TIER_MAPPING', `group:${group} (was tier:${existing.tierId})`);
      return Object.assign(existing, { tierChanges: [changes] });
    });
    this.mappings.delete(tenant);
    return removed;
  }

  /**
   * Every tier, shared-locked: a mapping change computes its users' tiers from ranks no tier change can alter
   * before it commits. Tier changes lock the tier row first too (lockTier), then sync_state, as rounds do after.
   */
  private async lockTiers(manager: EntityManager): Promise<AccessTierRecord[]> {
    await manager.query(`SELECT id FROM access_tiers ORDER BY id FOR SHARE`);
    return this.listTiers(manager);
  }

  private async lockTier(manager: EntityManager, id: string, mode: 'UPDATE'): Promise<AccessTierRecord | null> {
    const [row] = (await manager.query(`SELECT id FROM access_tiers WHERE id = $1 FOR ${mode}`, [id])) as Array<{ id: string }>;
    return row ? manager.getRepository(AccessTierRecord).findOneBy({ id }) : null;
  }

  /** The tenants that map a group to the tier, in id order. */
  private async tenantsMapping(manager: EntityManager, tierId: string): Promise<string[]> {
    const rows = (await manager.query(`SELECT DISTINCT tenant_id FROM tier_mappings WHERE tier_id = $1 ORDER BY tenant_id`, [tierId])) as Array<{ tenant_id: string }>;
    return rows.map((r) => r.tenant_id);
  }

  private async mappingUse(manager: EntityManager, tierId: string): Promise<{ mappings: number; tenants: number } | null> {
    const [row] = (await manager.query(`SELECT count(*)::int AS mappings, count(DISTINCT tenant_id)::int AS tenants FROM tier_mappings WHERE tier_id = $1`, [
      tierId,
    ])) as Array<{ mappings: number; tenants: number }>;
    return row && row.mappings > 0 ? row : null;
  }

  private async explainingConflicts<T>(fields: TierFields, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      const detail = driverError(err);
      if (detail?.code !== '23505') throw err;
      if (detail.constraint === 'access_tiers_rank_key') {
        const holder = await this.dataSource.getRepository(AccessTierRecord).findOneBy({ rank: fields.rank });
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, `rank: ${fields.rank} is already the rank of tier "${holder?.name ?? 'another tier'}"; ranks are unique so that two tiers never tie`, { argument: 'rank' });
      }
      if (detail.constraint === 'access_tiers_name_key') {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, `name: a tier named "${fields.name}" already exists (names are compared without regard to case)`, { argument: 'name' });
      }
      throw err;
    }
  }
}

/** TypeORM's query() answers DELETE ... RETURNING with [rows, count]. */
function returned(result: unknown): unknown[] {
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : (result as unknown[]);
}

function describeTierChange(before: TierSummary | null, after: AccessTierRecord, changes: Partial<TierFields>): string {
  const parts: string[] = [];
  if (changes.name !== undefined && changes.name !== before?.name) parts.push(`name:${before?.name}->${after.name}`);
  if (changes.rank !== undefined && changes.rank !== before?.rank) parts.push(`rank:${before?.rank}->${after.rank}`);
  if (changes.description !== undefined) parts.push('description');
  return parts.join(' ') || 'no change';
}

function stillMapped(tier: AccessTierRecord, use: { mappings: number; tenants: number }): GatewayError {
  return new GatewayError(
    ErrorCode.BAD_USER_INPUT,
    `tier "${tier.name}" is still mapped from ${use.mappings} group(s) in ${use.tenants} tenant(s); remove those mappings (removeTierMapping) before deleting it`,
    { tierId: tier.id, mappings: use.mappings },
  );
}
