/**
 * The hosted portal's storage: links (createLink stores only the token's hash) and sessions (open exchanges a
 * link for one, atomically, once; sessionFor finds a session by its cookie's secret). Every session opened is
 * audited with the session as principal.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../config';
import { ErrorCode, GatewayError } from '../core/errors';
import type { PortalStep, Principal } from '../core/auth/principal';
import { credentialRefusal, type CredentialRefusal } from '../core/auth/principal';
import type { ProvisioningService } from '../provisioning/provisioning.service';
import { checkReturnUrl } from '../tenants/return-url';
import type { TenantService } from '../tenants/tenant.service';
import {
  csrfMatches,
  CSRF_HEADER,
  hashSecret,
  linkRefusal,
  looksLikeSecret,
  newSecret,
  normaliseSteps,
  readCookie,
  scopesForSteps,
  sessionCookieName,
  type LinkRefusal,
} from './portal-decisions';

export const PORTAL_PATH = '/portal';

export interface PortalLink {
  id: string;
  tenantId: string;
  url: string;
  steps: PortalStep[];
  expiresAt: Date;
}

export interface PortalSession {
  id: string;
  tenantId: string;
  steps: PortalStep[];
  returnUrl: string;
  expiresAt: Date;
}

export type OpenOutcome = { ok: true; secret: string; session: PortalSession } | { ok: false; refusal: LinkRefusal };

/** A request's portal session: none presented, refused (with why), or a principal. */
export type PortalAuthentication = { kind: 'none' } | { kind: 'refused'; refusal: CredentialRefusal } | { kind: 'session'; principal: Principal; session: PortalSession };

export interface LinkRequest {
  steps: readonly PortalStep[];
  returnUrl: string;
  /** Shorter than the configured lifetime only. */
  expiresInSeconds?: number | null;
  createdBy: string;
}

interface SessionRow {
  tenant_id: string;
  id: string;
  steps: PortalStep[];
  return_url: string;
  expires_at: Date;
}

const badInput = (field: string, message: string) => new GatewayError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { field });

export class PortalService {
  constructor(
    private readonly deps: { dataSource: DataSource; config: Readonly<Config>; tenants: TenantService; provisioning: ProvisioningService },
  ) {}

  get publicUrl(): string {
    return this.deps.config.server.publicUrl;
  }

