/**
 * API keys: create (the full key is returned once and never again), list, revoke, and authenticate a
 * presented key. Who may do what is decided in rights.ts; this module only applies it to the table.
 */
import { DataSource, In, Repository } from 'typeorm';
import { Tenant } from '../tenants/tenant.entity';
import { ErrorCode, GatewayError } from '../core/errors';
import { ApiKeyRecord } from './api-key.entity';
import { mintApiKey, parseApiKey, secretMatches } from './api-key-secret';
import { describePrincipal, type Principal } from '../core/auth/principal';
import { LAST_USED_RESOLUTION_MS, rightsExceeding, shouldRecordUse, type Rights } from '../core/auth/rights';

export interface CreateApiKeyRequest extends Rights {
  name: string;
}

export interface CreatedApiKey {
  apiKey: ApiKeyRecord;
  /** The whole key (`egk_<id>_<secret>`): shown once, stored only as a hash. */
  key: string;
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

export class ApiKeyService {
  private readonly keys: Repository<ApiKeyRecord>;

  constructor(
    private readonly dataSource: DataSource,
    /** Injected so that tests can move time for the last-used throttle. */
    private readonly now: () => Date = () => new Date(),
  ) {
    this.keys = dataSource.getRepository(ApiKeyRecord);
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

  /** Revoking twice is not an error; a key beyond the actor's rights is NOT_FOUND (its existence is not told). */
  async revoke(id: string, actor: Principal): Promise<ApiKeyRecord> {
    const key = await this.keys.findOneBy({ id });
    if (!key || !this.mayManage(actor, key)) throw new GatewayError(ErrorCode.NOT_FOUND, `API key ${id}: expected an existing key, found none`);
    if (key.revokedAt) return key;
    key.revokedAt = this.now();
    await this.keys.update({ id }, { revokedAt: key.revokedAt });
    return key;
  }

  /** The key's principal; null for anything malformed, unknown, revoked or with a wrong secret. */
  async authenticate(presented: string): Promise<Principal | null> {
    const parsed = parseApiKey(presented);
    if (!parsed) return null;
    const key = await this.keys.findOneBy({ id: parsed.id });
    if (!key || key.revokedAt || !secretMatches(parsed.secret, key.secretHash)) return null;
    const now = this.now();
    if (shouldRecordUse(key.lastUsedAt, now)) {
      // Conditional, so that concurrent requests (or instances) write once per minute between them.
      await this.keys
        .createQueryBuilder()
        .update()
        .set({ lastUsedAt: now })
        .where('id = :id AND (last_used_at IS NULL OR last_used_at <= :threshold)', {
          id: key.id,
          threshold: new Date(now.getTime() - LAST_USED_RESOLUTION_MS),
        })
        .execute();
    }
    return { kind: 'api_key', id: key.id, scopes: new Set(key.scopes), tenants: key.tenantIds ? new Set(key.tenantIds) : 'ALL' };
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
