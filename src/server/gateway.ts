/**
 * The gateway's HTTP server: express 5 with Apollo Server at /graphql, graphql-ws on the same path, the
 * health endpoints, a request id on every request, and a graceful stop.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { RequestHandler } from 'express';
import { GraphQLError, GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import packageJson from '../../package.json';
import type { Config } from '../config';
import { Logger, runWithRequestContext } from '../logging';
import { directoryAccessor } from '../directory/graph-access';
import { oauthCallbackRouter } from '../tenants/oauth-callback.router';
import { portalRouter } from '../portal/portal.router';
import { principalOf, refusalOf } from '../callers/authenticator';
import { credentialFromHeaders } from '../callers/credentials';
import type { CredentialRefusal, Principal } from '../core/auth/principal';
import { OperationBudget, runWithOperationBudget } from '../core/operation-budget';
import type { GatewayContext, GatewayInfo } from '../core/context';
import { ErrorCode, formatGatewayError, INTERNAL_ERROR_MESSAGE, logUnexpectedErrors, withoutSuggestions } from '../core/errors';
import { explorerRouter } from './explorer';
import { healthRouter } from './health';
import { cors, documentGuard, jsonErrors, securityHeaders } from './http-guards';
import { queryLimitsPlugin } from './query-limits';
import { databaseScrapeSource, graphqlTracing, metricsRouter, operationTelemetry, startMetricsListener } from './observability';
import { addScrapeSource, setMetricsRecording, tenantLabel } from '../observability/metrics';
import { REQUEST_ID_HEADER, resolveRequestId } from './request-id';
import { buildGatewaySchema } from './schema';
import type { GatewayServices } from './services';
import { attachGraphQLWebSocket, GraphQLWebSocket } from './websocket';

export const GRAPHQL_PATH = '/graphql';

export const PERSISTED_QUERIES_OFF = 'persisted queries: expected the document in `query`, received a persisted-query hash (automatic persisted queries are off)';

export interface GatewayDeps {
  /** Initialised by the caller; the gateway closes it on stop(). */
  dataSource: DataSource;
  logger: Logger;
  /** Process-wide services for resolvers (services.ts). */
  services: GatewayServices;
  /** Defaults to buildGatewaySchema(); tests pass a schema with extra resolvers. */
  schema?: GraphQLSchema;
}

export interface Gateway {
  httpServer: Server;
  /** Base URL of the listening server, e.g. http://127.0.0.1:4000 (known once started). */
  readonly url: string;
  /** `${url}/graphql`, for HTTP and (as ws://) WebSocket clients. */
  readonly graphqlUrl: string;
  start(): Promise<void>;
  /** Where /metrics is served when it has a listener of its own (METRICS_PORT); else undefined. */
  readonly metricsUrl: string | undefined;
  /** Stops accepting, lets in-flight requests finish, completes subscriptions, closes the DataSource. Idempotent. */
  stop(): Promise<void>;
}

