/**
 * GET /{tenant}/v2.0/adminconsent and its decision (graph-facts §9): a Global Administrator grants the app,
 * tenant-wide, its application permissions (`https://graph.microsoft.com/.default`) and/or the delegated
 * scopes named. {tenant} is a GUID, a verified domain or `organizations`; `common` is refused.
 */
import express, { Router, type Request, type Response } from 'express';
import type { RegisteredApp, SimulatorContext } from '../context';
import { aad } from './aad-error';
import { isGlobalAdministrator, recordApplicationConsent, recordDelegatedConsent } from './consent';
import { errorPageHandler } from './error-handlers';
import { decisionHandler, identifyClient, parseOrRedirect, redirectWithError } from './front-channel';
import type { IdentityGrants, PendingAdminConsent } from './grants';
import { renderConsentPage } from './pages';
import { optionalParam, requiredParam, withQuery } from './params';
import { describeScope, GRAPH_DEFAULT_SCOPE, parseDelegatedScopes, splitScopes } from './scopes';
import { resolveTenantPath } from './tenant-path';

/** Splits the scope parameter into "the app's application permissions" (/.default) and delegated scopes. */
export function parseAdminConsentScope(raw: string): { applicationPermissions: boolean; delegatedScopes: string[] } {
  const items = splitScopes(raw);
  const isDefault = (s: string) => s.toLowerCase() === GRAPH_DEFAULT_SCOPE;
  const delegated = items.filter((s) => !isDefault(s));
  return {
    applicationPermissions: items.some(isDefault),
    delegatedScopes: delegated.length ? parseDelegatedScopes(delegated.join(' ')) : [],
  };
}

function adminConsentPage(app: RegisteredApp, pending: PendingAdminConsent, transactionId: string, error?: string): string {
  const application = pending.applicationPermissions
    ? app.applicationPermissions.map((p) => ({ name: `${p} (application)`, description: describeScope(p), adminOnly: true }))
    : [];
  const delegated = pending.delegatedScopes.map((s) => ({ name: s, description: describeScope(s), adminOnly: true }));
  return renderConsentPage({
    heading: 'Permissions requested: accept for your organization',
    appName: app.displayName,
    intro: 'asks a Global Administrator to grant these permissions for the whole organization:',
    permissions: [...application, ...delegated],
    action: `/${encodeURIComponent(pending.tenantSegment)}/v2.0/adminconsent/decision`,
    transactionId,
    loginHint: pending.loginHint,
    error,
  });
}

export function adminConsentRouter(ctx: SimulatorContext, grants: IdentityGrants): Router {
  const router = Router();

  router.get('/:tenant/v2.0/adminconsent', (req: Request<{ tenant: string }>, res: Response) => {
    const path = resolveTenantPath(ctx.store, req.params.tenant);
    // `organizations` is fine (the admin's UPN names the tenant); `common` would admit personal accounts.
    if (path.kind === 'common') throw aad.tenantRequired(path.segment, 'admin consent');
    const { app, redirectUri } = identifyClient(ctx, req.query, path.segment);
    const state = optionalParam(req.query, 'state');
    const parsed = parseOrRedirect(res, redirectUri, state, () => {
      const rawScope = requiredParam(req.query, 'scope');
      return { rawScope, ...parseAdminConsentScope(rawScope) };
    });
    if (!parsed) return;
    const pending: PendingAdminConsent = {
      kind: 'adminconsent',
      clientId: app.clientId,
      redirectUri,
      tenantSegment: path.segment,
      ...parsed,
      state,
      loginHint: optionalParam(req.query, 'login_hint'),
      createdAt: ctx.now(),
    };
    res.type('html').send(adminConsentPage(app, pending, grants.openTransaction(pending)));
  });

  router.post(
    '/:tenant/v2.0/adminconsent/decision',
    express.urlencoded({ extended: false }),
    decisionHandler(ctx, grants, {
      kind: 'adminconsent',
      renderPage: adminConsentPage,
      complete(res, app, pending, { tenant, user }) {
        if (!isGlobalAdministrator(tenant, user.id)) {
          const asked = [...(pending.applicationPermissions ? app.applicationPermissions : []), ...pending.delegatedScopes];
          return redirectWithError(res, pending.redirectUri, aad.adminConsentRequired(asked), pending.state);
        }
        if (pending.applicationPermissions) recordApplicationConsent(ctx, tenant, app);
        if (pending.delegatedScopes.length) recordDelegatedConsent(ctx, tenant, app, user, pending.delegatedScopes, true);
        // `tenant` in this redirect is informational only: clients must not authenticate on it (graph-facts §9).
        res.redirect(302, withQuery(pending.redirectUri, { admin_consent: 'True', tenant: tenant.id, scope: pending.rawScope, state: pending.state }));
      },
    }),
  );

  router.use(errorPageHandler);
  return router;
}
