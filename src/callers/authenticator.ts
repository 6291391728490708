/**
 * Turns a presented credential into a principal: the bootstrap admin key from configuration, an API key
 * (`egk_...`), or a JWT from the product. Anything presented that is none of these is rejected, never ignored.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../logging';
import type { ApiKeyService } from './api-key.service';
import { parseApiKey } from './api-key-secret';
import type { PresentedCredential } from './credentials';
import { looksLikeJwt, type JwtVerifier } from './jwt';
import { ALL_SCOPES, type Principal } from '../core/auth/principal';

export type Authentication =
  | { outcome: 'anonymous' }
  | { outcome: 'rejected' }
  | { outcome: 'authenticated'; principal: Principal };

export interface AuthenticatorDeps {
  apiKeys: ApiKeyService;
  /** ADMIN_API_KEY: every scope, every tenant. */
  bootstrapKey: string | null;
  jwt: JwtVerifier | null;
  logger: Logger;
}

const BOOTSTRAP: Principal = { kind: 'bootstrap', id: 'bootstrap', scopes: new Set(ALL_SCOPES), tenants: 'ALL' };

/** Constant-time whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

export class Authenticator {
  constructor(private readonly deps: AuthenticatorDeps) {}

  async authenticate(credential: PresentedCredential): Promise<Authentication> {
    if (credential.kind === 'none') return { outcome: 'anonymous' };
    if (credential.kind === 'unusable') {
      this.deps.logger.debug({ reason: credential.reason }, 'credential refused');
      return { outcome: 'rejected' };
    }
    const principal = await this.principalFor(credential.secret);
    return principal ? { outcome: 'authenticated', principal } : { outcome: 'rejected' };
  }

  private async principalFor(secret: string): Promise<Principal | null> {
    const { apiKeys, bootstrapKey, jwt } = this.deps;
    if (bootstrapKey !== null && sameSecret(secret, bootstrapKey)) return BOOTSTRAP;
    if (parseApiKey(secret)) return apiKeys.authenticate(secret);
    if (jwt && looksLikeJwt(secret)) return jwt.verify(secret);
    return null;
  }
}

/** HTTP has no connection to refuse: a rejected credential leaves the request anonymous (fields answer UNAUTHENTICATED). */
export function principalOf(authentication: Authentication): Principal | null {
  return authentication.outcome === 'authenticated' ? authentication.principal : null;
}
