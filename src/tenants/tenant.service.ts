/**
 * Tenant connections as the API sees them: connect (a PENDING_CONSENT record and its consent URL), read, list
 * within a caller's tenants, update, re-consent URLs, and disconnect (stored tokens and pending consents gone).
 * Hot read paths (accessTier) use getCached: tenant records held in process, bounded, and dropped on every
 * instance when the row changes (a trigger notifies; src/core/invalidation.ts). Everything else reads the row.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { TenantTokenCache } from '../identity';
import { ErrorCode, GatewayError } from '../core/errors';
import { BoundedCache, type InvalidationBus } from '../core/invalidation';
import type { ConsentRequests } from './consent-requests';
import type { OAuthStateStore } from './oauth-state.store';
import { TenantStatus } from './status';
import { decodeTenantCursor } from './tenant-cursor';
import {
  invalidInput,
  isTenantId,
  SYNC_INTERVAL_SECONDS,
  validateConnect,
  validateUpdate,
  validReturnUrl,
  type ConnectRules,
  type ConnectTenantFields,
  type UpdateTenantFields,
} from './tenant-input';
import { applyTenantEventIn, recordStatus } from './tenant-lifecycle';
import { Tenant, TenantStatusChange } from './tenant.entity';

export const PAGE_SIZE = { default: 20, max: 100 } as const;

export interface TenantPage {
  tenants: Tenant[];
  hasNextPage: boolean;
}

export interface TenantServiceDeps {
  dataSource: DataSource;
  rules: ConnectRules;
  states: OAuthStateStore;
  /** Null when no Entra app registration is configured: nothing can be consented then. */
  consent: ConsentRequests | null;
  /** Without it getCached reads the row every time. */
  invalidation?: InvalidationBus;
  /** Tenant records held by getCached; default 10,000. */
  cacheSize?: number;
}

export class TenantService {
  /** null: no such tenant (cached too, so unknown ids do not cost a query each; a new row invalidates it). */
  private readonly cache: BoundedCache<string, Tenant | null>;

  constructor(private readonly deps: TenantServiceDeps) {
    this.cache = new BoundedCache(deps.cacheSize ?? 10_000);
    deps.invalidation?.subscribe((signal) => {
      if (signal.kind === 'reset' || (signal.kind === 'tenant' && signal.id === '*')) this.cache.clear();
      else if (signal.kind === 'tenant') this.cache.delete(signal.id);
    });
  }

  /**
   * The tenant as of at most a notification's delay ago, from memory while the invalidation bus is live. The
   * record is shared: callers must not change it.
   */
  async getCached(id: string): Promise<Tenant | null> {
    const held = this.peek(id);
    if (held !== undefined) return held;
    const key = id.toLowerCase();
    const live = this.deps.invalidation?.live === true;
    const version = this.cache.version;
    const tenant = await this.deps.dataSource.getRepository(Tenant).findOneBy({ id: key });
    if (live && this.deps.invalidation?.live) this.cache.set(key, tenant, version);
    return tenant;
  }

  /** getCached from memory alone, without waiting: undefined when the record is not held (or the bus is down). */
  peek(id: string): Tenant | null | undefined {
    if (!isTenantId(id)) return null;
    return this.deps.invalidation?.live === true ? this.cache.get(id.toLowerCase()) : undefined;
  }

  /** The tenant, its first history row and its pending consent request are stored together or not at all. */
  async connect(input: ConnectTenantFields, createdBy: string): Promise<{ tenant: Tenant; consentUrl: string }> {
    const valid = validateConnect(input, this.deps.rules);
    const consent = this.requireConsent();
    return this.deps.dataSource.transaction(async (manager) => {
      const tenant = await this.insertPending(manager, valid, createdBy);
      const consentUrl = await consent.consentUrl(tenant, { returnUrl: valid.returnUrl, createdBy, loginHint: valid.loginHint }, manager);
      return { tenant, consentUrl };
    });
  }

  /**
   * A PENDING_CONSENT tenant without a consent request yet: the hosted portal (src/portal) asks for consent when
   * the administrator is ready. `then` runs in the same transaction (the portal link is stored with the tenant).
   */
  async createPending<T>(input: Omit<ConnectTenantFields, 'returnUrl' | 'loginHint'>, createdBy: string, then: (tenant: Tenant, manager: EntityManager) => Promise<T>): Promise<T> {
    // No consent request is stored yet, so no returnUrl is kept: an allowed origin stands in for the check (the
    // portal validates its own returnUrl before calling this).
    const valid = validateConnect({ ...input, returnUrl: this.deps.rules.allowedReturnOrigins[0] ?? '' }, this.deps.rules);
    this.requireConsent();
    return this.deps.dataSource.transaction(async (manager) => then(await this.insertPending(manager, valid, createdBy), manager));
  }

