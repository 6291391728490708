/**
 * The gateway's process-wide services, built once at start by `createServices` and handed to every request's
 * context. Resolvers reach the domain through these, never through module-level singletons, so tests can run
 * several gateways in one process.
 */
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../logging';
import { AccessService } from '../access/access.service';
import { SyncService } from '../sync/sync.service';
import type { SyncEngineOptions } from '../sync/sync-engine';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { DirectoryAccess } from '../directory/graph-access';
import { EventsService } from '../events/events.service';
import { DriftService } from '../sync/drift/drift.service';
import { createTenantServices, type TenantServices } from '../tenants/tenant-services';
import { ApiKeyService } from '../callers/api-key.service';
import { Authenticator } from '../callers/authenticator';
import { createJwtVerifier } from '../callers/jwt';
import { InvalidationDispatcher } from '../core/invalidation';
import { NotificationsService } from '../notifications/notifications.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import { PortalService } from '../portal/portal.service';

export interface GatewayServices extends TenantServices {
  config: Readonly<Config>;
  apiKeys: ApiKeyService;
  /** Credential -> principal, for HTTP requests and WebSocket connections. */
  authenticator: Authenticator;
  /** One Graph client per tenant; resolvers use ctx.directory(tenantId). */
  directory: DirectoryAccess;
  /** Access tiers and each tenant's group-to-tier mappings. */
  access: AccessService;
  /** Background sync: the engine, the scheduler (started by main.ts when SYNC_ENABLED), snapshot reads. */
  sync: SyncService;
  /** Provisioning's audit log and idempotency records; writes go through ProvisioningWriter per request. */
  provisioning: ProvisioningService;
  /** Drift rules and findings; the sync engine calls drift.evaluate after each round. */
  drift: DriftService;
  /** The event log's read side: polling, subscriptions (one LISTEN connection per process), retention. */
  events: EventsService;
  /** Cache invalidation across instances; fed by the events' LISTEN connection. */
  invalidation: InvalidationDispatcher;
  /** Graph change notifications (issue 16): the endpoint's handlers, the round trigger, the subscription manager. */
  notifications: NotificationsService;
  /** Webhook endpoints and their delivery worker (issue 14); delivery started here, stopped by the gateway's stop(). */
  webhooks: WebhooksService;
  /** The hosted admin portal (issue 15): links, sessions. */
  portal: PortalService;
}

export interface ServiceDeps {
  config: Readonly<Config>;
  dataSource: DataSource;
  logger: Logger;
}

/** What runs after each sync round: the drift rules, over the snapshot the round left (also the benches' engines). */
export function driftAfterRound(drift: DriftService): NonNullable<SyncEngineOptions['afterRound']> {
  return (tenantId, outcome) => drift.afterRound(tenantId, outcome);
}

export async function createServices(deps: ServiceDeps): Promise<GatewayServices> {
  // Every per-process cache listens here; the events' LISTEN connection (started below) feeds it.
  const invalidation = new InvalidationDispatcher();
  const apiKeys = new ApiKeyService(deps.dataSource, undefined, { invalidation, logger: deps.logger.child({ component: 'auth' }) });
  const authenticator = new Authenticator({
    apiKeys,
    bootstrapKey: deps.config.admin.apiKey,
    jwt: deps.config.jwt && createJwtVerifier(deps.config.jwt, deps.logger.child({ component: 'jwt' })),
    logger: deps.logger.child({ component: 'auth' }),
  });
  const tenantServices = createTenantServices({ ...deps, invalidation });
  const directory = new DirectoryAccess({ config: deps.config, tenantTokens: tenantServices.tenantTokens, logger: deps.logger });
  const access = new AccessService(deps.dataSource, { invalidation, snapshotMaxAgeSeconds: deps.config.sync.accessTierMaxAgeSeconds });
  const provisioning = new ProvisioningService(deps.dataSource, deps.config);
  const drift = new DriftService({ config: deps.config, dataSource: deps.dataSource, directory, logger: deps.logger, settings: deps.config.sync.drift, invalidation });
  const sync = new SyncService({
    config: deps.config.sync,
    dataSource: deps.dataSource,
    clientFor: (tenantId) => directory.client(tenantId),
    access,
    logger: deps.logger,
    invalidation,
    afterRound: driftAfterRound(drift),
  });
  const notifications = new NotificationsService({
    config: deps.config,
    dataSource: deps.dataSource,
    encryptor: tenantServices.encryptor,
    clientFor: (tenantId) => directory.client(tenantId),
    syncNow: (tenantId) => sync.syncNow(tenantId),
    logger: deps.logger,
  });
  // Started here (LISTEN connection, purge timer); the gateway's stop() closes it.
  const events = new EventsService({ ...deps, invalidation });
  events.start();
  const webhooks = new WebhooksService({ ...deps, encryptor: tenantServices.encryptor, cursors: events.cursors });
  // Delivery looks at once when events are committed (the events' LISTEN connection), else every WEBHOOK_POLL_MS.
  events.hub.onNotified(() => webhooks.delivery.wake());
  webhooks.start();
  const portal = new PortalService({ dataSource: deps.dataSource, config: deps.config, tenants: tenantServices.tenants, provisioning });
  return { config: deps.config, apiKeys, authenticator, directory, access, sync, provisioning, drift, events, invalidation, notifications, webhooks, portal, ...tenantServices };
}
