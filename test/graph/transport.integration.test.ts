/**
 * TLS trust of the Graph transport and of MSAL's network module (issue 9): the extra CA reaches the agent as one
 * secure context, not as the agent's `ca` list. Real HTTPS: the simulator (trusted through its CA) and a second
 * server whose certificate comes from another private CA (refused).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { AgentPool } from '../../src/graph';
import { secureContextTrusting, sendHttp } from '../../src/graph/transport';
import { HttpsNetworkClient } from '../../src/identity/network-client';
import { VERAFIELD } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import { loadOrCreateTls } from '../../src/simulator/tls';
import { startTestSimulator } from '../support/simulator';

let sim: RunningSimulator;
let stranger: https.Server;
let strangerUrl: string;
let strangerCa: string;
const certDir = mkdtempSync(join(tmpdir(), 'transport-test-'));

beforeAll(async () => {
  sim = await startTestSimulator();
  // Same host names, same shape of certificate, but signed by a CA nobody here trusts.
  const other = loadOrCreateTls(certDir);
  strangerCa = other.caCertPem;
  stranger = https.createServer({ key: other.keyPem, cert: other.certPem }, (_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => stranger.listen(0, '127.0.0.1', resolve));
  strangerUrl = `https://127.0.0.1:${(stranger.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => stranger.close(resolve));
  await sim.close();
  rmSync(certDir, { recursive: true, force: true });
});

const discovery = (base: string) => `${base}/${VERAFIELD.tenantId}/v2.0/.well-known/openid-configuration`;
const get = (agent: https.Agent, url: string) => sendHttp({ method: 'GET', url, headers: {}, agent, signal: AbortSignal.timeout(10_000) });

describe('Graph transport (AgentPool)', () => {
  const pool = new AgentPool();
  afterAll(() => pool.destroy());

  test("requests to the simulator verify against its CA, repeatedly over one pooled agent", async () => {
    const agent = pool.agentFor(sim.baseUrl, sim.caCertPem) as https.Agent;
    for (let i = 0; i < 3; i++) expect((await get(agent, discovery(sim.baseUrl))).status).toBe(200);
    expect(pool.agentFor(sim.baseUrl, sim.caCertPem)).toBe(agent);
  });

  test('a server with a certificate from another CA is refused', async () => {
    const agent = pool.agentFor(strangerUrl, sim.caCertPem) as https.Agent;
    await expect(get(agent, `${strangerUrl}/`)).rejects.toMatchObject({ code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/) });
  });

  test("without the extra CA the simulator is refused (Node's roots only)", async () => {
    const agent = pool.agentFor(sim.baseUrl) as https.Agent;
    await expect(get(agent, discovery(sim.baseUrl))).rejects.toMatchObject({ code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/) });
  });

  test("the agent's pool name no longer carries the CA list (it is built on every request)", () => {
    const agent = pool.agentFor(sim.baseUrl, sim.caCertPem) as https.Agent;
    // As Agent#addRequest names a request: the request's options over the agent's own.
    const nameOf = (a: https.Agent) => a.getName({ ...a.options, host: '127.0.0.1', port: 443, servername: 'localhost' });
    expect(nameOf(agent).length).toBeLessThan(1024);
    // What the old `ca: [...roots, caPem]` agent built per request, for scale.
    expect(nameOf(new https.Agent({ ca: [...tls.rootCertificates, sim.caCertPem] })).length).toBeGreaterThan(100_000);
  });

  test('one secure context per CA bundle', () => {
    expect(secureContextTrusting(sim.caCertPem)).toBe(secureContextTrusting(sim.caCertPem));
    expect(secureContextTrusting(strangerCa)).not.toBe(secureContextTrusting(sim.caCertPem));
  });
});

describe("MSAL's network module (HttpsNetworkClient)", () => {
  test('trusts the simulator through its CA and refuses a certificate from another CA', async () => {
    const client = new HttpsNetworkClient({ caPem: sim.caCertPem });
    try {
      const answer = await client.sendGetRequestAsync<{ issuer: string }>(discovery(sim.baseUrl));
      expect(answer.status).toBe(200);
      expect(answer.body.issuer).toContain(VERAFIELD.tenantId);
      await expect(client.sendGetRequestAsync(`${strangerUrl}/`)).rejects.toMatchObject({ errorCode: 'network_error' });
    } finally {
      client.close();
    }
  });
});