  private async insertPending(manager: EntityManager, valid: Pick<ConnectTenantFields, 'displayName' | 'cloud' | 'authMode' | 'features'>, createdBy: string): Promise<Tenant> {
    const tenants = manager.getRepository(Tenant);
    const tenant = await tenants.save(
      tenants.create({
        displayName: valid.displayName,
        entraTenantId: null,
        cloud: valid.cloud,
        authMode: valid.authMode,
        status: TenantStatus.PENDING_CONSENT,
        grantedScopes: [],
        features: valid.features,
        syncIntervalSeconds: SYNC_INTERVAL_SECONDS.default,
      }),
    );
    await recordStatus(manager, tenant.id, null, TenantStatus.PENDING_CONSENT, `connect requested by ${createdBy}`);
    return tenant;
  }

  /** Null for an unknown id, and for anything that is not a tenant id at all. */
  async get(id: string): Promise<Tenant | null> {
    return isTenantId(id) ? this.deps.dataSource.getRepository(Tenant).findOneBy({ id }) : null;
  }

  /** A page of the tenants `visible` allows, in a stable order (by id); `after` is a cursor of an earlier page. */
  async list(visible: 'ALL' | ReadonlySet<string>, first: number, after: string | null): Promise<TenantPage> {
    if (!Number.isInteger(first) || first < 1 || first > PAGE_SIZE.max) {
      throw invalidInput('first', `expected an integer from 1 to ${PAGE_SIZE.max}, got ${first}`);
    }
    const query = this.deps.dataSource.getRepository(Tenant).createQueryBuilder('t').orderBy('t.id', 'ASC').limit(first + 1);
    if (after !== null) query.andWhere('t.id > :after', { after: decodeTenantCursor('after', after) });
    if (visible !== 'ALL') {
      const ids = [...visible].filter(isTenantId);
      if (ids.length === 0) return { tenants: [], hasNextPage: false };
      query.andWhere('t.id IN (:...ids)', { ids });
    }
    const rows = await query.getMany();
    return { tenants: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  async update(id: string, input: UpdateTenantFields): Promise<Tenant> {
    const changes = validateUpdate(input);
    const tenant = await this.require(id);
    if (tenant.status === TenantStatus.DISCONNECTED) {
      throw invalidInput('id', `tenant ${id} is DISCONNECTED: it can no longer be changed`);
    }
    return this.deps.dataSource.getRepository(Tenant).save(Object.assign(tenant, changes));
  }

  /** A fresh consent URL: asks for every permission the features need (covers missing scopes and lost consent). */
  async reconsentUrl(tenant: Tenant, returnUrl: string, createdBy: string): Promise<string> {
    const checked = validReturnUrl('returnUrl', returnUrl, this.deps.rules.allowedReturnOrigins);
    if (tenant.status === TenantStatus.DISCONNECTED) {
      throw invalidInput('id', `tenant ${tenant.id} is DISCONNECTED: connect it again with connectTenant`);
    }
    return this.requireConsent().consentUrl(tenant, { returnUrl: checked, createdBy });
  }

  /**
   * A consent URL whose callback returns to one of the gateway's own pages (the hosted portal): `returnUrl` is
   * built by the gateway from PUBLIC_URL, so it is not held to ALLOWED_RETURN_ORIGINS.
   */
  async consentUrlToGatewayPage(tenant: Tenant, gatewayPage: string, createdBy: string): Promise<string> {
    if (tenant.status === TenantStatus.DISCONNECTED) {
      throw invalidInput('tenantId', `tenant ${tenant.id} is DISCONNECTED: it must be connected again by the application`);
    }
    return this.requireConsent().consentUrl(tenant, { returnUrl: gatewayPage, createdBy });
  }

  /** DISCONNECTED, with its token cache and pending consent requests deleted in the same transaction. */
  async disconnect(id: string, by: string): Promise<Tenant> {
    const current = await this.require(id);
    if (current.status === TenantStatus.DISCONNECTED) {
      throw invalidInput('id', `tenant ${id} is already DISCONNECTED`);
    }
    return this.deps.dataSource.transaction(async (manager) => {
      const tenant = await applyTenantEventIn(manager, id, 'DISCONNECT', `disconnected by ${by}`);
      await manager.delete(TenantTokenCache, { tenantId: id });
      await this.deps.states.deleteForTenant(id, manager);
      return tenant;
    });
  }

  history(tenantId: string): Promise<TenantStatusChange[]> {
    return this.deps.dataSource.getRepository(TenantStatusChange).find({ where: { tenantId }, order: { at: 'ASC', id: 'ASC' } });
  }

  private async require(id: string): Promise<Tenant> {
    const tenant = await this.get(id);
    if (!tenant) throw new GatewayError(ErrorCode.NOT_FOUND, `tenant ${id}: expected an existing tenant, found none`);
    return tenant;
  }

  private requireConsent(): ConsentRequests {
    if (!this.deps.consent) {
      throw new GatewayError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        'no Entra app registration is configured (ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET): tenants cannot be consented',
      );
    }
    return this.deps.consent;
  }
}
