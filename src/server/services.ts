/**
 * The gateway's process-wide services, built once at start by `createServices` and handed to every request's
 * context. Resolvers reach the domain through these, never through module-level singletons, so tests can run
 * several gateways in one process.
 */
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../logging';
import { AccessService } from '../access/access.service';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { DirectoryAccess } from '../directory/graph-access';
import { createTenantServices, type TenantServices } from '../tenants/tenant-services';
import { ApiKeyService } from './auth/api-key.service';
import { Authenticator } from './auth/authenticator';
import { createJwtVerifier } from './auth/jwt';

export interface GatewayServices extends TenantServices {
  config: Readonly<Config>;
  apiKeys: ApiKeyService;
  /** Credential -> principal, for HTTP requests and WebSocket connections. */
  authenticator: Authenticator;
  /** One Graph client per tenant; resolvers use ctx.directory(tenantId). */
  directory: DirectoryAccess;
  /** Access tiers and each tenant's group-to-tier mappings. */
  access: AccessService;
  /** Provisioning's audit log and idempotency records; writes go through ProvisioningWriter per request. */
  provisioning: ProvisioningService;
}

export interface ServiceDeps {
  config: Readonly<Config>;
  dataSource: DataSource;
  logger: Logger;
}

export async function createServices(deps: ServiceDeps): Promise<GatewayServices> {
  const apiKeys = new ApiKeyService(deps.dataSource);
  const authenticator = new Authenticator({
    apiKeys,
    bootstrapKey: deps.config.admin.apiKey,
    jwt: deps.config.jwt && createJwtVerifier(deps.config.jwt, deps.logger.child({ component: 'jwt' })),
    logger: deps.logger.child({ component: 'auth' }),
  });
  const tenantServices = createTenantServices(deps);
  const directory = new DirectoryAccess({ config: deps.config, tenantTokens: tenantServices.tenantTokens, logger: deps.logger });
  const access = new AccessService(deps.dataSource);
  const provisioning = new ProvisioningService(deps.dataSource, deps.config);
  return { config: deps.config, apiKeys, authenticator, directory, access, provisioning, ...tenantServices };
}
