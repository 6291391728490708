/**
 * The simulator's control API, mounted at /_control: tests and benchmarks change tenants, inject faults and
 * read counters through it. Every route needs header x-simulator-key; bodies and answers are JSON; errors are
 * `{error:{code,message}}`.
 */
import express, { Router } from 'express';
import type { SimulatorContext } from '../context';
import { directoryRoutes } from './directory-routes';
import { ControlError, controlErrorHandler, requireKey } from './http';
import { runtimeRoutes } from './runtime-routes';
import { subscriptionControlRoutes } from './subscription-routes';

export function createControlRouter(ctx: SimulatorContext): Router {
  const router = Router();
  router.use(requireKey(ctx.settings.controlKey));
  router.use(express.json({ limit: '1mb' }));
  router.use(directoryRoutes(ctx));
  router.use(runtimeRoutes(ctx));
  router.use(subscriptionControlRoutes(ctx));
  router.use((req) => {
    throw new ControlError(404, 'NotFound', `The control API has no route ${req.method} ${req.path}.`);
  });
  router.use(controlErrorHandler);
  return router;
}
