/** A running gateway on a free port over a fresh test database, with its log lines captured. */
import { randomBytes } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import { loadConfig } from '../../src/config';
import { createLogCapture, createLogger, LogCapture } from '../../src/logging';
import { ALL_SCOPES, type ApiScope, CLI_OPERATOR } from '../../src/core/auth/principal';
import { createGateway, Gateway } from '../../src/server/gateway';
import { createServices, GatewayServices } from '../../src/server/services';
import { createTestDatabase, TestDatabase } from './db';

export interface TestGatewayOptions {
  /** Environment variables on top of the test defaults (NODE_ENV=test, PORT=0, SIMULATOR=off, ...). */
  env?: Record<string, string>;
  /** A schema with extra resolvers; the gateway's own by default. */
  schema?: GraphQLSchema;
  /** Apply migrations to the test database (default true). */
  migrate?: boolean;
  /** Serve this database instead of a fresh one (it is still dropped by stop()). */
  database?: TestDatabase;
}

export interface TestGateway {
  gateway: Gateway;
  url: string;
  graphqlUrl: string;
  logs: LogCapture;
  database: TestDatabase;
  services: GatewayServices;
  /** Creates an API key (default: every scope, every tenant) the way the CLI does, and returns the whole key. */
  mintKey(rights?: { scopes?: readonly ApiScope[]; tenantIds?: readonly string[] | null }): Promise<string>;
  /** Stops the gateway and drops its database. */
  stop(): Promise<void>;
}

/** Headers that present `key`, for graphql-request clients and fetch. */
export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

export async function startTestGateway(overrides: TestGatewayOptions = {}): Promise<TestGateway> {
  const database = overrides.database ?? (await createTestDatabase({ migrate: overrides.migrate }));
  try {
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      SIMULATOR: 'off',
      // The sync scheduler stays off unless a test turns it on (SYNC_ENABLED: 'true').
      SYNC_ENABLED: 'false',
      DATABASE_URL: database.url,
      ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
      ...overrides.env,
    });
    const logs = createLogCapture();
    const logger = createLogger({ level: config.server.logLevel, destination: logs.destination });
    const services = await createServices({ config, dataSource: database.dataSource, logger });
    const gateway = await createGateway(config, { dataSource: database.dataSource, logger, services, schema: overrides.schema });
    await gateway.start();
    if (config.sync.enabled) services.sync.start();
    return {
      gateway,
      url: gateway.url,
      graphqlUrl: gateway.graphqlUrl,
      logs,
      database,
      services,
      async mintKey(rights = {}) {
        const created = await services.apiKeys.create(
          { name: 'test', scopes: rights.scopes ?? ALL_SCOPES, tenantIds: rights.tenantIds ?? null },
          CLI_OPERATOR,
        );
        return created.key;
      },
      async stop() {
        await services.sync.stop();
        await gateway.stop();
        services.tokens?.close();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}
