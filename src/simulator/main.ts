/**
 * `npm run simulator`: a local Microsoft Entra simulator with the Verafield tenant and one registered dev app.
 * Prints one JSON line with what a gateway needs to use it (then one per request). Everything printed (control key, client secret)
 * belongs to this local test double and grants nothing outside it.
 *
 * Env: SIMULATOR_PORT (8443), SIMULATOR_CERT_DIR (.data/simulator), SIMULATOR_CONTROL_KEY (random),
 * SIMULATOR_REDIRECT_URIS (comma-separated; the gateway's two OAuth callbacks on localhost:4000),
 * SIMULATOR_HOST (the address to listen on, 127.0.0.1; 0.0.0.0 in a container), SIMULATOR_PUBLIC_HOST (the name
 * clients use, e.g. a compose service name: it goes into the URLs and the certificate; default the listening
 * address), SIMULATOR_STATE_FILE (<cert dir>/state.json: the state kept across restarts), SIMULATOR_CLIENT_SECRET
 * (the registered app's secret; random when unset), SIMULATOR_CA_COPY (also write the CA certificate there, e.g. a
 * volume shared with the gateway).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_PRODUCT_APP_ID } from './generator';
import { startSimulator } from './server';
import { loadOrCreateTls } from './tls';

const DEFAULT_REDIRECT_URIS = 'http://localhost:4000/oauth/callback,http://localhost:4000/oauth/admin-callback';

function parsePort(raw: string | undefined): number {
  const port = Number(raw ?? '8443');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SIMULATOR_PORT must be an integer port between 0 and 65535, got '${raw}'`);
  }
  return port;
}

function log(entry: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}

/** 0.0.0.0 and :: are where to listen, not names to reach: clients use localhost then, unless told otherwise. */
function publicHost(listen: string, explicit: string | undefined): string | undefined {
  if (explicit) return explicit;
  return listen === '0.0.0.0' || listen === '::' ? 'localhost' : undefined;
}

async function main(): Promise<void> {
  const certDir = process.env.SIMULATOR_CERT_DIR ?? '.data/simulator';
  const host = process.env.SIMULATOR_HOST || '127.0.0.1';
  const secret = process.env.SIMULATOR_CLIENT_SECRET || undefined;
  const advertised = publicHost(host, process.env.SIMULATOR_PUBLIC_HOST || undefined);
  // The CA is copied before the port opens: whoever waits for the port (a compose health check) finds it there.
  const caCopy = process.env.SIMULATOR_CA_COPY;
  if (caCopy) {
    const tls = loadOrCreateTls(certDir, advertised ? [advertised] : []);
    mkdirSync(dirname(caCopy), { recursive: true });
    copyFileSync(tls.caCertPath!, caCopy);
  }
  const redirectUris = (process.env.SIMULATOR_REDIRECT_URIS ?? DEFAULT_REDIRECT_URIS)
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const sim = await startSimulator({
    port: parsePort(process.env.SIMULATOR_PORT),
    host,
    publicHost: advertised,
    certDir,
    stateFile: process.env.SIMULATOR_STATE_FILE || join(certDir, 'state.json'),
    controlKey: process.env.SIMULATOR_CONTROL_KEY || undefined,
    tenants: [{ preset: 'verafield' }],
    apps: [
      {
        clientId: DEFAULT_PRODUCT_APP_ID,
        displayName: 'Gateway Product (local dev)',
        redirectUris,
        ...(secret ? { secrets: [{ secretText: secret, endDateTime: new Date(Date.now() + 2 * 365 * 24 * 3600 * 1000).toISOString() }] } : {}),
      },
    ],
    logger: log,
  });
  const [app] = sim.apps;
  log({
    msg: 'simulator started (local test double: these credentials work only against it)',
    baseUrl: sim.baseUrl,
    listening: { host, port: Number(new URL(sim.baseUrl).port) },
    caCertPath: caCopy || sim.caCertPath,
    controlKey: sim.controlKey,
    tenantIds: [...sim.ctx.store.tenants.keys()],
    clientId: app.clientId,
    clientSecret: app.secrets[0].secretText,
    redirectUris: app.redirectUris,
  });
  const stop = (signal: string) => {
    log({ msg: 'simulator stopping', signal });
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log({ msg: 'simulator failed to stop cleanly', error: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  log({ msg: 'simulator failed to start', error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
