/** MSAL's network module over real HTTPS to the simulator: an extra CA for this client only, typed failures. */
import https from 'node:https';
import { AuthError, ServerError } from '@azure/msal-node';
import { HttpsNetworkClient } from '../../src/identity/network-client';
import { VERAFIELD } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import { startTestSimulator } from '../support/simulator';

let sim: RunningSimulator;
const clients: HttpsNetworkClient[] = [];

function client(caPem?: string): HttpsNetworkClient {
  const created = new HttpsNetworkClient({ caPem, timeoutMs: 5_000 });
  clients.push(created);
  return created;
}

beforeAll(async () => {
  sim = await startTestSimulator();
});

afterAll(async () => {
  for (const c of clients) c.close();
  sim.control.close();
  await sim.close();
});

const discovery = () => `${sim.baseUrl}/${VERAFIELD.tenantId}/v2.0/.well-known/openid-configuration`;

it('trusts the extra CA for its own requests', async () => {
  const response = await client(sim.caCertPem).sendGetRequestAsync<{ issuer: string }>(discovery());
  expect(response.status).toBe(200);
  expect(response.body.issuer).toBe(`${sim.baseUrl}/${VERAFIELD.tenantId}/v2.0`);
});

it('leaves the rest of the process untrusting: neither another client nor plain https accepts the certificate', async () => {
  const failure = await client().sendGetRequestAsync(discovery()).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(AuthError);
  expect(failure).toMatchObject({ errorCode: 'network_error' });

  const plain = await new Promise<Error>((resolve) => {
    https.get(discovery(), { agent: false }, () => resolve(new Error('expected a TLS failure'))).on('error', resolve);
  });
  expect((plain as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
});

it('throws 5xx answers as ServerError with status and AADSTS code instead of returning them', async () => {
  await sim.control.setFaults({ tokenServerErrorRate: 1 });
  try {
    const failure = await client(sim.caCertPem)
      .sendPostRequestAsync(`${sim.baseUrl}/${VERAFIELD.tenantId}/oauth2/v2.0/token`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      })
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ServerError);
    expect(failure).toMatchObject({ status: 503, errorCode: 'temporarily_unavailable', errorNo: '90033' });
  } finally {
    await sim.control.setFaults({ tokenServerErrorRate: 0 });
  }
});

it('returns 4xx error bodies for MSAL to read', async () => {
  const response = await client(sim.caCertPem).sendPostRequestAsync<{ error: string; error_codes: number[] }>(
    `${sim.baseUrl}/${VERAFIELD.tenantId}/oauth2/v2.0/token`,
    { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=unknown_grant' },
  );
  expect(response.status).toBe(400);
  expect(response.body.error).toBe('unsupported_grant_type');
});
