/**
 * The gateway's process-wide services, built once at start by `createServices` and handed to every request's
 * context. Resolvers reach the domain through these, never through module-level singletons, so tests can run
 * several gateways in one process.
 */
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../logging';

export interface GatewayServices {
  config: Readonly<Config>;
}

export interface ServiceDeps {
  config: Readonly<Config>;
  dataSource: DataSource;
  logger: Logger;
}

export async function createServices(deps: ServiceDeps): Promise<GatewayServices> {
  return { config: deps.config };
}
