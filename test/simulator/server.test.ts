/** The simulator's HTTPS server: TLS trust, mounts, request logging, the shared clock and a clean close. */
import https from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningSimulator } from '../../src/simulator/server';
import { VERAFIELD } from '../../src/simulator/generator';
import { simRequest, startTestSimulator, tokenRequest } from '../support/simulator';

describe('a running simulator', () => {
  const entries: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  // A request is logged when the server finishes writing it, which may be after the client has read it all.
  const loggedEntry = async (predicate: (e: Record<string, unknown>) => boolean) => {
    while (!entries.some(predicate)) await new Promise<void>((resolve) => waiters.push(resolve));
    return entries.find(predicate);
  };
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator({
      logger: (e) => {
        entries.push(e);
        waiters.splice(0).forEach((wake) => wake());
      },
    });
  });
  afterAll(() => sim.close());

  test('serves HTTPS on 127.0.0.1 with a certificate its CA (at /_ca.pem) vouches for', async () => {
    expect(sim.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await simRequest(sim, '/_ca.pem');
    expect(res.status).toBe(200);
    expect(res.text).toBe(sim.caCertPem);
    expect(res.text).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  test('a client that does not trust the CA is refused by TLS', async () => {
    const outcome = await new Promise<string>((resolve) => {
      https.get(`${sim.baseUrl}/_ca.pem`, { agent: false }, () => resolve('connected')).on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(outcome).toMatch(/CERT|SELF_SIGNED|UNABLE_TO/);
  });

  test('mounts Graph at /v1.0 and the control API at /_control, each with its own authentication', async () => {
    const graph = await simRequest(sim, '/v1.0/users');
    expect(graph.status).toBe(401);
    expect(graph.json().error.code).toBe('InvalidAuthenticationToken');
    const control = await simRequest(sim, '/_control/tenants');
    expect(control.status).toBe(401);
  });

  test('an unknown path is a JSON 404', async () => {
    const res = await simRequest(sim, '/no/such/path');
    expect(res.status).toBe(404);
    expect(res.json().error).toBe('not_found');
  });

  test('logs one structured entry per request, without the query string or any body', async () => {
    const secret = sim.apps[0].secrets[0].secretText;
    await simRequest(sim, `/${VERAFIELD.tenantId}/v2.0/.well-known/openid-configuration?secret-looking=query`);
    await tokenRequest(sim, VERAFIELD.tenantId, { grant_type: 'client_credentials', client_id: sim.apps[0].clientId, client_secret: secret, scope: 'x' });
    const discovery = await loggedEntry((e) => String(e.path).endsWith('/openid-configuration'));
    expect(discovery).toEqual({ msg: 'request', method: 'GET', path: `/${VERAFIELD.tenantId}/v2.0/.well-known/openid-configuration`, status: 200, ms: expect.any(Number) });
    expect(await loggedEntry((e) => String(e.path).endsWith('/token'))).toMatchObject({ method: 'POST', status: 400 });
    const logged = JSON.stringify(entries);
    expect(logged).not.toContain('secret-looking');
    expect(logged).not.toContain(secret);
  });

  test('the store runs on the context clock', () => {
    sim.ctx.advanceClock(365 * 24 * 60 * 60 * 1000);
    const before = sim.ctx.now();
    const group = sim.ctx.store.createGroup(VERAFIELD.tenantId, { displayName: 'Clock test', mailEnabled: false, mailNickname: 'clocktest', securityEnabled: true });
    expect(Date.parse(group.createdDateTime)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(group.createdDateTime)).toBeLessThanOrEqual(sim.ctx.now());
  });
});

test('close() ends keep-alive connections, so it resolves while a client still holds one open', async () => {
  const sim = await startTestSimulator({ tenants: [] });
  const agent = new https.Agent({ keepAlive: true, ca: sim.caCertPem });
  try {
    await new Promise<void>((resolve, reject) => {
      https.get(`${sim.baseUrl}/_ca.pem`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
    expect(Object.keys(agent.freeSockets).length).toBe(1);
    await sim.close();
    await expect(simRequest(sim, '/_ca.pem')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  } finally {
    agent.destroy();
  }
});

test('with a certDir, a restarted simulator keeps its CA', async () => {
  const certDir = await mkdtemp(join(tmpdir(), 'sim-certs-'));
  try {
    const first = await startTestSimulator({ certDir, tenants: [] });
    await first.close();
    const second = await startTestSimulator({ certDir, tenants: [] });
    await second.close();
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.caCertPath).toBe(join(certDir, 'ca.pem'));
    expect(await readFile(second.caCertPath!, 'utf8')).toBe(first.caCertPem);
  } finally {
    await rm(certDir, { recursive: true, force: true });
  }
});
