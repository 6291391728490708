/**
 * Access tokens the simulator's identity platform mints and its Graph endpoints accept: RS256 JWTs signed
 * with the context's key (published at /{tenant}/discovery/v2.0/keys).
 *
 * Claims: iss `${baseUrl}/${tid}/v2.0`, aud `https://graph.microsoft.com`, tid, oid (the signed-in user for
 * delegated tokens, the client's service principal in the tenant for application tokens), azp/appid (client
 * id), scp (space-separated delegated scopes) XOR roles (application permissions), iat, nbf, exp, ver "2.0".
 */
import { SignJWT, jwtVerify, exportJWK, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import type { SimulatorContext } from './context';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';

export interface AccessTokenClaims {
  tid: string;
  oid: string;
  appid: string;
  scp?: string;
  roles?: string[];
  iat: number;
  exp: number;
}

export async function mintAccessToken(
  ctx: SimulatorContext,
  claims: { tid: string; oid: string; appid: string; scp?: string[]; roles?: string[]; lifetimeSeconds?: number },
): Promise<{ token: string; expiresIn: number }> {
  const now = Math.floor(ctx.now() / 1000);
  const expiresIn = claims.lifetimeSeconds ?? ctx.settings.accessTokenLifetimeSeconds;
  const payload: Record<string, unknown> = {
    tid: claims.tid,
    oid: claims.oid,
    sub: claims.oid,
    azp: claims.appid,
    appid: claims.appid,
    ver: '2.0',
    uti: randomUUID(),
  };
  if (claims.scp) payload.scp = claims.scp.join(' ');
  if (claims.roles) payload.roles = claims.roles;
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: ctx.signingKey.kid })
    .setIssuer(`${ctx.settings.baseUrl}/${claims.tid}/v2.0`)
    .setAudience(GRAPH_AUDIENCE)
    .setIssuedAt(now)
    .setNotBefore(now - 300)
    .setExpirationTime(now + expiresIn)
    .sign(ctx.signingKey.privateKey);
  return { token, expiresIn };
}

/** Verifies signature, audience and expiry (against the simulator's clock). Throws on any failure. */
export async function verifyAccessToken(ctx: SimulatorContext, token: string): Promise<AccessTokenClaims> {
  const { payload } = await jwtVerify(token, ctx.signingKey.publicKey, {
    audience: GRAPH_AUDIENCE,
    algorithms: ['RS256'],
    currentDate: new Date(ctx.now()),
  });
  if (typeof payload.tid !== 'string' || typeof payload.oid !== 'string' || typeof payload.appid !== 'string') {
    throw new Error('token lacks tid, oid or appid');
  }
  return payload as unknown as AccessTokenClaims;
}

export async function publicJwk(ctx: SimulatorContext): Promise<JWK> {
  const jwk = await exportJWK(ctx.signingKey.publicKey);
  return { ...jwk, kid: ctx.signingKey.kid, use: 'sig', alg: 'RS256' };
}
