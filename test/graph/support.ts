/**
 * The Graph client's test bed: a simulator with Verafield, the product app admin-consented through the real
 * consent page, and app-only tokens from the simulator's token endpoint (client credentials), as the gateway
 * gets them in production. Tokens are never minted with the simulator's key here.
 */
import { GraphClient, type GraphClientOptions, type GraphTenantContext } from '../../src/graph';
import { VERAFIELD } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import { grantAdminConsent, startTestSimulator, TEST_ADMIN_REDIRECT_URI, tokenRequest } from '../support/simulator';

export const TENANT_KEY = 'tenant-verafield';

export interface GraphTestbed {
  sim: RunningSimulator;
  /** A tenant context for the product app; `tokens` counts getAccessToken calls and force-refreshes. */
  tenant(overrides?: Partial<GraphTenantContext>): GraphTenantContext & { tokens: { calls: number; forced: number } };
  client(opts?: GraphClientOptions, overrides?: Partial<GraphTenantContext>): GraphClient;
  /** Registers another app with exactly these application permissions, consents it, returns its tenant context. */
  appWith(permissions: string[]): Promise<GraphTenantContext>;
  /** Clears faults and counters between tests. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function clientCredentialsToken(sim: RunningSimulator, clientId: string, secret: string): Promise<string> {
  const res = await tokenRequest(sim, VERAFIELD.tenantId, {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: secret,
    scope: 'https://graph.microsoft.com/.default',
  });
  if (res.status !== 200) throw new Error(`expected a token (200), got ${res.status}: ${res.text}`);
  return res.json().access_token;
}

export async function startGraphTestbed(): Promise<GraphTestbed> {
  const sim = await startTestSimulator();
  const consent = await grantAdminConsent(sim);
  if (consent.get('admin_consent') !== 'True') throw new Error(`admin consent failed: ${consent.toString()}`);
  const app = sim.apps[0];
  let cached: string | undefined;
  const clients: GraphClient[] = [];

  const tenant: GraphTestbed['tenant'] = (overrides = {}) => {
    const tokens = { calls: 0, forced: 0 };
    return {
      tenantKey: TENANT_KEY,
      graphBaseUrl: sim.baseUrl,
      caPem: sim.caCertPem,
      getAccessToken: async (options) => {
        tokens.calls += 1;
        if (options?.forceRefresh) tokens.forced += 1;
        if (!cached || options?.forceRefresh) cached = await clientCredentialsToken(sim, app.clientId, app.secrets[0].secretText);
        return cached;
      },
      ...overrides,
      tokens,
    };
  };

  return {
    sim,
    tenant,
    client(opts, overrides) {
      const client = new GraphClient(tenant(overrides), opts);
      clients.push(client);
      return client;
    },
    async appWith(permissions) {
      const registered = await sim.control.registerApp({ displayName: 'Narrow Reader', redirectUris: [TEST_ADMIN_REDIRECT_URI], applicationPermissions: permissions });
      await grantAdminConsent(sim, { clientId: registered.clientId });
      const token = await clientCredentialsToken(sim, registered.clientId, registered.clientSecret);
      return { tenantKey: 'tenant-narrow', graphBaseUrl: sim.baseUrl, caPem: sim.caCertPem, getAccessToken: async () => token };
    },
    async reset() {
      await sim.control.setFaults({ throttleNextRequests: 0, serverErrorRate: 0, latencyMs: 0, retryAfterSeconds: 1 });
      await sim.control.resetCounters();
    },
    async close() {
      for (const client of clients) client.close();
      sim.control.close();
      await sim.close();
    },
  };
}
