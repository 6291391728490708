/**
 * The simulator's Microsoft identity platform, mounted at the server's root: discovery, the authorize and
 * admin-consent browser flows, and the token endpoint. Its codes, refresh tokens and consent-page
 * transactions live in ctx.identityGrants; consents live in ctx.consents (shared with the control API).
 */
import { Router } from 'express';
import type { SimulatorContext } from '../context';
import { adminConsentRouter } from './admin-consent';
import { authorizeRouter } from './authorize';
import { discoveryRouter } from './discovery';
import { tokenRouter } from './token';

export function createIdentityRouter(ctx: SimulatorContext): Router {
  const grants = ctx.identityGrants;
  const router = Router();
  router.use(discoveryRouter(ctx));
  router.use(authorizeRouter(ctx, grants));
  router.use(adminConsentRouter(ctx, grants));
  router.use(tokenRouter(ctx, grants));
  return router;
}
