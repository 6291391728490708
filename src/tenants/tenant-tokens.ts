/**
 * The one way the rest of the gateway gets a Graph access token for a tenant. A token failure that needs the
 * customer (the invalid_grant family, a removed app) moves the tenant to RECONSENT_REQUIRED, recorded with its
 * AADSTS code, and surfaces as RECONSENT_REQUIRED; transient failures change no status.
 */
import type { DataSource } from 'typeorm';
import {
  ReconsentRequiredError,
  TransientIdentityError,
  type AccessToken,
  type GetAccessTokenOptions,
  type TokenProvider,
  type TokenTenant,
} from '../identity';
import type { Logger } from '../logging';
import { ErrorCode, GatewayError } from '../core/errors';
import { TenantStatus } from './status';
import { isTenantId } from './tenant-input';
import { applyTenantEvent } from './tenant-lifecycle';
import { Tenant } from './tenant.entity';

const USABLE: ReadonlySet<string> = new Set([TenantStatus.ACTIVE, TenantStatus.RECONSENT_REQUIRED]);

export const RECONSENT_HINT = 'an administrator of the tenant must consent again: send them to Tenant.reconsentUrl';

/** The provider's view of a stored tenant. */
export function tokenTenant(tenant: Tenant): TokenTenant {
  if (!tenant.entraTenantId) throw new Error(`tenant ${tenant.id}: expected an Entra tenant id, got none (not consented yet)`);
  return {
    id: tenant.id,
    entraTenantId: tenant.entraTenantId,
    authMode: tenant.authMode,
    cloud: tenant.cloud,
    grantedScopes: tenant.grantedScopes,
  };
}

export class TenantTokens {
  /**
   * `tenantOf`: the tenant's record as of at most an invalidation's delay ago (TenantService.getCached), so a
   * Graph call costs no SQL for it; default a read of the row. A status change made here (consent lost or back)
   * is decided on the row itself, locked (applyTenantEvent), never on the cached record.
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: TokenProvider | null,
    private readonly logger: Logger,
    private readonly tenantOf: (tenantId: string) => Promise<Tenant | null> = (id) => dataSource.getRepository(Tenant).findOneBy({ id }),
  ) {}

  /**
   * A token for `tenantId`. Tried for ACTIVE and RECONSENT_REQUIRED tenants alike (consent may have been
   * restored on Microsoft's side); a success for a RECONSENT_REQUIRED tenant makes it ACTIVE again.
   * `forceRefresh` asks the identity platform even when a cached token would do (TokenProvider.getAccessToken).
   */
  async getAccessToken(tenantId: string, options?: GetAccessTokenOptions): Promise<AccessToken> {
    const tenant = isTenantId(tenantId) ? await this.tenantOf(tenantId) : null;
    if (!tenant) throw new GatewayError(ErrorCode.NOT_FOUND, `tenant ${tenantId}: expected an existing tenant, found none`);
    if (!USABLE.has(tenant.status)) {
      throw new GatewayError(
        tenant.status === TenantStatus.PENDING_CONSENT ? ErrorCode.RECONSENT_REQUIRED : ErrorCode.NOT_FOUND,
        `tenant ${tenantId} is ${tenant.status}: it has no consent to use`,
        { tenantId },
      );
    }
    if (!this.tokens) {
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'no Entra app registration is configured (ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET)');
    }
    try {
      const token = await this.tokens.getAccessToken(tokenTenant(tenant), undefined, options);
      if (tenant.status === TenantStatus.RECONSENT_REQUIRED) {
        await applyTenantEvent(this.dataSource, tenant.id, 'CONSENT_GRANTED', 'a token request succeeded again');
      }
      return token;
    } catch (err) {
      throw await this.translate(tenant, err);
    }
  }

  private async translate(tenant: Tenant, err: unknown): Promise<unknown> {
    if (err instanceof ReconsentRequiredError) {
      const reason = `${err.aadsts === undefined ? '' : `AADSTS${err.aadsts}: `}${err.reason}`;
      await applyTenantEvent(this.dataSource, tenant.id, 'CONSENT_LOST', reason);
      this.logger.warn({ tenantId: tenant.id, aadsts: err.aadsts, reason: err.reason }, 'tenant needs consent again');
      return new GatewayError(ErrorCode.RECONSENT_REQUIRED, `tenant ${tenant.id} needs consent again (${reason}): ${RECONSENT_HINT}`, {
        tenantId: tenant.id,
        ...(err.aadsts === undefined ? {} : { aadsts: err.aadsts }),
      });
    }
    if (err instanceof TransientIdentityError) {
      return new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `tenant ${tenant.id}: ${err.message}`, { tenantId: tenant.id });
    }
    return err;
  }
}
