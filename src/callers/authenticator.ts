/**
 * Turns a presented credential into a principal: the bootstrap admin key from configuration, an API key
 * (`egk_...`), or a JWT from the product. Anything presented that is none of these is rejected, never ignored,
 * and a rejection says which kind of problem it was (core/auth/principal.ts, credentialRefusal) and no more.
 * Verified API keys and JWTs are cached by their services; `watch` lets a long-lived connection learn when its
 * credential stops being valid (a key revoked or its rights changed anywhere, a token reaching its expiry).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../logging';
import type { ApiKeyService } from './api-key.service';
import { parseApiKey } from './api-key-secret';
import type { PresentedCredential } from './credentials';
import { looksLikeJwt, type JwtVerifier } from './jwt';
import { ALL_SCOPES, credentialRefusal, type CredentialRefusal, type Principal } from '../core/auth/principal';

export type Authentication =
  | { outcome: 'anonymous'; refusal: CredentialRefusal }
  | { outcome: 'rejected'; refusal: CredentialRefusal }
  /** expiresAt: when the credential stops being valid by itself (a JWT's exp); null for keys. */
  | { outcome: 'authenticated'; principal: Principal; expiresAt: Date | null };

export interface AuthenticatorDeps {
  apiKeys: ApiKeyService;
  /** ADMIN_API_KEY: every scope, every tenant. */
  bootstrapKey: string | null;
  jwt: JwtVerifier | null;
  logger: Logger;
}

/** Why a connection's credential stopped being valid, in words for a close reason (at most 123 bytes). */
export type CredentialEnd = { problem: 'revoked' | 'expired' | 'rights-changed'; message: string };

const BOOTSTRAP: Principal = { kind: 'bootstrap', id: 'bootstrap', scopes: new Set(ALL_SCOPES), tenants: 'ALL' };
const ANONYMOUS: Authentication = { outcome: 'anonymous', refusal: credentialRefusal('missing') };
const rejected = (refusal: CredentialRefusal): Authentication => ({ outcome: 'rejected', refusal });

/** Constant-time whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** setTimeout's longest delay; a later expiry is re-armed. */
const MAX_TIMER_MS = 2_147_000_000;

export class Authenticator {
  constructor(private readonly deps: AuthenticatorDeps) {}

  async authenticate(credential: PresentedCredential): Promise<Authentication> {
    if (credential.kind === 'none') return ANONYMOUS;
    if (credential.kind === 'unusable') {
      this.deps.logger.debug({ reason: credential.reason }, 'credential refused');
      return rejected(credentialRefusal('malformed', credential.reason));
    }
    const { apiKeys, bootstrapKey, jwt } = this.deps;
    const secret = credential.secret;
    if (bootstrapKey !== null && sameSecret(secret, bootstrapKey)) return { outcome: 'authenticated', principal: BOOTSTRAP, expiresAt: null };
    if (parseApiKey(secret)) {
      const verified = await apiKeys.verify(secret);
      return verified.ok ? { outcome: 'authenticated', principal: verified.principal, expiresAt: null } : rejected(credentialRefusal(verified.problem));
    }
    if (looksLikeJwt(secret)) {
      // Shaped like a token, but no JWT is configured: nothing here could accept it.
      if (!jwt) return rejected(credentialRefusal('unknown'));
      const checked = await jwt.check(secret);
      return checked.ok ? { outcome: 'authenticated', principal: checked.principal, expiresAt: checked.expiresAt } : rejected(credentialRefusal(checked.problem));
    }
    // Our prefix, but not our shape (a truncated or mangled copy): say what the shape is.
    if (secret.startsWith('egk_')) return rejected(credentialRefusal('malformed', 'expected an API key egk_<12 characters a-z, 2-7>_<43 characters base64url>'));
    // Neither an API key nor a JWT (nor the bootstrap key, which has no fixed shape): unknown rather than
    // malformed, so that an attempt at the bootstrap key learns nothing about its shape.
    return rejected(credentialRefusal('unknown'));
  }

  /**
   * Calls `onEnd` once when an authenticated connection's credential stops being valid: at a JWT's expiry, when
   * an API key is revoked or its rights change (on any instance). Returns the function that stops watching.
   */
  watch(authentication: Extract<Authentication, { outcome: 'authenticated' }>, onEnd: (end: CredentialEnd) => void): () => void {
    const { principal, expiresAt } = authentication;
    if (principal.kind === 'api_key') {
      return this.deps.apiKeys.watch(principal, (why) =>
        onEnd(why === 'revoked' ? { problem: 'revoked', message: 'the API key was revoked' } : { problem: 'rights-changed', message: "the API key's rights changed; reconnect" }),
      );
    }
    if (!expiresAt) return () => undefined;
    let timer: NodeJS.Timeout;
    const arm = () => {
      const wait = expiresAt.getTime() - Date.now();
      timer = setTimeout(wait > MAX_TIMER_MS ? arm : () => onEnd({ problem: 'expired', message: 'the token has expired' }), Math.max(0, Math.min(wait, MAX_TIMER_MS)));
      timer.unref();
    };
    arm();
    return () => clearTimeout(timer);
  }
}

/** HTTP has no connection to refuse: a rejected credential leaves the request anonymous (fields answer UNAUTHENTICATED). */
export function principalOf(authentication: Authentication): Principal | null {
  return authentication.outcome === 'authenticated' ? authentication.principal : null;
}

/** Why a request has no principal (for its UNAUTHENTICATED answers); undefined when it has one. */
export function refusalOf(authentication: Authentication): CredentialRefusal | undefined {
  return authentication.outcome === 'authenticated' ? undefined : authentication.refusal;
}
