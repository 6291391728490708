/**
 * Control routes over the change-notification service: list every subscription with delivery statistics,
 * tune delivery timings (tests compress Graph's retry schedule), and make Graph send a lifecycle notification.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { SimulatorContext } from '../context';
import { subscriptionsOf } from '../graph/subscriptions/store';
import { parseBody } from './http';

const settingsBody = z.strictObject({
  pollMs: z.number().int().min(5).max(60_000).optional(),
  retryBaseMs: z.number().int().min(1).max(3_600_000).optional(),
  retryCapMs: z.number().int().min(1).max(3_600_000).optional(),
  batchSize: z.number().int().min(1).max(1_000).optional(),
});
const lifecycleBody = z.strictObject({ event: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']) });

export function subscriptionControlRoutes(ctx: SimulatorContext): Router {
  const router = Router();
  const store = () => subscriptionsOf(ctx);

  router.get('/subscriptions', (_req, res) => {
    const s = store();
    res.json({
      subscriptions: s.all().map(({ clientState: _secret, ...rest }) => ({ ...rest, expirationDateTime: new Date(rest.expiresAt).toISOString() })),
      pendingNotifications: s.pendingDeliveries(),
      stats: s.stats,
      settings: s.settings,
    });
  });
  router.patch('/subscriptions/settings', (req, res) => {
    const s = store();
    Object.assign(s.settings, parseBody(settingsBody, req.body));
    res.json(s.settings);
  });
  router.post('/subscriptions/:id/lifecycle', (req, res) => {
    const { event } = parseBody(lifecycleBody, req.body);
    const s = store().sendLifecycle(String(req.params.id), event);
    res.status(202).json({ subscriptionId: s.id, event });
  });
  return router;
}
