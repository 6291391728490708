/**
 * GET /oauth/callback (delegated) and GET /oauth/admin-callback (application): the thin express adapter over
 * ConsentCallbacks. A finished consent is a 303 to the allow-listed returnUrl; a refused callback is a small
 * plain-text 400 that names the problem and nothing else (no state, code or stack is echoed).
 */
import { Router, type Response } from 'express';
import type { Logger } from '../logging';
import type { CallbackResult, ConsentCallbacks } from './consent-callbacks';
import { CALLBACK_PATHS } from './consent-requests';
import type { AuthMode } from './features';

export function oauthCallbackRouter(callbacks: ConsentCallbacks | null, logger: Logger): Router {
  const router = Router();
  for (const flow of Object.keys(CALLBACK_PATHS) as AuthMode[]) {
    router.get(CALLBACK_PATHS[flow], async (req, res) => {
      noStore(res);
      if (!callbacks) {
        res.status(503).type('text/plain').send('Consent is unavailable: this gateway has no Entra app registration configured.\n');
        return;
      }
      let result: CallbackResult;
      try {
        result = await callbacks.handle(flow, req.query as Record<string, unknown>);
      } catch (err) {
        logger.error({ err, flow }, 'consent callback failed');
        res.status(500).type('text/plain').send('The gateway could not finish the consent. Try again later.\n');
        return;
      }
      if (result.kind === 'redirect') {
        res.redirect(303, result.location);
        return;
      }
      logger.warn({ flow, reason: result.reason }, 'consent callback refused');
      res.status(400).type('text/plain').send(`This consent callback was refused: ${result.reason}.\n`);
    });
  }
  return router;
}

/** The response follows a URL with one-time codes in it: neither it nor the page may be cached or leak a referrer. */
function noStore(res: Response): void {
  res.setHeader('cache-control', 'no-store');
  res.setHeader('referrer-policy', 'no-referrer');
}
