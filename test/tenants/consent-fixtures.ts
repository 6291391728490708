/**
 * A gateway wired to a running simulator as its custom cloud, with the gateway's callback URLs registered on
 * the simulator's app, and a small HTTP server standing in for the product's page at returnUrl. `browse`
 * plays the customer's browser: consent page, Microsoft's redirect to the gateway, the gateway's redirect on.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLClient } from 'graphql-request';
import { DEFAULT_PRODUCT_APP_ID, VERAFIELD } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import { callbackUris } from '../../src/tenants/consent-requests';
import { bearer, startTestGateway, type TestGateway } from '../support/gateway';
import { answerConsentPage, startTestSimulator } from '../support/simulator';

export const GLOBAL_ADMIN = VERAFIELD.users.globalAdmin.userPrincipalName;

/** The product's page behind returnUrl: answers 200 and remembers each query it was called with. */
export interface ProductPage {
  origin: string;
  url(path?: string): string;
  visits: URLSearchParams[];
  close(): Promise<void>;
}

export interface ConsentBench {
  gw: TestGateway;
  sim: RunningSimulator;
  product: ProductPage;
  /** A client holding a key with every scope on every tenant. */
  admin: GraphQLClient;
  adminKey: string;
  stop(): Promise<void>;
}

/** `env`: more gateway settings (limits, ...) on top of the bench's own. */
export async function startConsentBench(options: { env?: Record<string, string> } = {}): Promise<ConsentBench> {
  const product = await startProductPage();
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const uris = callbackUris(publicUrl);
  const sim = await startTestSimulator({
    apps: [{ clientId: DEFAULT_PRODUCT_APP_ID, displayName: 'Gateway Product', redirectUris: [uris.DELEGATED, uris.APPLICATION] }],
  });
  const caDir = await mkdtemp(join(tmpdir(), 'entra-gateway-ca-'));
  const caPath = join(caDir, 'ca.pem');
  await writeFile(caPath, sim.caCertPem);
  const app = sim.apps[0]!;
  const gw = await startTestGateway({
    env: {
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      ALLOWED_RETURN_ORIGINS: product.origin,
      ENTRA_CLOUD: 'custom',
      ENTRA_LOGIN_URL: sim.baseUrl,
      ENTRA_GRAPH_URL: sim.baseUrl,
      ENTRA_CLIENT_ID: app.clientId,
      ENTRA_CLIENT_SECRET: app.secrets[0]!.secretText,
      ENTRA_CA_CERT_PATH: caPath,
      ...options.env,
    },
  });
  const adminKey = await gw.mintKey();
  return {
    gw,
    sim,
    product,
    adminKey,
    admin: new GraphQLClient(gw.graphqlUrl, { headers: bearer(adminKey) }),
    async stop() {
      await gw.stop();
      sim.control.close();
      await sim.close();
      await product.close();
      await rm(caDir, { recursive: true, force: true });
    },
  };
}

export interface BrowseResult {
  /** Where Microsoft sent the browser (the gateway's callback), with its query. */
  callback: URL;
  /** The gateway's answer to the callback. */
  status: number;
  location: string | null;
  body: string;
}

/**
 * Opens `consentUrl`, answers the consent page as `login`, follows Microsoft's redirect to the gateway, and,
 * when the gateway redirects to the product page, follows that too.
 */
export async function browse(
  bench: Pick<ConsentBench, 'sim'>,
  consentUrl: string,
  answer: { login?: string; decision?: 'accept' | 'cancel' } = {},
): Promise<BrowseResult> {
  const decision = await answerConsentPage(bench.sim, consentUrl, { login: answer.login ?? GLOBAL_ADMIN, decision: answer.decision });
  const location = decision.headers.location;
  if (decision.status !== 302 || typeof location !== 'string') {
    throw new Error(`expected Microsoft's 302 to the callback, got ${decision.status}: ${decision.text.slice(0, 200)}`);
  }
  return callGateway(new URL(location));
}

/** One GET to a gateway callback URL, then (if it redirects to the product page) one GET there. */
export async function callGateway(callback: URL): Promise<BrowseResult> {
  const res = await fetch(callback, { redirect: 'manual' });
  const body = await res.text();
  const location = res.headers.get('location');
  if (res.status === 303 && location) await fetch(location);
  return { callback, status: res.status, location, body };
}

export function outcome(result: BrowseResult): Record<string, string> {
  if (!result.location) throw new Error(`expected a redirect, got ${result.status}: ${result.body}`);
  return Object.fromEntries(new URL(result.location).searchParams);
}

export async function startProductPage(): Promise<ProductPage> {
  const visits: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    visits.push(new URL(req.url ?? '/', 'http://product.invalid').searchParams);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('welcome back\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path = '/onboarding/done') => `${origin}${path}`,
    visits,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
