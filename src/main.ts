/**
 * `npm start`: the gateway process. Without DATABASE_URL it runs an embedded PostgreSQL; without Entra app
 * credentials (SIMULATOR=auto) it runs the local Entra simulator and uses it as a custom cloud. On SIGTERM or
 * SIGINT everything started is stopped in reverse order: gateway, simulator, embedded PostgreSQL.
 */
// First: says something at once in a terminal, while the rest loads.
import './starting-line';
import 'reflect-metadata';
import {
  Config,
  ConfigError,
  describeDatabaseUrl,
  EncryptionKey,
  loadConfig,
  loadOrCreateDevelopmentKeys,
  simulatorEntraConfig,
  withSections,
} from './config';
import { createDataSource, gatewayPoolSize, runMigrations } from './db/data-source';
import { locateDatabase } from './db/database';
import { startupProblem } from './server/startup-problem';
import { createLogger, Logger, wantsPrettyLogs } from './logging';
import { createGateway } from './server/gateway';
import { startTracing } from './observability/tracing';
import packageJson from '../package.json';
import { bootstrapDevelopment, type DevelopmentAccess } from './server/dev-bootstrap';
import { createServices } from './server/services';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_PRODUCT_APP_ID, VERAFIELD } from './simulator/generator';
import { CONTROL_FILE, type ControlFile } from './simulator/sim-command';
import type { SimulatorEndpoint } from './simulator/browser';
import { RunningSimulator, startSimulator } from './simulator/server';

type Stop = () => Promise<void>;

/** Things started so far, stopped last-started-first. */
class Shutdown {
  private readonly stops: Array<{ name: string; stop: Stop }> = [];
  private running: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  add(name: string, stop: Stop): void {
    this.stops.push({ name, stop });
  }

  /** Runs once, whoever calls it first (a signal or a failed start); later calls share the result. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const { name, stop } of [...this.stops].reverse()) {
        try {
          await stop();
          this.logger.info({ component: name }, 'stopped');
        } catch (error) {
          this.logger.error({ err: error, component: name }, 'failed to stop cleanly');
        }
      }
    })();
    return this.running;
  }
}

function loadConfigOrExit(): Readonly<Config> {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const docker = process.env.NODE_ENV === 'production'
      ? 'With docker compose: put them in a .env file beside docker-compose.yml, or try it without Entra: docker compose --profile dev up gateway-dev\n'
      : '';
    process.stderr.write(`${error.message}\nSee .env.example for every setting and its default.\n${docker}`);
    process.exit(1);
  }
}

async function encryptionKeys(config: Readonly<Config>, logger: Logger): Promise<readonly EncryptionKey[]> {
  if (config.encryption.keys) return config.encryption.keys;
  const development = await loadOrCreateDevelopmentKeys(config.runtime.dataDir);
  logger.warn(
    { file: development.file, created: development.created },
    'ENCRYPTION_KEYS is not set: using a development key kept in the data folder (never do this in production)',
  );
  return development.keys;
}

function startDevSimulator(config: Readonly<Config>, logger: Logger): Promise<RunningSimulator> {
  const { publicUrl } = config.server;
  return startSimulator({
    port: config.simulator.port,
    certDir: `${config.runtime.dataDir}/simulator`,
    // The directory, consents, refresh and delta tokens survive a restart: the next start sees no changes.
    stateFile: `${config.runtime.dataDir}/simulator/state.json`,
    tenants: [{ preset: 'verafield' }],
    apps: [
      {
        clientId: DEFAULT_PRODUCT_APP_ID,
        displayName: 'Entra Gateway (local dev)',
        redirectUris: [`${publicUrl}/oauth/callback`, `${publicUrl}/oauth/admin-callback`],
      },
    ],
    logger: (entry) => logger.debug({ component: 'simulator', ...entry }),
  });
}

/** For `npm run sim`: where this run's simulator listens, its control key and CA (mode 0600, like the dev key). */
async function writeControlFile(dataDir: string, simulator: RunningSimulator): Promise<void> {
  const info: ControlFile = {
    baseUrl: simulator.baseUrl,
    controlKey: simulator.controlKey,
    caCertPath: simulator.caCertPath ?? '',
    tenantId: VERAFIELD.tenantId,
  };
  await mkdir(join(dataDir, 'simulator'), { recursive: true });
  await writeFile(join(dataDir, 'simulator', CONTROL_FILE), JSON.stringify(info, null, 2), { mode: 0o600 });
}

function banner(
  config: Readonly<Config>,
  simulator: RunningSimulator | undefined,
  external: SimulatorEndpoint | undefined,
  database: string,
  access: DevelopmentAccess | undefined,
): string {
  const graphql = `${config.server.publicUrl}/graphql`;
  const lines = [
    `Entra Gateway ready: ${config.server.graphqlSandbox ? 'explorer' : 'GraphQL'} ${graphql}`,
    simulator || external
      ? `  Entra simulator   ${(simulator ?? external)!.baseUrl} (Verafield Technologies${external ? ', its own service' : ''})`
      : `  Entra cloud       ${config.entra.cloud}`,
    ...(simulator ? [`  simulator key     ${simulator.controlKey} (x-simulator-key for /_control; see npm run sim)`] : []),
    `  database          ${database}`,
  ];
  if (access) {
    // A local development key for the local database: printing it is the point (it is also in the data folder).
    lines.push(
      `  Verafield tenant  ${access.tenantId} (connected through the consent flow)`,
      `  product app id    ${DEFAULT_PRODUCT_APP_ID} (the product's app registration in Verafield, for mfaEnforcement)`,
      `  local API key     ${access.apiKey}`,
      `  request headers   { "Authorization": "Bearer ${access.apiKey}" } (pre-filled in the explorer)`,
      `  admin portal      ${access.portalUrl} (Verafield's onboarding wizard; opens once, within ${Math.round(config.portal.linkTtlSeconds / 60)} min)`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ level: config.server.logLevel, pretty: wantsPrettyLogs(process.stdout.isTTY, config.runtime.production) });
  const shutdown = new Shutdown(logger);
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    // A stuck stop must not keep the process alive for ever; the drain itself is bounded by SHUTDOWN_TIMEOUT_MS.
    setTimeout(() => process.exit(1), config.server.shutdownTimeoutMs + 5_000).unref();
    void shutdown.run().then(() => process.exit(0));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  try {
    // Before anything that makes a span: the provider is global. Stopped last (it flushes pending spans).
    const { tracing } = config.observability;
    if (tracing.enabled) {
      const started = startTracing({ serviceName: tracing.serviceName, serviceVersion: packageJson.version, tracesUrl: tracing.tracesUrl });
      shutdown.add('tracing', started.shutdown);
      logger.info({ tracesUrl: tracing.tracesUrl }, 'tracing on: spans exported over OTLP/HTTP');
    }
    const keys = await encryptionKeys(config, logger);

    const database = await locateDatabase(config.database, (line) => logger.debug({ component: 'postgres' }, line), {
      // A second `npm start` on the same data folder is refused (with the first one's pid), never attached.
      exclusive: true,
      onProgress: (line) => logger.info({ component: 'postgres' }, line),
    });
    shutdown.add(database.embedded ? 'embedded PostgreSQL' : 'database', database.stop);
    const databaseLabel = database.embedded
      ? `embedded PostgreSQL in ${config.database.embeddedDir} (port ${config.database.embeddedPort})`
      : describeDatabaseUrl(database.url);
    logger.info({ database: databaseLabel }, database.embedded ? 'started embedded PostgreSQL (DATABASE_URL is not set)' : 'using DATABASE_URL');

    const dataSource = createDataSource(database.url, { poolSize: gatewayPoolSize(config.sync) });
    await dataSource.initialize();
    shutdown.add('database connections', async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    });
    logger.info('checking the database schema (migrations)');
    const applied = await runMigrations(dataSource);
    logger.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : 'database schema is up to date');

