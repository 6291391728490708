/**
 * `npm run simulator`: a local Microsoft Entra simulator with the Verafield tenant and one registered dev app.
 * Prints one JSON line with what a gateway needs to use it (then one per request). Everything printed (control key, client secret)
 * belongs to this local test double and grants nothing outside it.
 *
 * Env: SIMULATOR_PORT (8443), SIMULATOR_CERT_DIR (.data/simulator), SIMULATOR_CONTROL_KEY (random),
 * SIMULATOR_REDIRECT_URIS (comma-separated; the gateway's two OAuth callbacks on localhost:4000).
 */
import { DEFAULT_PRODUCT_APP_ID } from './generator';
import { startSimulator } from './server';

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

async function main(): Promise<void> {
  const redirectUris = (process.env.SIMULATOR_REDIRECT_URIS ?? DEFAULT_REDIRECT_URIS)
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const sim = await startSimulator({
    port: parsePort(process.env.SIMULATOR_PORT),
    certDir: process.env.SIMULATOR_CERT_DIR ?? '.data/simulator',
    controlKey: process.env.SIMULATOR_CONTROL_KEY || undefined,
    tenants: [{ preset: 'verafield' }],
    apps: [{ clientId: DEFAULT_PRODUCT_APP_ID, displayName: 'Gateway Product (local dev)', redirectUris }],
    logger: log,
  });
  const [app] = sim.apps;
  log({
    msg: 'simulator started (local test double: these credentials work only against it)',
    baseUrl: sim.baseUrl,
    caCertPath: sim.caCertPath,
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
