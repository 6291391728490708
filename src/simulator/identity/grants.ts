/**
 * What the identity platform remembers between requests: pending consent-page transactions, authorization
 * codes and refresh tokens. All three are opaque random handles to server-side records (nothing in them can
 * be decoded or forged), timed by the simulator's clock so tests can age them with ctx.advanceClock.
 */
import { randomBytes } from 'node:crypto';

/** Entra: authorization codes live about 10 minutes. */
export const CODE_LIFETIME_MS = 10 * 60 * 1000;
/** Expired codes are remembered this long, so a late redemption is told "expired" (70008), not "invalid". */
const CODE_RETENTION_MS = 6 * CODE_LIFETIME_MS;
/** A consent page left open longer than this must be started again. */
export const TRANSACTION_LIFETIME_MS = 15 * 60 * 1000;
/** Entra: refresh tokens die after 90 days without use (AADSTS700082). */
export const REFRESH_IDLE_DAYS = 90;
export const REFRESH_IDLE_MS = REFRESH_IDLE_DAYS * 24 * 60 * 60 * 1000;
/**
 * Stricter than Entra (which keeps a replaced refresh token valid until it expires): a rotated refresh token
 * stays usable for 30 s only, long enough for concurrent refreshes by several gateway instances that read
 * the same stored token, short enough that a client which forgets to store the new token fails in tests.
 */
export const REFRESH_ROTATION_GRACE_MS = 30 * 1000;

export interface PendingAuthorization {
  kind: 'authorize';
  clientId: string;
  redirectUri: string;
  /** The {tenant} path segment the flow started on (GUID, domain, organizations or common). */
  tenantSegment: string;
  scopes: string[];
  codeChallenge: string;
  state?: string;
  nonce?: string;
  loginHint?: string;
  createdAt: number;
}

export interface PendingAdminConsent {
  kind: 'adminconsent';
  clientId: string;
  redirectUri: string;
  tenantSegment: string;
  /** The scope parameter as sent; echoed back on success. */
  rawScope: string;
  applicationPermissions: boolean;
  delegatedScopes: string[];
  state?: string;
  loginHint?: string;
  createdAt: number;
}

export type PendingTransaction = PendingAuthorization | PendingAdminConsent;

export interface AuthorizationCodeRecord {
  clientId: string;
  tenantId: string;
  userId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string;
  nonce?: string;
  issuedAt: number;
  redeemed: boolean;
}

export interface RefreshTokenRecord {
  clientId: string;
  tenantId: string;
  userId: string;
  scopes: string[];
  /** ConsentRecord.generation when issued: a revocation since then kills the token. */
  consentGeneration: number;
  /** Refresh tokens are replaced on every use, so issue time is also the chain's last use. */
  issuedAt: number;
  /** When it was exchanged for a successor; it then lives REFRESH_ROTATION_GRACE_MS longer. */
  rotatedAt?: number;
}

function opaqueHandle(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export class IdentityGrants {
  private readonly transactions = new Map<string, PendingTransaction>();
  private readonly codes = new Map<string, AuthorizationCodeRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();

  constructor(private readonly now: () => number) {}

  openTransaction(pending: PendingTransaction): string {
    this.sweep();
    const id = opaqueHandle(24);
    this.transactions.set(id, pending);
    return id;
  }

  /** The transaction stays open (a failed sign-in shows the page again) until closeTransaction. */
  findTransaction(id: string): PendingTransaction | undefined {
    const pending = this.transactions.get(id);
    if (!pending || this.now() - pending.createdAt > TRANSACTION_LIFETIME_MS) return undefined;
    return pending;
  }

  closeTransaction(id: string): void {
    this.transactions.delete(id);
  }

  issueCode(record: Omit<AuthorizationCodeRecord, 'issuedAt' | 'redeemed'>): string {
    this.sweep();
    const code = opaqueHandle(48);
    this.codes.set(code, { ...record, issuedAt: this.now(), redeemed: false });
    return code;
  }

  /** Redeemed codes are kept (for CODE_RETENTION_MS) so that a second redemption is told apart from garbage. */
  findCode(code: string): AuthorizationCodeRecord | undefined {
    return this.codes.get(code);
  }

  issueRefreshToken(record: Omit<RefreshTokenRecord, 'issuedAt' | 'rotatedAt'>): string {
    this.sweep();
    const token = opaqueHandle(64);
    this.refreshTokens.set(token, { ...record, issuedAt: this.now() });
    return token;
  }

  findRefreshToken(token: string): RefreshTokenRecord | undefined {
    return this.refreshTokens.get(token);
  }

  /** The refresh tokens still usable, for a snapshot (persistence.ts). */
  exportRefreshTokens(): Array<[string, RefreshTokenRecord]> {
    this.sweep();
    return [...this.refreshTokens.entries()];
  }

  restoreRefreshTokens(entries: Iterable<[string, RefreshTokenRecord]>): void {
    for (const [token, record] of entries) this.refreshTokens.set(token, record);
  }

  /** Drops what can no longer be used: expired transactions and codes, rotated tokens past their grace. */
  private sweep(): void {
    const now = this.now();
    for (const [id, t] of this.transactions) if (now - t.createdAt > TRANSACTION_LIFETIME_MS) this.transactions.delete(id);
    for (const [id, c] of this.codes) if (now - c.issuedAt > CODE_RETENTION_MS) this.codes.delete(id);
    for (const [id, r] of this.refreshTokens) {
      if (r.rotatedAt !== undefined && now - r.rotatedAt > REFRESH_ROTATION_GRACE_MS) this.refreshTokens.delete(id);
    }
  }
}
