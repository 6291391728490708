/**
 * Two gateway processes on ONE database and one simulator, as several instances of one deployment run: the
 * same Entra app registration and the same encryption keys, each with its own DataSource (its own pool and
 * LISTEN connection) and its own sync engine (its own lease owner). Gateway A serves the consent callback
 * (PUBLIC_URL), so Verafield is connected through A with the real consent flow.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLClient } from 'graphql-request';
import { DEFAULT_PRODUCT_APP_ID } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import { callbackUris } from '../../src/tenants/consent-requests';
import { connectVerafield } from '../directory/directory-fixtures';
import { secondHandle } from '../events/event-fixtures';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, startTestGateway, type TestGateway } from '../support/gateway';
import { startTestSimulator } from '../support/simulator';
import { freePort, startProductPage, type ConsentBench } from '../tenants/consent-fixtures';

export interface TwoProcessBench {
  sim: RunningSimulator;
  /** Serves the consent callback; Verafield is connected through it. */
  gwA: TestGateway;
  /** A second process on the same database. */
  gwB: TestGateway;
  /** The gateway's id of the connected (ACTIVE) Verafield tenant. */
  tenantId: string;
  /** The database both serve (A drops it when it stops), and the settings every instance shares, for more instances. */
  database: TestDatabase;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startTwoProcessBench(): Promise<TwoProcessBench> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const product = await startProductPage();
    cleanups.push(() => product.close());
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const uris = callbackUris(publicUrl);
    const sim = await startTestSimulator({
      apps: [{ clientId: DEFAULT_PRODUCT_APP_ID, displayName: 'Gateway Product', redirectUris: [uris.DELEGATED, uris.APPLICATION] }],
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
    // What every instance of the deployment shares: the Entra app and the encryption keys.
    const shared = {
      ALLOWED_RETURN_ORIGINS: product.origin,
      ENTRA_CLOUD: 'custom',
      ENTRA_LOGIN_URL: sim.baseUrl,
      ENTRA_GRAPH_URL: sim.baseUrl,
      ENTRA_CLIENT_ID: app.clientId,
      ENTRA_CLIENT_SECRET: app.secrets[0]!.secretText,
      ENTRA_CA_CERT_PATH: caPath,
      ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
      // The tests delimit each round's events by its SYNC_COMPLETED, quiet rounds included: one after every round.
      SYNC_COMPLETED_HEARTBEAT_SECONDS: '0',
    };
    const database = await createTestDatabase();
    // (startTestGateway drops the database it was given when it fails to start.)
    const gwA = await startTestGateway({ database, env: { ...shared, PORT: String(port), PUBLIC_URL: publicUrl } });
    // A stops after B: its stop() drops the database.
    cleanups.push(() => gwA.stop());
    const gwB = await startTestGateway({ database: await secondHandle(database), env: shared });
    cleanups.push(() => gwB.stop());

    const adminKey = await gwA.mintKey();
    const consent: ConsentBench = {
      gw: gwA,
      sim,
      product,
      adminKey,
      admin: new GraphQLClient(gwA.graphqlUrl, { headers: bearer(adminKey) }),
      stop,
    };
    const tenantId = await connectVerafield(consent);
    return { sim, gwA, gwB, tenantId, database, env: shared, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
