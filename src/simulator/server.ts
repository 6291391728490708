/**
 * The simulator's HTTPS server: the identity platform at /, Graph v1.0 at /v1.0, the control API at /_control
 * and the CA certificate at /_ca.pem, over one SimulatorContext. This is the one entry point the gateway's
 * development mode and every test file use (through test/support/simulator.ts).
 */
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createSimulatorContext, type RegisteredApp, type SimulatorContext } from './context';
import { registerApp, type AppSpec } from './control/apps';
import { SimulatorControl } from './control/client';
import { createControlRouter } from './control/router';
import { generateTenant } from './generator';
import { createGraphRouter } from './graph/router';
import { subscriptionsOf } from './graph/subscriptions/store';
import { createIdentityRouter } from './identity/router';
import { SimStore } from './store';
import { loadOrCreateTls } from './tls';

export interface TenantSpec {
  preset: 'verafield' | 'scale';
  seed?: number;
  tenantId?: string;
  users?: number;
  groups?: number;
}

export interface StartSimulatorOptions {
  /** 0 = a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Keep the CA and server certificate here across restarts; in memory when absent. */
  certDir?: string;
  controlKey?: string;
  tenants?: TenantSpec[];
  apps?: AppSpec[];
  accessTokenLifetimeSeconds?: number;
  throttlingEnabled?: boolean;
  /** Receives one structured entry per request; silent when absent. */
  logger?: (entry: Record<string, unknown>) => void;
}

export interface RunningSimulator {
  baseUrl: string;
  caCertPem: string;
  caCertPath?: string;
  controlKey: string;
  ctx: SimulatorContext;
  /** The registered apps, secrets included. */
  apps: RegisteredApp[];
  control: SimulatorControl;
  close(): Promise<void>;
}

/** Entra's access tokens live 60-90 minutes; 3599 s is what its token endpoint reports. */
const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 3599;
const DELTA_TOKEN_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

function formatBaseUrl(host: string, port: number): string {
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** One JSON entry per response: method, path without query (it may hold codes or tokens), status, duration. */
function requestLogger(logger: (entry: Record<string, unknown>) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.on('finish', () => {
      logger({
        msg: 'request',
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    });
    next();
  };
}

function buildApp(ctx: SimulatorContext, caCertPem: string, logger: StartSimulatorOptions['logger']): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (logger) app.use(requestLogger(logger));
  app.get('/_ca.pem', (_req, res) => {
    res.type('application/x-pem-file').send(caCertPem);
  });
  app.use('/_control', createControlRouter(ctx));
  app.use('/v1.0', createGraphRouter(ctx));
  app.use(createIdentityRouter(ctx));
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', error_description: `The simulator serves no ${req.method} ${req.path}.` });
  });
  // Last resort for bugs: say so without leaking a stack, and log it.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    logger?.({ msg: 'unhandled error', method: req.method, path: req.path, error: err instanceof Error ? err.message : String(err) });
    if (!res.headersSent) res.status(500).json({ error: 'server_error', error_description: 'The simulator failed to handle the request.' });
  });
  return app;
}

function listen(server: https.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startSimulator(opts: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const controlKey = opts.controlKey ?? randomBytes(24).toString('base64url');
  const tls = loadOrCreateTls(opts.certDir);

  // The store and the context share one clock: ctx.advanceClock must age directory objects and tokens alike.
  // (The closure reads ctx only when the store first asks for the time, after ctx exists.)
  const store = new SimStore(() => ctx.now());
  const ctx = createSimulatorContext(store, {
    baseUrl: '',
    accessTokenLifetimeSeconds: opts.accessTokenLifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
    controlKey,
    throttlingEnabled: opts.throttlingEnabled ?? true,
    deltaTokenLifetimeMs: DELTA_TOKEN_LIFETIME_MS,
  });
  for (const t of opts.tenants ?? []) {
    store.addTenant(generateTenant(t.preset, { seed: t.seed, tenantId: t.tenantId, users: t.users, groups: t.groups, now: ctx.now() }));
  }
  const apps = (opts.apps ?? []).map((spec) => registerApp(spec, ctx.now()));
  for (const app of apps) ctx.apps.set(app.clientId, app);

  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, buildApp(ctx, tls.caCertPem, opts.logger));
  // Every TCP connection is tracked (not only finished TLS handshakes), so close() can end the keep-alive
  // connections clients (MSAL, https.Agent) hold open; server.close() alone would wait for them.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listen(server, opts.port ?? 0, host);
  const baseUrl = formatBaseUrl(host, port);
  ctx.settings.baseUrl = baseUrl;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      // No more change notifications or retries from a closed simulator.
      subscriptionsOf(ctx).close({ discardPending: true });
      server.close((err) => (err ? reject(err) : resolve()));
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };
  return {
    baseUrl,
    caCertPem: tls.caCertPem,
    caCertPath: tls.caCertPath,
    controlKey,
    ctx,
    apps,
    control: new SimulatorControl({ baseUrl, key: controlKey, ca: tls.caCertPem }),
    close,
  };
}
