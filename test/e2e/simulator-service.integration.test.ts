/**
 * The simulator as its own service (docker-compose.yml, profile `dev`), without Docker: `npm run simulator`'s entry
 * point in its own process with the settings compose gives it, and a gateway configured as compose configures
 * gateway-dev (SIMULATOR_URL, SIMULATOR_CA_CERT_PATH, SIMULATOR_CLIENT_SECRET).
 *
 * - Listening on 0.0.0.0 with SIMULATOR_PUBLIC_HOST=simulator: the certificate it serves names `simulator` (TLS
 *   verification against that name and its CA passes), it answers on a non-loopback address when the machine has
 *   one, and its URLs use the service name.
 * - A gateway pointed at a separately running simulator connects its Verafield tenant and serves the directory.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { freePort, npmStart, type NpmStart } from './npm-start';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'test', 'auth', 'support', 'register-swc.js');

interface StartedLine {
  baseUrl: string;
  listening: { host: string; port: number };
  caCertPath: string;
  clientSecret: string;
}

interface SimulatorProcess {
  started: StartedLine;
  stop(): Promise<void>;
}

async function startSimulatorProcess(env: Record<string, string>): Promise<SimulatorProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['-r', REGISTER, join(ROOT, 'src', 'simulator', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = await new Promise<StartedLine>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator: no start line within 60 s:\n${stdout}\n${stderr}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.includes('"simulator started'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as StartedLine);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`simulator exited before starting:\n${stdout}\n${stderr}`));
    });
  });
  return {
    started,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The certificate served at host:port, verified against `name` and `ca` as a client of that name would. */
function servedCertificate(host: string, port: number, name: string, ca: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, servername: name, ca, checkServerIdentity: (_h, cert) => tls.checkServerIdentity(name, cert) }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.once('error', reject);
  });
}

function nonLoopbackAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

describe('the simulator as its own service', () => {
  const dirs: string[] = [];
  const stops: Array<() => Promise<void>> = [];

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('listens on 0.0.0.0 and serves a certificate naming its service name, signed by the CA it shares', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-service-'));
    dirs.push(dir);
    const port = await freePort();
    const sim = await startSimulatorProcess({
      SIMULATOR_HOST: '0.0.0.0',
      SIMULATOR_PUBLIC_HOST: 'simulator',
      SIMULATOR_PORT: String(port),
      SIMULATOR_CERT_DIR: join(dir, 'simulator'),
      SIMULATOR_CA_COPY: join(dir, 'ca', 'ca.pem'),
    });
    stops.push(sim.stop);
    expect(sim.started.baseUrl).toBe(`https://simulator:${port}`);
    expect(sim.started.listening).toEqual({ host: '0.0.0.0', port });
    expect(sim.started.caCertPath).toBe(join(dir, 'ca', 'ca.pem'));
    const ca = await readFile(join(dir, 'ca', 'ca.pem'), 'utf8');
    expect(ca).toBe(await readFile(join(dir, 'simulator', 'ca.pem'), 'utf8'));

    const cert = await servedCertificate('127.0.0.1', port, 'simulator', ca);
    expect((cert.subjectaltname ?? '').split(', ')).toEqual(expect.arrayContaining(['DNS:simulator', 'DNS:localhost', 'IP Address:127.0.0.1']));
    // Another name is refused by the same verification: the check above is not vacuous.
    await expect(servedCertificate('127.0.0.1', port, 'gateway', ca)).rejects.toThrow(/altnames|does not match/i);

    const external = nonLoopbackAddress();
    if (external) {
      // Reachable from outside loopback, as another container reaches it.
      await expect(servedCertificate(external, port, 'simulator', ca)).resolves.toBeDefined();
    } else {
      process.stdout.write('simulator-service test: no non-loopback IPv4 address on this machine; the 0.0.0.0 reachability check is skipped\n');
    }
  }, 120_000);

  it('a gateway configured with SIMULATOR_URL, its CA and the shared secret connects its Verafield tenant', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-service-'));
    dirs.push(dir);
    const port = await freePort();
    const gatewayPort = await freePort();
    const secret = 'shared-between-the-two-services';
    const sim = await startSimulatorProcess({
      SIMULATOR_REDIRECT_URIS: `http://localhost:${gatewayPort}/oauth/callback,http://localhost:${gatewayPort}/oauth/admin-callback`,
      SIMULATOR_HOST: '127.0.0.1',
      SIMULATOR_PUBLIC_HOST: 'localhost',
      SIMULATOR_PORT: String(port),
      SIMULATOR_CERT_DIR: join(dir, 'simulator'),
      SIMULATOR_CA_COPY: join(dir, 'ca', 'ca.pem'),
      SIMULATOR_CLIENT_SECRET: secret,
    });
    stops.push(sim.stop);
    expect(sim.started.clientSecret).toBe(secret);
    const gateway: NpmStart = await npmStart({
      env: {
        PORT: String(gatewayPort),
        PUBLIC_URL: `http://localhost:${gatewayPort}`,
        SIMULATOR_URL: sim.started.baseUrl,
        SIMULATOR_CA_CERT_PATH: join(dir, 'ca', 'ca.pem'),
        SIMULATOR_CLIENT_SECRET: secret,
      },
    });
    stops.push(() => gateway.cleanup());
    expect(gateway.banner.simulatorUrl).toBe(sim.started.baseUrl);
    const response = await fetch(gateway.banner.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.banner.apiKey}` },
      body: JSON.stringify({
        query: 'query($t: ID!) { tenant(id: $t) { status user(userPrincipalName: "nora.finch@verafield.com") { displayName } } }',
        variables: { t: gateway.banner.tenantId },
      }),
    });
    expect(await response.json()).toEqual({ data: { tenant: { status: 'ACTIVE', user: { displayName: 'Nora Finch' } } } });
  }, 180_000);
});