  /** The link's checks, before anything is stored: the steps, the returnUrl's origin, the lifetime. */
  validate(request: LinkRequest): { steps: PortalStep[]; returnUrl: string; ttlSeconds: number } {
    const steps = normaliseSteps(request.steps);
    if ('problem' in steps) throw badInput('input.steps', steps.problem);
    const returnUrl = checkReturnUrl(request.returnUrl, this.deps.config.server.allowedReturnOrigins);
    if (!returnUrl.ok) throw badInput('input.returnUrl', returnUrl.reason);
    const max = this.deps.config.portal.linkTtlSeconds;
    const ttl = request.expiresInSeconds ?? max;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > max) throw badInput('input.expiresInSeconds', `expected an integer from 1 to ${max} (PORTAL_LINK_TTL_SECONDS), got ${ttl}`);
    return { steps, returnUrl: returnUrl.url, ttlSeconds: ttl };
  }

  /** A link for an existing tenant; the token appears in the returned URL only. */
  async createLink(tenantId: string, request: LinkRequest, manager?: EntityManager): Promise<PortalLink> {
    const valid = this.validate(request);
    if (!manager) {
      const tenant = await this.deps.tenants.get(tenantId);
      if (!tenant) throw new GatewayError(ErrorCode.NOT_FOUND, `tenant ${tenantId}: expected an existing tenant, found none`, { tenantId });
      if (tenant.status === 'DISCONNECTED') throw badInput('tenantId', `tenant ${tenantId} is DISCONNECTED: connect it again first`);
    }
    const token = newSecret();
    const rows: Array<{ id: string; expires_at: Date }> = await (manager ?? this.deps.dataSource).query(
      `INSERT INTO portal_links (tenant_id, token_hash, steps, return_url, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING id, expires_at`,
      [tenantId, hashSecret(token), valid.steps, valid.returnUrl, request.createdBy, valid.ttlSeconds],
    );
    const url = new URL(`${this.publicUrl}${PORTAL_PATH}/open`);
    url.searchParams.set('tenant', tenantId);
    url.searchParams.set('token', token);
    return { id: rows[0].id, tenantId, url: url.toString(), steps: valid.steps, expiresAt: rows[0].expires_at };
  }

  /**
   * Exchanges a link for a session, once: the claim is one UPDATE (unused and unexpired), so two browsers opening
   * one link cannot both succeed. A refusal says why in words for the person holding the link.
   */
  async open(tenantInUrl: string, token: string, requestId: string | null): Promise<OpenOutcome> {
    const now = new Date();
    const found: Array<{ tenant_id: string; id: string; expires_at: Date; used_at: Date | null; steps: PortalStep[]; return_url: string }> = looksLikeSecret(token)
      ? await this.deps.dataSource.query(`SELECT tenant_id, id, expires_at, used_at, steps, return_url FROM portal_links WHERE token_hash = $1`, [hashSecret(token)])
      : [];
    const link = found[0] ?? null;
    const refusal = linkRefusal(link && { tenantId: link.tenant_id, expiresAt: link.expires_at, usedAt: link.used_at }, tenantInUrl, now);
    if (refusal || !link) return { ok: false, refusal: refusal! };
    const secret = newSecret();
    const session = await this.deps.dataSource.transaction(async (manager) => {
      const claimed: unknown[] = await manager.query(
        `UPDATE portal_links SET used_at = now() WHERE tenant_id = $1 AND id = $2 AND used_at IS NULL AND expires_at > now() RETURNING id`,
        [link.tenant_id, link.id],
      );
      if (claimed.length === 0) return null;
      const rows: SessionRow[] = await manager.query(
        `INSERT INTO portal_sessions (tenant_id, link_id, secret_hash, steps, return_url, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING tenant_id, id, steps, return_url, expires_at`,
        [link.tenant_id, link.id, hashSecret(secret), link.steps, link.return_url, this.deps.config.portal.sessionTtlSeconds],
      );
      return toSession(rows[0]);
    });
    if (!session) {
      // Another request claimed it (or it expired) between the read and the claim.
      return { ok: false, refusal: linkRefusal({ tenantId: link.tenant_id, expiresAt: link.expires_at, usedAt: new Date() }, tenantInUrl, new Date())! };
    }
    // Links (and, through the foreign key, their sessions) a day past their expiry go, a tenant at a time.
    await this.deps.dataSource.query(
      `DELETE FROM portal_links l WHERE l.tenant_id = $1 AND l.expires_at < now() - interval '1 day'
         AND NOT EXISTS (SELECT 1 FROM portal_sessions s WHERE s.tenant_id = l.tenant_id AND s.link_id = l.id AND s.expires_at > now() - interval '1 day')`,
      [session.tenantId],
    );
    await this.deps.provisioning.audit([
      { tenantId: session.tenantId, principal: `portal:${session.id}`, operation: 'OPEN_PORTAL_SESSION', target: `portal-link:${link.id}`, result: 'SUCCESS', requestId },
    ]);
    return { ok: true, secret, session };
  }

  /** The session behind a cookie's secret; null when unknown or expired. */
  async sessionFor(secret: string): Promise<PortalSession | null> {
    if (!looksLikeSecret(secret)) return null;
    const rows: SessionRow[] = await this.deps.dataSource.query(
      `SELECT tenant_id, id, steps, return_url, expires_at FROM portal_sessions WHERE secret_hash = $1 AND expires_at > now()`,
      [hashSecret(secret)],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  /** A live session by id (the portal principal's id). */
  async sessionById(id: string): Promise<PortalSession | null> {
    const rows: SessionRow[] = await this.deps.dataSource.query(
      `SELECT tenant_id, id, steps, return_url, expires_at FROM portal_sessions WHERE id = $1 AND expires_at > now()`,
      [id],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  /** The session cookie's secret in a request's Cookie header, if any. */
  secretIn(cookieHeader: string | undefined): string | undefined {
    return readCookie(cookieHeader, sessionCookieName(this.deps.config.portal.secureCookies));
  }

  /**
   * A GraphQL request's portal session. The cookie alone is not enough: the request must carry the page's CSRF
   * token (x-portal-csrf), which another site can neither read nor send without a preflight the CORS list refuses.
   */
  async authenticate(headers: { cookie?: string; [CSRF_HEADER]?: string | string[] }): Promise<PortalAuthentication> {
    const secret = this.secretIn(headers.cookie);
    if (secret === undefined) return { kind: 'none' };
    if (!csrfMatches(secret, headers[CSRF_HEADER])) {
      return { kind: 'refused', refusal: credentialRefusal('malformed', `a portal session needs the ${CSRF_HEADER} header its page holds`) };
    }
    const session = await this.sessionFor(secret);
    if (!session) return { kind: 'refused', refusal: { problem: 'expired', message: 'the portal session has ended or is unknown: ask the application for a new link' } };
    return { kind: 'session', session, principal: portalPrincipal(session) };
  }
}

export function portalPrincipal(session: PortalSession): Principal {
  const steps = new Set(session.steps);
  return { kind: 'portal', id: session.id, scopes: scopesForSteps(steps), tenants: new Set([session.tenantId]), portalSteps: steps };
}

function toSession(row: SessionRow): PortalSession {
  return { id: row.id, tenantId: row.tenant_id, steps: row.steps, returnUrl: row.return_url, expiresAt: row.expires_at };
}
