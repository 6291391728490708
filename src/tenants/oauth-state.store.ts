/**
 * The `state` of a consent request: a random value handed to Microsoft and back, stored only as its SHA-256,
 * single-use and expiring. Consumption is one conditional UPDATE, so of two concurrent callbacks carrying the
 * same state exactly one wins.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Encryptor } from '../identity';
import type { AuthMode } from './features';
import { OAuthState } from './oauth-state.entity';

/** Microsoft's authorization codes live about ten minutes; a consent request need not outlive them. */
export const OAUTH_STATE_TTL_SECONDS = 600;

/** Used and expired requests are kept a day (who asked, for which tenant), then dropped at the next save. */
const KEEP_EXPIRED_SECONDS = 86_400;

const STATE_VALUE = /^[A-Za-z0-9_-]{43}$/;

export interface NewConsentRequest {
  tenantId: string;
  flow: AuthMode;
  /** The PKCE verifier (delegated flow only). */
  codeVerifier: string | null;
  redirectUri: string;
  returnUrl: string;
  createdBy: string;
}

/** A consumed consent request, verifier decrypted. */
export interface ConsentRequest extends NewConsentRequest {
  id: string;
}

/** 256 random bits, base64url: what goes into the consent URL's `state`. */
export function newStateValue(): string {
  return randomBytes(32).toString('base64url');
}

export function stateId(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

const verifierAad = (id: string) => `oauth-state:${id}`;

export class OAuthStateStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly encryptor: Encryptor,
    private readonly ttlSeconds = OAUTH_STATE_TTL_SECONDS,
  ) {}

  async save(stateValue: string, request: NewConsentRequest, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const id = stateId(stateValue);
    const codeVerifier = request.codeVerifier === null ? null : this.encryptor.encrypt(request.codeVerifier, verifierAad(id));
    // The database's clock decides expiry, both here and in consume(): gateway instances' clocks may differ.
    await manager.query(
      `INSERT INTO oauth_states (id, tenant_id, flow, code_verifier, redirect_uri, return_url, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))`,
      [id, request.tenantId, request.flow, codeVerifier, request.redirectUri, request.returnUrl, request.createdBy, this.ttlSeconds],
    );
    await manager.query(`DELETE FROM oauth_states WHERE expires_at < now() - make_interval(secs => $1)`, [KEEP_EXPIRED_SECONDS]);
  }

  /**
   * The request behind `stateValue` if it exists for `flow`, is unexpired and unused. This one UPDATE uses it up
   * and clears its verifier (returned from the row's previous version): a second caller finds consumed_at set.
   */
  async consume(stateValue: string, flow: AuthMode): Promise<ConsentRequest | null> {
    if (!STATE_VALUE.test(stateValue)) return null;
    const [rows] = (await this.dataSource.query(
      `UPDATE oauth_states AS s SET consumed_at = now(), code_verifier = NULL
         FROM oauth_states AS previous
        WHERE s.id = $1 AND previous.id = s.id AND s.flow = $2 AND s.consumed_at IS NULL AND s.expires_at > now()
        RETURNING s.id, s.tenant_id, s.flow, previous.code_verifier, s.redirect_uri, s.return_url, s.created_by`,
      [stateId(stateValue), flow],
    )) as [Array<Record<string, string | null>>, number];
    const row = rows[0];
    if (!row) return null;
    const id = row.id as string;
    return {
      id,
      tenantId: row.tenant_id as string,
      flow: row.flow as AuthMode,
      codeVerifier: row.code_verifier === null ? null : this.encryptor.decrypt(row.code_verifier as string, verifierAad(id)),
      redirectUri: row.redirect_uri as string,
      returnUrl: row.return_url as string,
      createdBy: row.created_by as string,
    };
  }

  /** Drops a tenant's pending requests (disconnect): their callbacks then find nothing. */
  async deleteForTenant(tenantId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.delete(OAuthState, { tenantId });
  }
}