export async function createGateway(config: Readonly<Config>, deps: GatewayDeps): Promise<Gateway> {
  const { dataSource, logger, services } = deps;
  const schema = deps.schema ?? (await buildGatewaySchema());
  const info: GatewayInfo = { version: packageJson.version, simulator: config.simulator.enabled };
  const contextFor = (requestId: string, requestLogger: Logger, principal: Principal | null, credentialRefusal?: CredentialRefusal): GatewayContext => ({
    requestId,
    logger: requestLogger,
    dataSource,
    gateway: info,
    principal,
    credentialRefusal,
    services,
    directory: directoryAccessor(services.directory, { principal }),
  });

  const app = express();
  app.disable('x-powered-by');
  // No ETag: express would hash every response body (a GraphQL POST answer is never revalidated; the profile of
  // issue 10's bench showed it on every request); the explorer's assets are sent with no-store anyway.
  app.set('etag', false);
  const httpServer = createServer(app);
  const webSocket = attachGraphQLWebSocket({
    httpServer,
    path: GRAPHQL_PATH,
    schema,
    logger,
    limits: { query: config.server.queryLimits, caps: config.server.webSocket, discoverable: config.server.graphqlSandbox },
    maxMessageBytes: config.server.webSocket.maxMessageBytes,
    operationBudget: config.server.operationBudget,
    authenticate: (credential) => services.authenticator.authenticate(credential),
    watchCredential: (authentication, onEnd) => services.authenticator.watch(authentication, onEnd),
    createContext: contextFor,
  });
  // Schema discovery (introspection, "Did you mean ...?" suggestions, the Sandbox) goes together: on in
  // development, off in production, on every transport.
  const discoverable = config.server.graphqlSandbox;
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    introspection: discoverable,
    hideSchemaDetailsFromClientErrors: !discoverable,
    parseOptions: { maxTokens: config.server.queryLimits.maxTokens },
    // Automatic persisted queries are off: any caller, anonymous ones included, could otherwise fill the
    // cache with documents. Clients send the query text each time.
    persistedQueries: false,
    includeStacktraceInErrorResponses: false,
    // The process owner (main.ts) stops everything in order on SIGINT/SIGTERM; Apollo's own handler would stop
    // only Apollo and then re-raise the signal, killing the process before the database is stopped.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => {
      if (!(error instanceof GraphQLError)) return { message: INTERNAL_ERROR_MESSAGE, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
      if (formatted.extensions?.code === 'PERSISTED_QUERY_NOT_SUPPORTED') {
        return { message: PERSISTED_QUERIES_OFF, extensions: { code: ErrorCode.BAD_USER_INPUT } };
      }
      // Variable coercion errors carry suggestions too, which hideSchemaDetailsFromClientErrors leaves.
      return discoverable ? formatGatewayError(error) : withoutSuggestions(formatGatewayError(error));
    },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.server.shutdownTimeoutMs }),
      drainWebSocket(webSocket),
      errorLogging,
      operationTelemetry(),
      // The caller's identity before the document's cost: an anonymous operation runs nothing below its root fields.
      queryLimitsPlugin(config.server.queryLimits, { measures: (ctx) => ctx.principal !== null }),
      // The explorer (explorer.ts, mounted below) is the landing page: GraphiQL from npm, no CDN.
      ApolloServerPluginLandingPageDisabled(),
      // Apollo's default cache-control plugin runs a hook on every resolved field of every operation (issue 10's
      // profile) to compute a policy that is always "not cacheable" here (no type or field has a hint): off, and
      // the header it sent, no-store, is set once below.
      ApolloServerPluginCacheControlDisabled(),
      noStore,
    ],
  });
  await apollo.start();

  let shuttingDown = false;
  app.use(securityHeaders());
  app.use(requestTracking(logger));
  app.use(healthRouter(dataSource, () => shuttingDown, logger));
  // /metrics here unless it has a listener of its own (METRICS_PORT), started with the gateway.
  const metrics = config.observability.metrics;
  if (metrics.enabled && metrics.port === null) app.use(metricsRouter(metrics, logger));
  app.use(oauthCallbackRouter(services.consentCallbacks, logger));
  // The hosted admin portal (src/portal): link exchange, the wizard's page and its bundle.
  app.use(portalRouter({ portal: services.portal, config: config.portal, logger: logger.child({ component: 'portal' }) }));
  // Microsoft Graph's change and lifecycle notifications (src/notifications): answered 202 at once.
  app.use(services.notifications.router());
  const explorer = explorerRouter({
    graphqlPath: GRAPHQL_PATH,
    dataDir: config.runtime.dataDir,
    enabled: config.server.graphqlSandbox,
    prefillDevelopmentKey: !config.runtime.production,
  });
  // Not for preflights: express answers OPTIONS itself for any path a router has a route on (GET /graphql here),
  // which would bypass the CORS allow-list below.
  app.use((req, res, next) => (req.method === 'OPTIONS' ? next() : explorer(req, res, next)));
  app.use(
    GRAPHQL_PATH,
    // First: a span under the caller's traceparent, so everything below (resolvers, Graph, tokens) is inside it.
    graphqlTracing(),
    cors(config.server.corsAllowedOrigins),
    express.json({ limit: config.server.maxBodyBytes }),
    documentGuard(config.server.queryLimits),
    // One operation per request (batching is off): its upstream work is counted from here (operation-budget.ts).
    (_req, _res, next) => runWithOperationBudget(new OperationBudget(config.server.operationBudget), next),
    // The middleware above stored the request id; Apollo runs inside its request context, so the root logger
    // stamps the id on every line.
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        // A bad credential does not fail the request: its fields answer UNAUTHENTICATED, as for a missing one.
        const credential = credentialFromHeaders(req.headers);
        // Without a header credential, the hosted portal's session cookie (with its CSRF header) may speak for the
        // browser; WebSocket connections never read cookies.
        if (credential.kind === 'none') {
          const portal = await services.portal.authenticate(req.headers);
          if (portal.kind === 'session') return contextFor(res.locals.requestId as string, logger, portal.principal);
          if (portal.kind === 'refused') return contextFor(res.locals.requestId as string, logger, null, portal.refusal);
        }
        const authentication = await services.authenticator.authenticate(credential);
        return contextFor(res.locals.requestId as string, logger, principalOf(authentication), refusalOf(authentication));
      },
    }),
  );
  app.use(jsonErrors(logger));

  let address: AddressInfo | undefined;
  let stopping: Promise<void> | undefined;
  let metricsListener: { url: string; close(): Promise<void> } | undefined;
  let removeScrapeSource: (() => void) | undefined;
  const baseUrl = (): string => {
    if (!address) throw new Error('gateway URL: expected a started gateway, but start() has not completed');
    return `http://${hostForUrl(address)}:${address.port}`;
  };

  return {
    httpServer,
    get url() {
      return baseUrl();
    },
    get graphqlUrl() {
      return `${baseUrl()}${GRAPHQL_PATH}`;
    },
    get metricsUrl() {
      return metricsListener?.url;
    },
    async start() {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.server.port, config.server.host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      address = httpServer.address() as AddressInfo;
      logger.info({ url: baseUrl() }, 'gateway listening');
      if (metrics.enabled) {
        tenantLabel.limit = metrics.tenantLabelLimit;
        setMetricsRecording(true);
        removeScrapeSource = addScrapeSource(databaseScrapeSource(dataSource));
        if (metrics.port !== null) metricsListener = await startMetricsListener(metrics, logger);
      }
    },
    stop() {
      stopping ??= (async () => {
        shuttingDown = true;
        logger.info('gateway stopping');
        // Apollo runs every plugin's drainServer: the HTTP drain (stop accepting, wait for in-flight
        // requests up to SHUTDOWN_TIMEOUT_MS) and the WebSocket drain (close sockets with 1012, ending subscriptions).
        await apollo.stop();
        removeScrapeSource?.();
        await metricsListener?.close();
        services.directory.close();
        // Webhook deliveries in flight are aborted, not recorded: sent again by whichever instance delivers next.
        await services.webhooks.close();
        // After the WebSocket drain (subscriptions are complete): the LISTEN connection and the purge timer.
        await services.events.close();
        // Pending last_used_at writes, while the pool is still open.
        await services.apiKeys.close();
        if (dataSource.isInitialized) await dataSource.destroy();
        logger.info('gateway stopped');
      })();
      return stopping;
    },
  };
}

