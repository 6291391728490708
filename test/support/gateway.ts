/** A running gateway on a free port over a fresh test database, with its log lines captured. */
import type { GraphQLSchema } from 'graphql';
import { loadConfig } from '../../src/config';
import { createLogCapture, createLogger, LogCapture } from '../../src/logging';
import { createGateway, Gateway } from '../../src/server/gateway';
import { createServices } from '../../src/server/services';
import { createTestDatabase, TestDatabase } from './db';

export interface TestGatewayOptions {
  /** Environment variables on top of the test defaults (NODE_ENV=test, PORT=0, SIMULATOR=off, ...). */
  env?: Record<string, string>;
  /** A schema with extra resolvers; the gateway's own by default. */
  schema?: GraphQLSchema;
  /** Apply migrations to the test database (default true). */
  migrate?: boolean;
}

export interface TestGateway {
  gateway: Gateway;
  url: string;
  graphqlUrl: string;
  logs: LogCapture;
  database: TestDatabase;
  /** Stops the gateway and drops its database. */
  stop(): Promise<void>;
}

export async function startTestGateway(overrides: TestGatewayOptions = {}): Promise<TestGateway> {
  const database = await createTestDatabase({ migrate: overrides.migrate });
  try {
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      SIMULATOR: 'off',
      DATABASE_URL: database.url,
      ...overrides.env,
    });
    const logs = createLogCapture();
    const logger = createLogger({ level: config.server.logLevel, destination: logs.destination });
    const services = await createServices({ config, dataSource: database.dataSource, logger });
    const gateway = await createGateway(config, { dataSource: database.dataSource, logger, services, schema: overrides.schema });
    await gateway.start();
    return {
      gateway,
      url: gateway.url,
      graphqlUrl: gateway.graphqlUrl,
      logs,
      database,
      async stop() {
        await gateway.stop();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}
