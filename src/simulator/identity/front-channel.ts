/**
 * What the two browser flows (authorize and admin consent) share: trusting the client and its redirect URI
 * before anything is sent back to it, error redirects, and the consent page's decision (one-time transaction,
 * cancel, sign-in by UPN).
 */
import type { Request, Response } from 'express';
import type { RegisteredApp, SimulatorContext } from '../context';
import type { SimTenant, SimUser } from '../model';
import { aad, AadError } from './aad-error';
import { findApp, requireRedirectUri } from './clients';
import { optionalParam, requiredParam, withQuery, type ParamSource } from './params';
import type { IdentityGrants, PendingTransaction } from './grants';
import { resolveTenantPath, tenantOfUpn, type TenantPath } from './tenant-path';

/** Until client and redirect URI are known good, errors are shown as a page: never redirect to an unvetted URI. */
export function identifyClient(ctx: SimulatorContext, query: ParamSource, tenantLabel: string): { app: RegisteredApp; redirectUri: string } {
  const clientId = requiredParam(query, 'client_id');
  const app = findApp(ctx, clientId);
  if (!app) throw aad.unknownClient(clientId, tenantLabel);
  const redirectUri = requiredParam(query, 'redirect_uri');
  requireRedirectUri(app, redirectUri);
  return { app, redirectUri };
}

export function redirectWithError(res: Response, redirectUri: string, err: AadError, state: string | undefined): void {
  res.redirect(302, withQuery(redirectUri, { error: err.error, error_description: err.message, state }));
}

/** Runs `parse` once the redirect URI is trusted: an AadError it throws is redirected there (undefined returned). */
export function parseOrRedirect<T>(res: Response, redirectUri: string, state: string | undefined, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof AadError)) throw err;
    redirectWithError(res, redirectUri, err, state);
    return undefined;
  }
}

interface Decision {
  transactionId: string;
  login: string;
  accept: boolean;
}

function readDecision(body: ParamSource): Decision {
  const decision = requiredParam(body, 'decision');
  if (decision !== 'accept' && decision !== 'cancel') throw aad.invalidParameter('decision', "'accept' or 'cancel'", decision);
  return { transactionId: requiredParam(body, 'transaction'), login: optionalParam(body, 'login') ?? '', accept: decision === 'accept' };
}

type Pending<K extends PendingTransaction['kind']> = Extract<PendingTransaction, { kind: K }>;

export interface DecisionFlow<K extends PendingTransaction['kind']> {
  kind: K;
  /** The flow's page, shown again (same transaction) with `error` after a failed sign-in. */
  renderPage(app: RegisteredApp, pending: Pending<K>, transactionId: string, error?: string): string;
  /** The user accepted and signed in; the transaction is closed. Answers with the redirect to the client. */
  complete(res: Response, app: RegisteredApp, pending: Pending<K>, signedIn: { tenant: SimTenant; user: SimUser }): void;
}

/**
 * The POST handler of a consent page's form. The transaction must be open, of this flow and for the tenant
 * path in the URL; cancel redirects with access_denied; a failed sign-in shows the page again.
 */
export function decisionHandler<K extends PendingTransaction['kind']>(ctx: SimulatorContext, grants: IdentityGrants, flow: DecisionFlow<K>) {
  return (req: Request<{ tenant: string }>, res: Response): void => {
    const decision = readDecision(req.body);
    const found = grants.findTransaction(decision.transactionId);
    const app = found && findApp(ctx, found.clientId);
    if (!found || found.kind !== flow.kind || !app || found.tenantSegment.toLowerCase() !== req.params.tenant.toLowerCase()) {
      throw aad.transactionExpired();
    }
    const pending = found as Pending<K>;
    if (!decision.accept) {
      grants.closeTransaction(decision.transactionId);
      return redirectWithError(res, pending.redirectUri, aad.userDeclined(), pending.state);
    }
    const signedIn = signIn(ctx, resolveTenantPath(ctx.store, pending.tenantSegment), decision.login);
    if ('problem' in signedIn) {
      res.type('html').send(flow.renderPage(app, { ...pending, loginHint: decision.login }, decision.transactionId, signedIn.problem));
      return;
    }
    grants.closeTransaction(decision.transactionId);
    flow.complete(res, app, pending, signedIn);
  };
}

/**
 * The user behind a UPN: in the path's tenant, or (for organizations/common) in the tenant owning the UPN's
 * domain. Returns the message to show on the page again when there is no such enabled user.
 */
function signIn(ctx: SimulatorContext, path: TenantPath, login: string): { tenant: SimTenant; user: SimUser } | { problem: string } {
  if (!login.trim()) return { problem: 'Enter your user principal name (name@domain).' };
  const tenant = path.kind === 'tenant' ? path.tenant : tenantOfUpn(ctx.store, login.trim());
  const user = tenant && ctx.store.findUser(tenant.id, login.trim());
  if (!tenant || !user || user.userPrincipalName.toLowerCase() !== login.trim().toLowerCase()) {
    return { problem: `We couldn't find an account with the username '${login}' in this organization.` };
  }
  if (!user.accountEnabled) return { problem: 'AADSTS50057: The user account is disabled.' };
  return { tenant, user };
}
