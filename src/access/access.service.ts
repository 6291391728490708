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

export interface AccessServiceOptions {
  /** Without it the cached reads read the database every time. */
  invalidation?: InvalidationBus;
  /** Tenants whose mappings are held; default 10,000. */
  mappingCacheSize?: number;
}

export class AccessService {
  /** One entry: the whole tier list (tiers are product-wide and few). */
  private readonly tiers = new BoundedCache<'all', AccessTierRecord[]>(1);
  private readonly mappings: BoundedCache<string, TierMappingRecord[]>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: AccessServiceOptions = {},
  ) {
    this.mappings = new BoundedCache(options.mappingCacheSize ?? 10_000);
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

  private async cached<K, V>(cache: BoundedCache<K, V>, key: K, read: () => Promise<V>): Promise<V> {
    const live = this.options.invalidation?.live === true;
    if (live) {
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
    }
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

  async defineTier(fields: TierFields): Promise<AccessTierRecord> {
    const tiers = this.dataSource.getRepository(AccessTierRecord);
    try {
      return await this.explainingConflicts(fields, () => tiers.save(tiers.create(fields)));
    } finally {
      this.forgetTiers();
    }
  }

  async updateTier(id: string, changes: Partial<TierFields>): Promise<AccessTierRecord> {
    const tier = await this.requireTier(id, 'id');
    const next = { ...tier, ...changes };
    try {
      return await this.explainingConflicts(next, () => this.dataSource.getRepository(AccessTierRecord).save(Object.assign(tier, changes)));
    } finally {
      this.forgetTiers();
    }
  }

  /** Refused while any tenant maps a group to the tier: its users would silently lose their tier. */
  async deleteTier(id: string): Promise<AccessTierRecord> {
    const tier = await this.requireTier(id, 'id');
    try {
      const deleted = await this.dataSource.transaction(async (manager) => {
        const mapped = await this.mappingUse(manager, id);
        if (mapped) throw stillMapped(tier, mapped);
        await manager.delete(AccessTierRecord, { id });
        return tier;
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

  /** Creates the mapping, or points an existing one (same tenant and group) at the tier. */
  async setMapping(mapping: NewMapping): Promise<TierMappingRecord> {
    try {
      await this.dataSource.query(
        `INSERT INTO tier_mappings (tenant_id, group_id, group_display_name, tier_id, created_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, group_id) DO UPDATE
           SET group_display_name = EXCLUDED.group_display_name, tier_id = EXCLUDED.tier_id,
               created_by = EXCLUDED.created_by, created_at = now()`,
        [mapping.tenantId, mapping.groupId, mapping.groupDisplayName, mapping.tierId, mapping.createdBy],
      );
      this.mappings.delete(mapping.tenantId.toLowerCase());
    } catch (err) {
      // The tier was deleted (or the tenant removed) after the caller's checks.
      if (driverError(err)?.code === '23503') {
        throw new GatewayError(ErrorCode.NOT_FOUND, `setTierMapping: tier ${mapping.tierId} or tenant ${mapping.tenantId} no longer exists`);
      }
      throw err;
    }
    return this.dataSource
      .getRepository(TierMappingRecord)
      .findOneOrFail({ where: { tenantId: mapping.tenantId, groupId: mapping.groupId }, relations: { tier: true } });
  }

  /** The removed mapping, or null when the group was not mapped (removing twice is not an error). */
  async removeMapping(tenantId: string, groupId: string): Promise<TierMappingRecord | null> {
    const repo = this.dataSource.getRepository(TierMappingRecord);
    const existing = await repo.findOne({ where: { tenantId, groupId }, relations: { tier: true } });
    if (!existing) return null;
    const { affected } = await repo.delete({ tenantId, groupId });
    this.mappings.delete(tenantId.toLowerCase());
    // Removed by a concurrent call in between: that call reports it.
    return affected ? existing : null;
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

function stillMapped(tier: AccessTierRecord, use: { mappings: number; tenants: number }): GatewayError {
  return new GatewayError(
    ErrorCode.BAD_USER_INPUT,
    `tier "${tier.name}" is still mapped from ${use.mappings} group(s) in ${use.tenants} tenant(s); remove those mappings (removeTierMapping) before deleting it`,
    { tierId: tier.id, mappings: use.mappings },
  );
}
