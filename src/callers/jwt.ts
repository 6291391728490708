/**
 * Bearer tokens the product issues to its frontends: signature (RS256 or ES256 only, from a JWKS or one public
 * key), issuer, audience, exp/nbf with a small clock tolerance. The claims then become a Principal.
 *
 * A verified token is cached in process (bounded, least recently used first) by the SHA-256 of the whole token
 * until its expiry, so a frontend's repeated calls cost one signature check, not one per request. A token's
 * meaning cannot change while it lives (its claims are signed), so the cache needs no invalidation.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { JwtConfig } from '../config';
import type { Logger } from '../logging';
import { ALL_SCOPES, ApiScope, type CredentialProblem, type Principal } from '../core/auth/principal';
import { BoundedCache } from '../core/invalidation';

export const JWT_ALGORITHMS = ['RS256', 'ES256'];
export const JWT_CLOCK_TOLERANCE_SECONDS = 30;
export const ALL_TENANTS_CLAIM_VALUE = '*';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Three base64url segments: worth verifying as a JWT (anything else is not one). */
export function looksLikeJwt(credential: string): boolean {
  return COMPACT_JWS.test(credential);
}

export type JwtCheck =
  | { ok: true; principal: Principal; expiresAt: Date }
  | { ok: false; problem: Extract<CredentialProblem, 'malformed' | 'unknown' | 'expired'> };

export interface JwtVerifier {
  /** The token's principal, or null when it is not acceptable (the reason is logged, never the token). */
  verify(token: string): Promise<Principal | null>;
  /** The principal and the token's expiry, or which kind of problem the token has. */
  check(token: string): Promise<JwtCheck>;
}

export const JWT_CACHE_SIZE = 10_000;

/** Pure: the kind of problem a jose error code means to the caller. */
export function jwtProblem(code: string): Extract<CredentialProblem, 'malformed' | 'unknown' | 'expired'> {
  if (code === 'ERR_JWT_EXPIRED') return 'expired';
  if (code === 'ERR_JWS_INVALID' || code === 'ERR_JWT_INVALID') return 'malformed';
  // A signature, issuer, audience or key this gateway does not accept.
  return 'unknown';
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
  const verified = new BoundedCache<string, { principal: Principal; expiresAt: Date }>(JWT_CACHE_SIZE);
  const check = async (token: string): Promise<JwtCheck> => {
    const digest = createHash('sha256').update(token, 'utf8').digest('base64url');
    const hit = verified.get(digest);
    // jose accepts a token until exp + the tolerance: the cache keeps to the same rule.
    if (hit && Date.now() < hit.expiresAt.getTime() + JWT_CLOCK_TOLERANCE_SECONDS * 1000) return { ok: true, ...hit };
    if (hit) verified.delete(digest);
    try {
      const payload = await verifyToken(token, options);
      const entry = { principal: principalFromClaims(payload, config), expiresAt: new Date(payload.exp! * 1000) };
      verified.set(digest, entry);
      return { ok: true, ...entry };
    } catch (error) {
      // A JWKS that cannot be fetched is our problem, not the caller's: it deserves a warning.
      const unreachable = error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError);
      // jose's codes and messages name the check that failed (`unexpected "iss" claim value`), never the token.
      const reason = error instanceof errors.JOSEError ? error.code : 'ERR_UNEXPECTED';
      const detail = error instanceof Error ? error.message : String(error);
      if (unreachable) logger.warn({ reason, detail }, 'JWT refused: the signing keys could not be obtained');
      else logger.debug({ reason, detail }, 'JWT refused');
      return { ok: false, problem: jwtProblem(reason) };
    }
  };
  return {
    check,
    async verify(token) {
      const result = await check(token);
      return result.ok ? result.principal : null;
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
