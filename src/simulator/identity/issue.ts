/**
 * Building successful token responses (graph-facts §9): the Graph access token (tokens.ts's format), an
 * id_token only with `openid`, a refresh token only with `offline_access`, and client_info, which MSAL needs
 * to build the account's homeAccountId (uid.utid).
 */
import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SimulatorContext } from '../context';
import type { SimUser } from '../model';
import { mintAccessToken } from '../tokens';
import type { IdentityGrants } from './grants';
import { accessTokenScopes } from './scopes';

/** Entra's id_tokens live an hour whatever the access token lifetime. */
const ID_TOKEN_LIFETIME_SECONDS = 3600;

export interface TokenResponse {
  token_type: 'Bearer';
  scope?: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
}

export interface DelegatedIssue {
  tenantId: string;
  clientId: string;
  user: SimUser;
  /** Granted scopes, OpenID ones included. */
  scopes: string[];
  consentGeneration: number;
  nonce?: string;
}

export function issuerOf(baseUrl: string, tenantId: string): string {
  return `${baseUrl}/${tenantId}/v2.0`;
}

export function clientInfo(oid: string, tid: string): string {
  return Buffer.from(JSON.stringify({ uid: oid, utid: tid })).toString('base64url');
}

/** Entra's `sub` is pairwise: stable for one user and one app, different across apps. */
export function pairwiseSubject(oid: string, clientId: string): string {
  return createHash('sha256').update(`${oid}:${clientId.toLowerCase()}`).digest('base64url');
}

export async function mintIdToken(
  ctx: SimulatorContext,
  claims: { tenantId: string; clientId: string; user: SimUser; nonce?: string },
): Promise<string> {
  const now = Math.floor(ctx.now() / 1000);
  const payload: Record<string, unknown> = {
    tid: claims.tenantId,
    oid: claims.user.id,
    preferred_username: claims.user.userPrincipalName,
    name: claims.user.displayName,
    ver: '2.0',
  };
  if (claims.nonce) payload.nonce = claims.nonce;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: ctx.signingKey.kid })
    .setIssuer(issuerOf(ctx.settings.baseUrl, claims.tenantId))
    .setSubject(pairwiseSubject(claims.user.id, claims.clientId))
    .setAudience(claims.clientId)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ID_TOKEN_LIFETIME_SECONDS)
    .sign(ctx.signingKey.privateKey);
}

export async function issueDelegatedTokens(ctx: SimulatorContext, grants: IdentityGrants, issue: DelegatedIssue): Promise<TokenResponse> {
  const scp = accessTokenScopes(issue.scopes);
  const access = await mintAccessToken(ctx, { tid: issue.tenantId, oid: issue.user.id, appid: issue.clientId, scp });
  const response: TokenResponse = {
    token_type: 'Bearer',
    scope: scp.join(' '),
    expires_in: access.expiresIn,
    ext_expires_in: access.expiresIn,
    access_token: access.token,
  };
  if (issue.scopes.includes('offline_access')) {
    response.refresh_token = grants.issueRefreshToken({
      clientId: issue.clientId,
      tenantId: issue.tenantId,
      userId: issue.user.id,
      scopes: issue.scopes,
      consentGeneration: issue.consentGeneration,
    });
  }
  if (issue.scopes.includes('openid')) {
    response.id_token = await mintIdToken(ctx, { tenantId: issue.tenantId, clientId: issue.clientId, user: issue.user, nonce: issue.nonce });
  }
  response.client_info = clientInfo(issue.user.id, issue.tenantId);
  return response;
}

export async function issueApplicationToken(
  ctx: SimulatorContext,
  claims: { tenantId: string; clientId: string; servicePrincipalId: string; roles: string[] },
): Promise<TokenResponse> {
  const access = await mintAccessToken(ctx, {
    tid: claims.tenantId,
    oid: claims.servicePrincipalId,
    appid: claims.clientId,
    // Entra omits the claim when nothing is granted, rather than sending an empty list.
    roles: claims.roles.length ? claims.roles : undefined,
  });
  return { token_type: 'Bearer', expires_in: access.expiresIn, ext_expires_in: access.expiresIn, access_token: access.token };
}