    if (config.simulator.enabled) logger.info({ port: config.simulator.port }, 'starting the Entra simulator (no Entra credentials configured)');
    const simulator = config.simulator.enabled ? await startDevSimulator(config, logger) : undefined;
    if (simulator) {
      shutdown.add('Entra simulator', simulator.close);
      await writeControlFile(config.runtime.dataDir, simulator);
      logger.info({ baseUrl: simulator.baseUrl, caCertPath: simulator.caCertPath }, 'started the Entra simulator');
    }
    const [app] = simulator?.apps ?? [];
    // A simulator running as its own service (SIMULATOR_URL): the same custom cloud, reached over the network.
    const external = config.simulator.external;
    const externalEndpoint: SimulatorEndpoint | undefined = external
      ? { baseUrl: external.url, caCertPem: await readFile(external.caCertPath, 'utf8') }
      : undefined;
    if (external) logger.info({ baseUrl: external.url, caCertPath: external.caCertPath }, 'using the Entra simulator at SIMULATOR_URL');
    const simulated =
      simulator && app
        ? { baseUrl: simulator.baseUrl, caCertPath: simulator.caCertPath ?? null, clientId: app.clientId, clientSecret: app.secrets[0].secretText }
        : external
          ? { baseUrl: external.url, caCertPath: external.caCertPath, clientId: DEFAULT_PRODUCT_APP_ID, clientSecret: external.clientSecret }
          : undefined;
    const effective = withSections(config, {
      encryption: { keys },
      ...(simulated ? { entra: simulatorEntraConfig(simulated) } : {}),
    });

    const services = await createServices({ config: effective, dataSource, logger });
    shutdown.add('token provider', async () => services.tokens?.close());
    const gateway = await createGateway(effective, { dataSource, logger, services });
    await gateway.start();
    shutdown.add('gateway', gateway.stop);
    const endpoint = simulator ?? externalEndpoint;
    const access = endpoint
      ? await bootstrapDevelopment({ services, dataSource, simulator: endpoint, dataDir: config.runtime.dataDir, logger })
      : undefined;
    // After the development bootstrap: a simulator whose state was deleted has forgotten its consents, and the
    // scheduler's first round would otherwise race the re-consent and fail.
    if (effective.sync.enabled) {
      services.sync.start();
      shutdown.add('sync scheduler', () => services.sync.stop());
    }
    // Graph change notifications: subscriptions are created only where Microsoft (or the simulator) can reach PUBLIC_URL.
    services.notifications.start();
    shutdown.add('graph notifications', () => services.notifications.stop());
    // After the buffered JSON lines, so the banner is the last thing a developer sees.
    logger.flush(() => process.stdout.write(`\n${banner(effective, simulator, externalEndpoint, databaseLabel, access)}\n\n`));
  } catch (error) {
    // What a person can fix is said in one sentence, on stderr and in the log; anything else keeps its stack.
    const problem = startupProblem(error, { gateway: config.server.port, simulator: config.simulator.enabled ? config.simulator.port : undefined });
    if (problem) logger.fatal({ reason: problem }, 'start-up failed');
    else logger.fatal({ err: error }, 'start-up failed');
    await shutdown.run();
    logger.flush(() => {
      if (problem) process.stderr.write(`\nnpm start: cannot start: ${problem}\n`);
      process.exit(1);
    });
  }
}

void main();
