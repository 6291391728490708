/** Control routes over the simulator itself: registered apps, faults, counters, clock and settings. */
import { Router } from 'express';
import { emptyCounters, type SimulatorContext } from '../context';
import { registerApp } from './apps';
import { ControlError, parseBody } from './http';
import { advanceClockBody, faultsBody, registerAppBody, settingsBody } from './schemas';

export function runtimeRoutes(ctx: SimulatorContext): Router {
  const router = Router();

  router.post('/apps', (req, res) => {
    const spec = parseBody(registerAppBody, req.body);
    const app = registerApp(spec, ctx.now());
    if (ctx.apps.has(app.clientId)) throw new ControlError(409, 'Conflict', `An app with clientId ${app.clientId} is already registered.`);
    ctx.apps.set(app.clientId, app);
    res.status(201).json({ clientId: app.clientId, clientSecret: app.secrets[0].secretText });
  });
  router.get('/apps', (_req, res) => {
    // Secrets stay out of listings: only the registration call hands one out.
    res.json([...ctx.apps.values()].map(({ secrets: _secrets, ...app }) => app));
  });

  router.get('/faults', (_req, res) => {
    res.json(ctx.faults);
  });
  router.put('/faults', (req, res) => {
    Object.assign(ctx.faults, parseBody(faultsBody, req.body));
    res.json(ctx.faults);
  });

  router.get('/counters', (_req, res) => {
    res.json(ctx.counters);
  });
  router.post('/counters/reset', (_req, res) => {
    // In place: the Graph and identity routers hold this very object.
    Object.assign(ctx.counters, emptyCounters());
    res.status(204).end();
  });

  router.post('/clock/advance', (req, res) => {
    ctx.advanceClock(parseBody(advanceClockBody, req.body).ms);
    res.json({ now: new Date(ctx.now()).toISOString() });
  });

  router.patch('/settings', (req, res) => {
    Object.assign(ctx.settings, parseBody(settingsBody, req.body));
    const { accessTokenLifetimeSeconds, throttlingEnabled } = ctx.settings;
    res.json({ accessTokenLifetimeSeconds, throttlingEnabled });
  });
  return router;
}
