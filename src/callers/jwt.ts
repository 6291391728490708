/**
 * Bearer tokens the product issues to its frontends: signature (RS256 or ES256 only, from a JWKS or one public
 * key), issuer, audience, exp/nbf with a small clock tolerance. The claims then become a Principal.
 */
import { createPublicKey } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { JwtConfig } from '../config';
import type { Logger } from '../logging';
import { ALL_SCOPES, ApiScope, type Principal } from '../core/auth/principal';

export const JWT_ALGORITHMS = ['RS256', 'ES256'];
export const JWT_CLOCK_TOLERANCE_SECONDS = 30;
export const ALL_TENANTS_CLAIM_VALUE = '*';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Three base64url segments: worth verifying as a JWT (anything else is not one). */
export function looksLikeJwt(credential: string): boolean {
  return COMPACT_JWS.test(credential);
}

export interface JwtVerifier {
  /** The token's principal, or null when it is not acceptable (the reason is logged, never the token). */
  verify(token: string): Promise<Principal | null>;
}

export function createJwtVerifier(config: JwtConfig, logger: Logger): JwtVerifier {
  const options: JWTVerifyOptions = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: JWT_ALGORITHMS,
    clockTolerance: JWT_CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['exp', 'sub'],
  };
  const verifyToken = verifierFor(config.key);
  return {
    async verify(token) {
      try {
        return principalFromClaims(await verifyToken(token, options), config);
      } catch (error) {
        // A JWKS that cannot be fetched is our problem, not the caller's: it deserves a warning.
        const unreachable = error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError);
        // jose's codes and messages name the check that failed (`unexpected "iss" claim value`), never the token.
        const reason = error instanceof errors.JOSEError ? error.code : 'ERR_UNEXPECTED';
        const detail = error instanceof Error ? error.message : String(error);
        if (unreachable) logger.warn({ reason, detail }, 'JWT refused: the signing keys could not be obtained');
        else logger.debug({ reason, detail }, 'JWT refused');
        return null;
      }
    },
  };
}

function verifierFor(key: JwtConfig['key']): (token: string, options: JWTVerifyOptions) => Promise<JWTPayload> {
  if ('jwksUrl' in key) {
    // Fetched on first use, cached, refetched (rate-limited) when a token names an unknown key id.
    const jwks = createRemoteJWKSet(new URL(key.jwksUrl));
    return async (token, options) => (await jwtVerify(token, jwks, options)).payload;
  }
  const publicKey = createPublicKey(key.publicKeyPem);
  return async (token, options) => (await jwtVerify(token, publicKey, options)).payload;
}

/** Pure: the principal a verified token's claims describe. Unknown scope names are ignored (not ours). */
export function principalFromClaims(payload: JWTPayload, config: Pick<JwtConfig, 'tenantsClaim' | 'scopesClaim'>): Principal {
  const rawScopes = payload[config.scopesClaim];
  const scopeNames = typeof rawScopes === 'string' ? rawScopes.split(' ') : Array.isArray(rawScopes) ? rawScopes : [];
  const known = new Set<string>(ALL_SCOPES);
  const rawTenants = payload[config.tenantsClaim];
  return {
    kind: 'jwt',
    id: payload.sub!,
    scopes: new Set(scopeNames.filter((name): name is ApiScope => typeof name === 'string' && known.has(name))),
    tenants:
      rawTenants === ALL_TENANTS_CLAIM_VALUE
        ? 'ALL'
        : new Set(Array.isArray(rawTenants) ? rawTenants.filter((id): id is string => typeof id === 'string').map((id) => id.toLowerCase()) : []),
  };
}