/** Request id (from x-request-id when safe, else generated), echoed in the response, and one log line per request. */
function requestTracking(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
    res.locals.requestId = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const startedAt = process.hrtime.bigint();
    res.on('finish', () => {
      // originalUrl: routers rewrite req.url while they run. The path only: query strings may carry OAuth codes.
      const path = req.originalUrl.split('?')[0];
      logger.info(
        { requestId, method: req.method, path, status: res.statusCode, durationMs: Number(process.hrtime.bigint() - startedAt) / 1e6 },
        'request completed',
      );
    });
    runWithRequestContext({ requestId }, next);
  };
}

function drainWebSocket(webSocket: GraphQLWebSocket): ApolloServerPlugin<GatewayContext> {
  return {
    async serverWillStart() {
      return {
        async drainServer() {
          // Subscribers are told to reconnect (1012), not that their stream is over: they resume from their cursor.
          await webSocket.closeForRestart();
          await webSocket.dispose();
        },
      };
    },
  };
}

/** What the cache-control plugin answered for every operation (nothing here is cacheable): `cache-control: no-store`. */
const noStore: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        response.http.headers.set('cache-control', 'no-store');
      },
    };
  },
};

const errorLogging: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        logUnexpectedErrors(errors, contextValue.logger);
      },
    };
  },
};

/** A wildcard bind address is not something a client can connect to. */
function hostForUrl(address: AddressInfo): string {
  if (address.address === '0.0.0.0' || address.address === '::') return '127.0.0.1';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}
