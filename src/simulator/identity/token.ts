/**
 * POST /{tenant}/oauth2/v2.0/token (graph-facts §9): authorization_code (with PKCE), refresh_token (rotating)
 * and client_credentials. Every call is counted by grant type; faults.tokenServerErrorRate turns a share of
 * them into 503 temporarily_unavailable. Errors are Entra's JSON bodies (aad-error.ts).
 */
import { createHash } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { RegisteredApp, SimulatorContext } from '../context';
import { aad } from './aad-error';
import { authenticateClient } from './clients';
import { jsonErrorHandler } from './error-handlers';
import { activeConsent, servicePrincipalOf } from './consent';
import { CODE_LIFETIME_MS, REFRESH_IDLE_DAYS, REFRESH_IDLE_MS, REFRESH_ROTATION_GRACE_MS, type IdentityGrants } from './grants';
import { issueApplicationToken, issueDelegatedTokens, type TokenResponse } from './issue';
import { optionalParam, requiredParam, type ParamSource } from './params';
import { GRAPH_DEFAULT_SCOPE, missingScopes, parseDelegatedScopes, splitScopes } from './scopes';
import { requireConcreteTenant, resolveTenantPath, type TenantPath } from './tenant-path';

interface GrantInput {
  ctx: SimulatorContext;
  grants: IdentityGrants;
  app: RegisteredApp;
  path: TenantPath;
  body: ParamSource;
}

export function pkceS256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** A grant bound to one tenant may be redeemed on that tenant's path or on an alias (organizations, common). */
function pathAdmits(path: TenantPath, tenantId: string): boolean {
  return path.kind !== 'tenant' || path.tenant.id.toLowerCase() === tenantId.toLowerCase();
}

/** Graph scopes asked for in the token request; absent means "what the grant already holds". */
function requestedScopes(body: ParamSource, fallback: string[]): string[] {
  const raw = optionalParam(body, 'scope');
  return raw === undefined ? fallback : parseDelegatedScopes(raw);
}

async function authorizationCodeGrant({ ctx, grants, app, path, body }: GrantInput): Promise<TokenResponse> {
  const code = requiredParam(body, 'code');
  const redirectUri = requiredParam(body, 'redirect_uri');
  const verifier = requiredParam(body, 'code_verifier');
  const record = grants.findCode(code);
  if (!record || record.clientId !== app.clientId) throw aad.codeInvalid('no such code was issued to this client');
  if (!pathAdmits(path, record.tenantId)) throw aad.codeOtherTenant();
  if (record.redeemed) throw aad.codeRedeemed();
  if (ctx.now() - record.issuedAt > CODE_LIFETIME_MS) throw aad.codeExpired();
  // Stricter than Entra (noted): any redemption attempt, even a failing one, uses the code up, so a wrong
  // verifier or redirect URI cannot be retried against the same code.
  record.redeemed = true;
  if (redirectUri !== record.redirectUri) throw aad.badRedirectUri(redirectUri, app.clientId, 'invalid_grant');
  if (pkceS256(verifier) !== record.codeChallenge) throw aad.pkceMismatch();

  // The code's scopes are what gets issued; the scope parameter (MSAL always sends one) may not ask for more.
  const beyond = missingScopes(requestedScopes(body, record.scopes), new Set(record.scopes));
  if (beyond.length) throw aad.consentMissing(beyond, app.clientId);
  const user = ctx.store.findUser(record.tenantId, record.userId);
  if (!user?.accountEnabled) throw aad.userDisabled();
  const consent = activeConsent(ctx, record.tenantId, app.clientId);
  if (!consent) throw aad.consentMissing(record.scopes, app.clientId);
  return issueDelegatedTokens(ctx, grants, {
    tenantId: record.tenantId,
    clientId: app.clientId,
    user,
    scopes: record.scopes,
    consentGeneration: consent.generation,
    nonce: record.nonce,
  });
}

