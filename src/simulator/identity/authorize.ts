/**
 * GET /{tenant}/oauth2/v2.0/authorize and the consent page's decision (graph-facts §9). The page posts a
 * one-time transaction id, never the raw parameters, so nothing the browser sends back can change what was
 * validated here.
 *
 * Stricter than Entra (noted): PKCE with S256 is required of every client, confidential ones included, and
 * prompt=none always fails with login_required because the simulator keeps no browser session.
 */
import express, { Router, type Request, type Response } from 'express';
import type { RegisteredApp, SimulatorContext } from '../context';
import { aad } from './aad-error';
import { activeConsent, isGlobalAdministrator, recordDelegatedConsent } from './consent';
import { errorPageHandler } from './error-handlers';
import { decisionHandler, identifyClient, parseOrRedirect, redirectWithError } from './front-channel';
import type { IdentityGrants, PendingAuthorization } from './grants';
import { renderConsentPage, renderSignedOutPage } from './pages';
import { optionalParam, requiredParam, withQuery, type ParamSource } from './params';
import { adminOnlyScopes, describeScope, missingScopes, parseDelegatedScopes } from './scopes';
import { resolveTenantPath } from './tenant-path';

const PROMPTS = ['login', 'none', 'consent', 'select_account'];
/** RFC 7636: an S256 challenge is the base64url SHA-256 of the verifier, 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export interface AuthorizeRequest {
  scopes: string[];
  codeChallenge: string;
  nonce?: string;
  prompt?: string;
  loginHint?: string;
}

/** The parameters checked once client and redirect URI are trusted; failures are redirected to the client. */
export function parseAuthorizeRequest(query: ParamSource): AuthorizeRequest {
  const responseType = requiredParam(query, 'response_type');
  if (responseType !== 'code') throw aad.unsupportedResponseType(responseType);
  const responseMode = optionalParam(query, 'response_mode');
  if (responseMode !== undefined && responseMode !== 'query') throw aad.invalidParameter('response_mode', "'query'", responseMode);
  const scopes = parseDelegatedScopes(requiredParam(query, 'scope'));
  const codeChallenge = requiredParam(query, 'code_challenge');
  const method = optionalParam(query, 'code_challenge_method');
  if (method !== 'S256') throw aad.invalidParameter('code_challenge_method', "'S256' (PKCE is required, plain is refused)", method ?? '');
  if (!S256_CHALLENGE.test(codeChallenge)) throw aad.invalidParameter('code_challenge', 'a 43-character base64url S256 challenge', codeChallenge);
  const prompt = optionalParam(query, 'prompt');
  if (prompt !== undefined && !PROMPTS.includes(prompt)) throw aad.invalidParameter('prompt', PROMPTS.join(' | '), prompt);
  return { scopes, codeChallenge, prompt, nonce: optionalParam(query, 'nonce'), loginHint: optionalParam(query, 'login_hint') };
}

function decisionPath(tenantSegment: string): string {
  return `/${encodeURIComponent(tenantSegment)}/oauth2/v2.0/authorize/decision`;
}

function authorizePage(app: RegisteredApp, pending: PendingAuthorization, transactionId: string, error?: string): string {
  const admin = new Set(adminOnlyScopes(pending.scopes));
  return renderConsentPage({
    heading: 'Sign in and accept permissions',
    appName: app.displayName,
    intro: 'wants to sign you in and access your organization’s data:',
    permissions: pending.scopes.map((s) => ({ name: s, description: describeScope(s), adminOnly: admin.has(s) })),
    action: decisionPath(pending.tenantSegment),
    transactionId,
    loginHint: pending.loginHint,
    error,
  });
}

export function authorizeRouter(ctx: SimulatorContext, grants: IdentityGrants): Router {
  const router = Router();

  router.get('/:tenant/oauth2/v2.0/authorize', (req: Request<{ tenant: string }>, res: Response) => {
    const path = resolveTenantPath(ctx.store, req.params.tenant);
    const { app, redirectUri } = identifyClient(ctx, req.query, path.segment);
    const state = optionalParam(req.query, 'state');
    const request = parseOrRedirect(res, redirectUri, state, () => {
      const parsed = parseAuthorizeRequest(req.query);
      if (parsed.prompt === 'none') throw aad.loginRequired();
      return parsed;
    });
    if (!request) return;
    const pending: PendingAuthorization = {
      kind: 'authorize',
      clientId: app.clientId,
      redirectUri,
      tenantSegment: path.segment,
      scopes: request.scopes,
      codeChallenge: request.codeChallenge,
      state,
      nonce: request.nonce,
      loginHint: request.loginHint,
      createdAt: ctx.now(),
    };
    res.type('html').send(authorizePage(app, pending, grants.openTransaction(pending)));
  });

  router.post(
    '/:tenant/oauth2/v2.0/authorize/decision',
    express.urlencoded({ extended: false }),
    decisionHandler(ctx, grants, {
      kind: 'authorize',
      renderPage: authorizePage,
      complete(res, app, pending, { tenant, user }) {
        // Scopes already consented (e.g. by an admin for everyone) need no new consent; admin-only ones need an admin.
        const consent = activeConsent(ctx, tenant.id, app.clientId);
        const toConsent = missingScopes(pending.scopes, consent?.delegatedScopes ?? new Set());
        const isAdmin = isGlobalAdministrator(tenant, user.id);
        const needAdmin = adminOnlyScopes(toConsent);
        if (needAdmin.length && !isAdmin) {
          return redirectWithError(res, pending.redirectUri, aad.adminConsentRequired(needAdmin), pending.state);
        }
        if (!consent || toConsent.length) recordDelegatedConsent(ctx, tenant, app, user, pending.scopes, isAdmin);
        const code = grants.issueCode({
          clientId: app.clientId,
          tenantId: tenant.id,
          userId: user.id,
          redirectUri: pending.redirectUri,
          scopes: pending.scopes,
          codeChallenge: pending.codeChallenge,
          nonce: pending.nonce,
        });
        res.redirect(302, withQuery(pending.redirectUri, { code, state: pending.state }));
      },
    }),
  );

  // The end-session endpoint the discovery document names. Without a session there is nothing to end; a
  // post-logout redirect is followed only to a URI registered by some app, never to an arbitrary one.
  router.get('/:tenant/oauth2/v2.0/logout', (req: Request<{ tenant: string }>, res: Response) => {
    resolveTenantPath(ctx.store, req.params.tenant);
    const target = optionalParam(req.query, 'post_logout_redirect_uri');
    const registered = target !== undefined && [...ctx.apps.values()].some((a) => a.redirectUris.includes(target));
    if (!registered) return res.type('html').send(renderSignedOutPage());
    res.redirect(302, withQuery(target, { state: optionalParam(req.query, 'state') }));
  });

  router.use(errorPageHandler);
  return router;
}
