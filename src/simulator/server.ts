/**
 * The simulator's HTTPS server: the identity platform at /, Graph v1.0 at /v1.0, the control API at /_control
 * and the CA certificate at /_ca.pem, over one SimulatorContext. This is the one entry point the gateway's
 * development mode and every test file use (through test/support/simulator.ts).
 */
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { consentKey, createSimulatorContext, type RegisteredApp, type SimulatorContext } from './context';
import { registerApp, type AppSpec } from './control/apps';
import { SimulatorControl } from './control/client';
import { createControlRouter } from './control/router';
import { generateTenant } from './generator';
import { createGraphRouter } from './graph/router';
import { subscriptionsOf } from './graph/subscriptions/store';
import { createIdentityRouter } from './identity/router';
import { exportSigningKey, readSnapshot, serializeSnapshot, signingKeyFrom, SNAPSHOT_VERSION, SnapshotWriter, type SimulatorSnapshot } from './persistence';
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
  /**
   * The host name clients use when it is not the listening address (0.0.0.0 in a container: the service name).
   * The base URL and issuer use it, and the server certificate names it besides localhost, 127.0.0.1 and ::1.
   */
  publicHost?: string;
  /**
   * Keep the simulator's state here (a JSON snapshot, persistence.ts): a restart resumes the same directory,
   * consents, refresh tokens and delta tokens. In memory only when absent.
   */
  stateFile?: string;
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
  /** Reports a change made in-process (not through HTTP), so the state file is rewritten; no-op without one. */
  persist(): void;
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

/** Reads never change state; every other request may (a token rotation, a consent, a directory write). */
function changeTracker(changed: () => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') res.on('finish', changed);
    next();
  };
}

function buildApp(ctx: SimulatorContext, caCertPem: string, logger: StartSimulatorOptions['logger'], changed?: () => void): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (logger) app.use(requestLogger(logger));
  if (changed) app.use(changeTracker(changed));
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
  const tls = loadOrCreateTls(opts.certDir, opts.publicHost ? [opts.publicHost] : []);

  const read = opts.stateFile ? readSnapshot(opts.stateFile) : { kind: 'none' as const };
  if (read.kind === 'unusable') {
    opts.logger?.({ msg: 'simulator state could not be used: starting fresh (the file is kept beside it)', reason: read.reason, setAside: read.setAside });
  }
  const saved = read.kind === 'loaded' ? read.snapshot : undefined;

  // The store and the context share one clock: ctx.advanceClock must age directory objects and tokens alike.
  // (The closure reads ctx only when the store first asks for the time, after ctx exists.)
  const store = new SimStore(() => ctx.now());
  const ctx = createSimulatorContext(
    store,
    {
      baseUrl: '',
      accessTokenLifetimeSeconds: opts.accessTokenLifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
      controlKey,
      throttlingEnabled: opts.throttlingEnabled ?? true,
      deltaTokenLifetimeMs: DELTA_TOKEN_LIFETIME_MS,
    },
    saved ? { signingKey: signingKeyFrom(saved), sealKey: Buffer.from(saved.keys.sealKey, 'base64') } : {},
  );
  if (saved) restoreState(ctx, saved);
  // A tenant the state already holds is kept as it was (users provisioned, memberships moved), not regenerated.
  for (const t of opts.tenants ?? []) {
    const tenant = generateTenant(t.preset, { seed: t.seed, tenantId: t.tenantId, users: t.users, groups: t.groups, now: ctx.now() });
    if (!store.getTenant(tenant.id)) store.addTenant(tenant);
  }
  // The apps asked for, keeping the secrets a snapshot holds (a gateway may have cached tokens for them).
  const apps = (opts.apps ?? []).map((spec) => {
    const kept = spec.clientId ? ctx.apps.get(spec.clientId.toLowerCase()) : undefined;
    return registerApp({ ...spec, secrets: spec.secrets ?? kept?.secrets }, ctx.now());
  });
  for (const app of apps) ctx.apps.set(app.clientId, app);

  const writer = opts.stateFile
    ? new SnapshotWriter(opts.stateFile, () => serializeSnapshot(takeSnapshot(ctx)), 200, (error) =>
        opts.logger?.({ msg: 'simulator state could not be saved', file: opts.stateFile, error: error.message }),
      )
    : undefined;
  // The state as started (a fresh tenant, new app secrets) is on disk before anyone uses it.
  writer?.flush(true);

  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, buildApp(ctx, tls.caCertPem, opts.logger, writer && (() => writer.changed())));
  // Every TCP connection is tracked (not only finished TLS handshakes), so close() can end the keep-alive
  // connections clients (MSAL, https.Agent) hold open; server.close() alone would wait for them.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listen(server, opts.port ?? 0, host);
  const baseUrl = formatBaseUrl(opts.publicHost ?? host, port);
  ctx.settings.baseUrl = baseUrl;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      // No more change notifications or retries from a closed simulator.
      subscriptionsOf(ctx).close({ discardPending: true });
      server.close((err) => {
        // After the last request: everything it changed is in the snapshot.
        writer?.flush(true);
        if (err) reject(err);
        else resolve();
      });
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
    persist: () => writer?.changed(),
    close,
  };
}

function takeSnapshot(ctx: SimulatorContext): SimulatorSnapshot {
  return {
    version: SNAPSHOT_VERSION,
    savedAt: new Date().toISOString(),
    keys: { ...exportSigningKey(ctx.signingKey), sealKey: ctx.sealKey.toString('base64') },
    tenants: ctx.store.exportTenants(),
    apps: [...ctx.apps.values()],
    consents: [...ctx.consents.values()],
    refreshTokens: ctx.identityGrants.exportRefreshTokens(),
    subscriptions: subscriptionsOf(ctx).exportSubscriptions(),
  };
}

function restoreState(ctx: SimulatorContext, saved: SimulatorSnapshot): void {
  for (const { tenant, state } of saved.tenants) ctx.store.restoreTenant(tenant, state);
  for (const app of saved.apps) ctx.apps.set(app.clientId, app);
  for (const consent of saved.consents) ctx.consents.set(consentKey(consent.tenantId, consent.clientId), consent);
  ctx.identityGrants.restoreRefreshTokens(saved.refreshTokens);
  subscriptionsOf(ctx).restoreSubscriptions(saved.subscriptions);
}
