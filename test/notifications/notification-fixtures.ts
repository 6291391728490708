/**
 * Near-real-time changes end to end: one simulator, one gateway (or two on one database), Verafield connected
 * through the real consent flow in APPLICATION mode with READ_DIRECTORY and CHANGE_NOTIFICATIONS (the app
 * registration holds Group.Read.All, which Graph requires to subscribe to groups). The scheduler runs with the
 * default 300 s interval, so a change that reaches a subscriber within seconds came through a notification.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLClient } from 'graphql-request';
import { DEFAULT_APPLICATION_PERMISSIONS } from '../../src/simulator/control/apps';
import { DEFAULT_PRODUCT_APP_ID } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import { callbackUris } from '../../src/tenants/consent-requests';
import { connectVerafield } from '../directory/directory-fixtures';
import { secondHandle } from '../events/event-fixtures';
import { createTestDatabase } from '../support/db';
import { bearer, startTestGateway, type TestGateway } from '../support/gateway';
import { startTestSimulator } from '../support/simulator';
import { freePort, startProductPage, type ConsentBench } from '../tenants/consent-fixtures';

export interface NotificationBench {
  sim: RunningSimulator;
  /** Serves PUBLIC_URL: the consent callback and Graph's notifications. */
  gw: TestGateway;
  /** A second instance on the same database (only with `secondInstance`). */
  gwB?: TestGateway;
  tenantId: string;
  admin: GraphQLClient;
  adminKey: string;
  stop(): Promise<void>;
}

export async function startNotificationBench(opts: { secondInstance?: boolean; env?: Record<string, string> } = {}): Promise<NotificationBench> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const product = await startProductPage();
    cleanups.push(() => product.close());
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const uris = callbackUris(publicUrl);
    const sim = await startTestSimulator({
      apps: [
        {
          clientId: DEFAULT_PRODUCT_APP_ID,
          displayName: 'Gateway Product',
          redirectUris: [uris.DELEGATED, uris.APPLICATION],
          applicationPermissions: [...DEFAULT_APPLICATION_PERMISSIONS, 'Group.Read.All'],
        },
      ],
    });
    cleanups.push(async () => {
      sim.control.close();
      await sim.close();
    });
    const caDir = await mkdtemp(join(tmpdir(), 'entra-gateway-ca-'));
    cleanups.push(() => rm(caDir, { recursive: true, force: true }));
    const caPath = join(caDir, 'ca.pem');
    await writeFile(caPath, sim.caCertPem);
    const app = sim.apps[0]!;
    const shared = {
      ALLOWED_RETURN_ORIGINS: product.origin,
      ENTRA_CLOUD: 'custom',
      ENTRA_LOGIN_URL: sim.baseUrl,
      ENTRA_GRAPH_URL: sim.baseUrl,
      ENTRA_CLIENT_ID: app.clientId,
      ENTRA_CLIENT_SECRET: app.secrets[0]!.secretText,
      ENTRA_CA_CERT_PATH: caPath,
      ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
      // Polling as in production: every 300 s. The scheduler's first tick runs the initial round.
      SYNC_ENABLED: 'true',
      SYNC_DEFAULT_INTERVAL: '300',
      SYNC_TICK_MS: '1000',
      GRAPH_NOTIFICATIONS: 'auto',
      GRAPH_NOTIFICATIONS_DEBOUNCE_MS: '200',
      ...opts.env,
    };
    const database = await createTestDatabase();
    const gw = await startTestGateway({ database, env: { ...shared, PORT: String(port), PUBLIC_URL: publicUrl } });
    cleanups.push(async () => {
      await gw.services.notifications.stop();
      await gw.stop();
    });
    let gwB: TestGateway | undefined;
    if (opts.secondInstance) {
      gwB = await startTestGateway({ database: await secondHandle(database), env: { ...shared, PUBLIC_URL: publicUrl } });
      const b = gwB;
      cleanups.push(async () => {
        await b.services.notifications.stop();
        await b.stop();
      });
    }
    const adminKey = await gw.mintKey();
    const admin = new GraphQLClient(gw.graphqlUrl, { headers: bearer(adminKey) });
    const consent: ConsentBench = { gw, sim, product, adminKey, admin, stop };
    const tenantId = await connectVerafield(consent, { authMode: 'APPLICATION', features: ['READ_DIRECTORY', 'CHANGE_NOTIFICATIONS'] });
    return { sim, gw, gwB, tenantId, admin, adminKey, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Resolves when `test` holds, polling `read` (a database or control-API read); throws naming `what` after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, test: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (test(value)) return value;
    if (Date.now() > deadline) throw new Error(`expected ${what} within ${timeoutMs} ms; last seen ${JSON.stringify(value)?.slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
