/**
 * `npm start` as a user runs it, minus the build: src/main.ts in its own process (TypeScript through the same swc
 * settings as the build), simulator mode, on free ports, a fresh test database and a temporary data folder. Reads
 * the banner for what the README tells users to copy from it.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../support/db';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'test', 'auth', 'support', 'register-swc.js');

export interface Banner {
  graphqlUrl: string;
  simulatorUrl: string;
  tenantId: string;
  productAppId: string;
  apiKey: string;
  simulatorKey?: string;
  /** The single-use link to Verafield's hosted admin portal. */
  portalUrl?: string;
}

export interface NpmStart {
  banner: Banner;
  publicUrl: string;
  dataDir: string;
  database: TestDatabase;
  /** Everything the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then waits for the exit; returns the exit code and all output. Idempotent. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Stops (if running), drops the database and removes the data folder. */
  cleanup(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function parseBanner(stdout: string): Banner | undefined {
  const field = (label: string) => new RegExp(`^\\s+${label}\\s+(\\S+)`, 'm').exec(stdout)?.[1];
  const graphqlUrl = /^Entra Gateway ready: \S+ (\S+)/m.exec(stdout)?.[1];
  const [simulatorUrl, tenantId, productAppId, apiKey] = ['Entra simulator', 'Verafield tenant', 'product app id', 'local API key'].map(field);
  if (!graphqlUrl || !simulatorUrl || !tenantId || !productAppId || !apiKey) return undefined;
  return { graphqlUrl, simulatorUrl, tenantId, productAppId, apiKey, simulatorKey: field('simulator key'), portalUrl: field('admin portal') };
}

export async function npmStart(opts: { env?: Record<string, string>; dataDir?: string; database?: TestDatabase } = {}): Promise<NpmStart> {
  const database = opts.database ?? (await createTestDatabase({ migrate: false }));
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'entra-gateway-start-')));
  await chmod(dataDir, 0o755);
  const port = await freePort();
  const publicUrl = `http://localhost:${port}`;
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['-r', REGISTER, join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      PORT: String(port),
      SIMULATOR_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
      ...opts.env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping: Promise<{ code: number | null; stdout: string; stderr: string }> | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      return { code, stdout, stderr };
    })());

  const banner = await new Promise<Banner>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start: expected the banner within 90 s, got:\n${stdout}\n${stderr}`)), 90_000);
    const check = () => {
      const parsed = parseBanner(stdout);
      if (parsed) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(parsed);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before its banner:\n${stdout}\n${stderr}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    if (!opts.database) await database.drop();
    throw error;
  });

  return {
    banner,
    publicUrl,
    dataDir,
    database,
    output: () => ({ stdout, stderr }),
    stop,
    async cleanup() {
      await stop();
      if (!opts.database) await database.drop();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
