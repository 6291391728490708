/**
 * Liveness and readiness. /healthz: the process answers. /readyz: this instance should get traffic: the
 * database answers, no migration is pending, and the gateway is not shutting down.
 */
import { Router } from 'express';
import type { DataSource } from 'typeorm';
import { pendingMigrations } from '../db/data-source';
import type { Logger } from '../logging';

export type Readiness = { ready: true } | { ready: false; reason: string };

export async function checkReadiness(dataSource: DataSource, shuttingDown: boolean, logger: Logger): Promise<Readiness> {
  if (shuttingDown) return { ready: false, reason: 'shutting down' };
  if (!dataSource.isInitialized) return { ready: false, reason: 'database connection not initialised' };
  let pending: string[];
  try {
    pending = await pendingMigrations(dataSource);
  } catch (error) {
    // The reason is public; the details (host names, driver messages) go to the log only.
    logger.warn({ err: error }, 'readiness: database did not answer');
    return { ready: false, reason: 'database unreachable' };
  }
  return pending.length === 0
    ? { ready: true }
    : { ready: false, reason: `${pending.length} pending migration(s): ${pending.join(', ')}` };
}

export function healthRouter(dataSource: DataSource, isShuttingDown: () => boolean, logger: Logger): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const readiness = await checkReadiness(dataSource, isShuttingDown(), logger);
    if (readiness.ready) res.status(200).json({ status: 'ready' });
    else res.status(503).json({ status: 'unavailable', reason: readiness.reason });
  });
  return router;
}