async function refreshTokenGrant({ ctx, grants, app, path, body }: GrantInput): Promise<TokenResponse> {
  const token = requiredParam(body, 'refresh_token');
  const record = grants.findRefreshToken(token);
  if (!record || record.clientId !== app.clientId) throw aad.refreshInvalid('no such refresh token was issued to this client');
  if (!pathAdmits(path, record.tenantId)) throw aad.refreshInvalid('it was issued for another tenant');
  const now = ctx.now();
  if (record.rotatedAt !== undefined && now - record.rotatedAt > REFRESH_ROTATION_GRACE_MS) {
    throw aad.refreshInvalid('it was replaced by a newer refresh token; store the refresh_token of every response');
  }
  if (now - record.issuedAt > REFRESH_IDLE_MS) throw aad.refreshIdle(REFRESH_IDLE_DAYS);
  const consent = activeConsent(ctx, record.tenantId, app.clientId);
  if (!consent || consent.generation !== record.consentGeneration) throw aad.refreshRevoked();
  const user = ctx.store.findUser(record.tenantId, record.userId);
  if (!user?.accountEnabled) throw aad.userDisabled();

  const requested = requestedScopes(body, record.scopes);
  const beyond = missingScopes(requested, consent.delegatedScopes);
  if (beyond.length) throw aad.consentMissing(beyond, app.clientId);
  record.rotatedAt ??= now;
  // The response carries the requested scopes; its refresh token is one too, so offline_access stays.
  const scopes = [...new Set([...requested, 'offline_access'])];
  return issueDelegatedTokens(ctx, grants, { tenantId: record.tenantId, clientId: app.clientId, user, scopes, consentGeneration: consent.generation });
}

async function clientCredentialsGrant({ ctx, app, path, body }: GrantInput): Promise<TokenResponse> {
  const tenant = requireConcreteTenant(path, 'client credentials');
  const scope = requiredParam(body, 'scope');
  const items = splitScopes(scope);
  if (items.length !== 1 || !items[0].toLowerCase().endsWith('/.default')) throw aad.clientCredentialsScope(scope);
  if (items[0].toLowerCase() !== GRAPH_DEFAULT_SCOPE) throw aad.invalidScope(scope, `The simulator serves one resource: ${GRAPH_DEFAULT_SCOPE}.`);
  const consent = activeConsent(ctx, tenant.id, app.clientId);
  const sp = servicePrincipalOf(tenant, app.clientId);
  // Entra answers 700016 when the app has no service principal in the tenant, i.e. was never consented there.
  if (!consent || !sp) throw aad.unknownClient(app.clientId, tenant.id);
  return issueApplicationToken(ctx, {
    tenantId: tenant.id,
    clientId: app.clientId,
    servicePrincipalId: sp.id,
    roles: [...consent.applicationPermissions],
  });
}

const GRANT_HANDLERS: Record<string, (input: GrantInput) => Promise<TokenResponse>> = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
};

export function tokenRouter(ctx: SimulatorContext, grants: IdentityGrants): Router {
  const router = Router();
  router.post('/:tenant/oauth2/v2.0/token', express.urlencoded({ extended: false }), async (req: Request<{ tenant: string }>, res: Response) => {
    const body = req.body as ParamSource;
    const grantType = typeof body?.grant_type === 'string' ? body.grant_type : '(none)';
    ctx.counters.tokenRequests[grantType] = (ctx.counters.tokenRequests[grantType] ?? 0) + 1;
    if (ctx.faults.tokenServerErrorRate > 0 && Math.random() < ctx.faults.tokenServerErrorRate) throw aad.temporarilyUnavailable();

    // The token endpoint answers an unknown tenant with invalid_request (discovery says invalid_tenant).
    const path = resolveTenantPath(ctx.store, req.params.tenant, 'invalid_request');
    requiredParam(body, 'grant_type');
    const handler = Object.hasOwn(GRANT_HANDLERS, grantType) ? GRANT_HANDLERS[grantType] : undefined;
    if (!handler) throw aad.unsupportedGrantType(grantType);
    const app = authenticateClient(ctx, body, req.headers.authorization, path.segment);
    const response = await handler({ ctx, grants, app, path, body });
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(response);
  });
  router.use(jsonErrorHandler(ctx));
  return router;
}
