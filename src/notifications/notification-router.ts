/**
 * The endpoints Microsoft Graph calls: POST /graph/notifications (change notifications) and POST /graph/lifecycle
 * (lifecycle notifications), both under PUBLIC_URL.
 *
 * - Validation handshake: a POST with ?validationToken=... is answered at once with the decoded token as
 *   text/plain, 200 (Graph allows 10 s). The token is echoed as plain text with nosniff, never as HTML.
 * - Notifications: the body is checked, each item's clientState is compared in constant time with the one stored
 *   for its subscription; items that fail (unknown subscription, wrong clientState) are dropped and logged
 *   without the payload. If none verifies the POST is refused (403); otherwise it is answered 202 at once and
 *   the work (a debounced delta round per tenant) happens after the response (Graph wants 2xx within 3 s).
 */
import express, { Router, type Request, type Response } from 'express';
import type { Logger } from '../logging';
import { parseChangeNotifications, parseLifecycleNotifications, type ChangeNotice, type LifecycleNotice, type Parsed } from './decisions';

export const NOTIFICATION_PATH = '/graph/notifications';
export const LIFECYCLE_PATH = '/graph/lifecycle';
const MAX_TOKEN_LENGTH = 4096;

export interface Verified<T> {
  item: T;
  tenantId: string;
  resource: string;
}

export interface NotificationHandlers {
  /** Splits items into those whose subscription and clientState check out, and a count of the rest. */
  verify<T extends { subscriptionId: string; clientState: string | null }>(items: T[]): Promise<{ accepted: Array<Verified<T>>; refused: Array<{ subscriptionId: string; reason: string }> }>;
  onChanges(accepted: Array<Verified<ChangeNotice>>): void;
  onLifecycle(accepted: Array<Verified<LifecycleNotice>>): void;
}

export function notificationRouter(handlers: NotificationHandlers, logger: Logger): Router {
  const log = logger.child({ component: 'notifications' });
  const router = Router();
  router.post(NOTIFICATION_PATH, validationHandshake, express.json({ limit: '4mb', type: ['application/json', 'application/*+json'] }), (req, res) =>
    receive(req, res, parseChangeNotifications, (accepted) => handlers.onChanges(accepted)),
  );
  router.post(LIFECYCLE_PATH, validationHandshake, express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }), (req, res) =>
    receive(req, res, parseLifecycleNotifications, (accepted) => handlers.onLifecycle(accepted)),
  );
  // Malformed JSON from express.json: say what was wrong, without echoing the body.
  router.use([NOTIFICATION_PATH, LIFECYCLE_PATH], (error: unknown, _req: Request, res: Response, next: express.NextFunction) => {
    const e = error as { status?: number; type?: string };
    if (e.status === 400 || e.status === 413) {
      res.status(e.status).json({ error: { code: 'BadRequest', message: e.status === 413 ? 'notification body too large' : 'expected a JSON body {"value":[...]}, got malformed JSON' } });
      return;
    }
    next(error);
  });
  return router;

  async function receive<T extends { subscriptionId: string; clientState: string | null }>(
    req: Request,
    res: Response,
    parse: (body: unknown) => Parsed<T>,
    handle: (accepted: Array<Verified<T>>) => void,
  ): Promise<void> {
    const parsed = parse(req.body);
    if (!parsed.ok) {
      log.warn({ path: req.path, problem: parsed.problem }, 'refused a malformed notification');
      res.status(400).json({ error: { code: 'BadRequest', message: parsed.problem } });
      return;
    }
    let verdict: { accepted: Array<Verified<T>>; refused: Array<{ subscriptionId: string; reason: string }> };
    try {
      verdict = await handlers.verify<T>(parsed.items);
    } catch (error) {
      // 5xx: Graph retries, so nothing is lost while the database is away.
      log.error({ err: error, path: req.path }, 'could not verify notifications');
      res.status(503).json({ error: { code: 'ServiceUnavailable', message: 'notifications cannot be verified right now; retry later' } });
      return;
    }
    if (verdict.refused.length > 0) {
      // Subscription ids only (not secrets, never the payload or the clientState received).
      log.warn(
        { path: req.path, refused: verdict.refused.length, accepted: verdict.accepted.length, reasons: verdict.refused.slice(0, 10).map((r) => ({ subscriptionId: r.subscriptionId.slice(0, 64), reason: r.reason })) },
        'refused notifications that do not verify',
      );
    }
    if (verdict.accepted.length === 0) {
      res.status(403).json({ error: { code: 'Forbidden', message: 'no notification in the request belongs to a known subscription with a matching clientState' } });
      return;
    }
    res.status(202).end();
    // After the response: the work never runs inline.
    setImmediate(() => {
      try {
        handle(verdict.accepted);
      } catch (error) {
        log.error({ err: error }, 'handling accepted notifications failed');
      }
    });
  }
}

/** Graph's validation request: POST ?validationToken=<URL-encoded>; answer the decoded token, text/plain, 200. */
function validationHandshake(req: Request, res: Response, next: express.NextFunction): void {
  const raw = new URL(req.originalUrl, 'http://gateway.invalid').searchParams.getAll('validationToken');
  if (raw.length === 0) return next();
  const token = raw[0];
  if (raw.length > 1 || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    res.status(400).type('text/plain').send(`expected one validationToken of 1 to ${MAX_TOKEN_LENGTH} characters, got ${raw.length} value(s)`);
    return;
  }
  res.status(200).set('x-content-type-options', 'nosniff').type('text/plain').send(token);
}
