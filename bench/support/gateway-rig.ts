/**
 * A real gateway for benchmarks, as `npm start` runs it in development: an embedded PostgreSQL in a temporary
 * folder (migrated), the simulator with the Verafield tenant and the product's app registered, the gateway on a
 * free port of 127.0.0.1, and the development bootstrap (an API key with every scope, Verafield connected through
 * the consent flow). stop() ends all of it and removes the folders.
 *
 * The simulator runs in the benchmark's process by default (its store at hand); `{ simulator: 'process' }` runs it
 * in a process of its own (bench/support/simulator-process.ts), for figures that compare the gateway's time and
 * memory with Graph's: there the gateway's JavaScript does not slow the simulator's answers, nor does the
 * simulator's heap count as the gateway's RSS.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { createDataSource, runMigrations } from '../../src/db/data-source';
import { readPostmasterPid, startEmbeddedPostgres } from '../../src/db/embedded';
import { createLogger } from '../../src/logging';
import { bootstrapDevelopment } from '../../src/server/dev-bootstrap';
import { createGateway } from '../../src/server/gateway';
import { createServices, type GatewayServices } from '../../src/server/services';
import { DEFAULT_PRODUCT_APP_ID } from '../../src/simulator/generator';
import type { SimulatorEndpoint } from '../../src/simulator/browser';
import type { RegisteredApp } from '../../src/simulator/context';
import type { SimulatorControl } from '../../src/simulator/control/client';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server';
import { treeCpuMicros } from './process-cpu';
import { storeInspector, type SimulatorInspector } from './simulator-inspector';
import { startSimulatorProcess, type SimulatorProcess } from './simulator-process';

/** What the rig needs of a simulator, wherever it runs. */
export interface RigSimulator extends SimulatorEndpoint {
  apps: RegisteredApp[];
  control: SimulatorControl;
  close(): Promise<void>;
}

/**
 * BENCH_PG_SETTINGS="shared_buffers=2GB,work_mem=64MB": server settings for the benches' embedded PostgreSQL
 * (PostgreSQL's defaults otherwise, shared_buffers 128 MB among them), so a figure can be taken with the
 * database sized as a deployment would size it. Printed when set.
 */
function benchPostgresSettings(): Record<string, string> {
  const text = process.env.BENCH_PG_SETTINGS?.trim();
  if (!text) return {};
  const settings: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const match = /^\s*([a-z_]+)\s*=\s*([\w.]+)\s*$/i.exec(pair);
    if (!match) throw new Error(`BENCH_PG_SETTINGS: expected name=value pairs separated by commas (e.g. shared_buffers=2GB), got "${pair}"`);
    settings[match[1]] = match[2];
  }
  console.log(`embedded PostgreSQL settings: ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return settings;
}

export interface GatewayRig<S extends RigSimulator = RunningSimulator> {
  sim: S;
  /** Reads of the simulator's directory (ids to change, a tenant's administrator), wherever it runs. */
  inspect: SimulatorInspector;
  services: GatewayServices;
  /** http://127.0.0.1:<port>/graphql */
  graphqlUrl: string;
  /** Every scope, every tenant. */
  apiKey: string;
  /** The gateway's id of the connected Verafield tenant (not Entra's tenant id). */
  tenantId: string;
  /** The gateway's database (benchmarks set tenant intervals and read state through it). */
  dataSource: import('typeorm').DataSource;
  /** CPU time (µs) the embedded PostgreSQL has used so far, all its processes (bench/support/process-cpu.ts). */
  postgresCpuMicros(): number;
  stop(): Promise<void>;
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

export function startGatewayRig(): Promise<GatewayRig>;
export function startGatewayRig(opts: { simulator: 'process' }): Promise<GatewayRig<SimulatorProcess>>;
export async function startGatewayRig(opts: { simulator?: 'process' } = {}): Promise<GatewayRig<RigSimulator>> {
  const dir = await mkdtemp(join(tmpdir(), 'entra-gateway-bench-'));
  // A folder of its own: as root, PostgreSQL runs as user "postgres", which cannot enter `dir` (mode 0700).
  const pgDir = await mkdtemp(join(tmpdir(), 'entra-gateway-bench-pg-'));
  const cleanups: Array<() => Promise<void>> = [() => Promise.all([dir, pgDir].map((folder) => rm(folder, { recursive: true, force: true }))).then(() => undefined)];
  const stop = async () => {
    // Last started, first stopped; every step runs even when one fails.
    const errors: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw errors[0];
  };
  try {
    const pg = await startEmbeddedPostgres({ dataDir: pgDir, port: await freePort(), database: 'bench', settings: benchPostgresSettings() });
    cleanups.push(() => pg.stop());
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const simOptions = {
      tenants: [{ preset: 'verafield' as const }],
      apps: [{ clientId: DEFAULT_PRODUCT_APP_ID, displayName: 'Gateway Product', redirectUris: [`${publicUrl}/oauth/callback`, `${publicUrl}/oauth/admin-callback`] }],
    };
    let sim: RigSimulator;
    let inspect: SimulatorInspector;
    if (opts.simulator === 'process') {
      const child = await startSimulatorProcess(simOptions);
      sim = child;
      inspect = child;
      cleanups.push(() => child.close());
    } else {
      const running = await startSimulator(simOptions);
      sim = running;
      inspect = storeInspector(running.ctx.store);
      cleanups.push(async () => {
        running.control.close();
        await running.close();
      });
    }
    const caPath = join(dir, 'ca.pem');
    await writeFile(caPath, sim.caCertPem);
    const app = sim.apps[0];
    const config = loadConfig({
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: publicUrl,
      LOG_LEVEL: 'silent',
      SIMULATOR: 'off',
      DATA_DIR: dir,
      DATABASE_URL: pg.url,
      ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
      ENTRA_CLOUD: 'custom',
      ENTRA_LOGIN_URL: sim.baseUrl,
      ENTRA_GRAPH_URL: sim.baseUrl,
      ENTRA_CLIENT_ID: app.clientId,
      ENTRA_CLIENT_SECRET: app.secrets[0].secretText,
      ENTRA_CA_CERT_PATH: caPath,
    });
    // BENCH_LOG_LEVEL=info shows the gateway's own progress lines (e.g. a sync round's phases) on stdout.
    const logger = createLogger({ level: (process.env.BENCH_LOG_LEVEL as 'info' | undefined) ?? 'silent' });
    const dataSource = createDataSource(config.database.url!);
    await dataSource.initialize();
    cleanups.push(async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    });
    await runMigrations(dataSource);
    const services = await createServices({ config, dataSource, logger });
    cleanups.push(async () => services.tokens?.close());
    const gateway = await createGateway(config, { dataSource, logger, services });
    await gateway.start();
    cleanups.push(() => gateway.stop());
    const { apiKey, tenantId } = await bootstrapDevelopment({ services, dataSource, simulator: sim, dataDir: dir, logger });
    const postmaster = readPostmasterPid(pgDir)?.pid;
    const postgresCpuMicros = () => (postmaster === undefined ? Number.NaN : treeCpuMicros(postmaster));
    return { sim, inspect, services, graphqlUrl: gateway.graphqlUrl, apiKey, tenantId, dataSource, postgresCpuMicros, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** One GraphQL operation through the gateway with the rig's API key; GraphQL errors are thrown. */
export async function gatewayRequest<T>(rig: Pick<GatewayRig, 'graphqlUrl' | 'apiKey'>, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(rig.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${rig.apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`gateway answered ${res.status} with errors: ${JSON.stringify(body.errors).slice(0, 300)}`);
  return body.data;
}
