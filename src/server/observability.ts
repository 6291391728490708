/**
 * The server's side of metrics and traces (issue 14): the /metrics endpoint and its protection, the scrape-time
 * figures read from this gateway's database and pool, the Apollo plugin that counts and times operations, and
 * the middleware that opens a span per GraphQL request under the caller's W3C traceparent.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST, type ExecutionArgs } from 'graphql';
import express, { Router, type RequestHandler } from 'express';
import type { DataSource } from 'typeorm';
import type { MetricsConfig } from '../config';
import type { GatewayContext } from '../core/context';
import type { Logger } from '../logging';
import { graphqlOperationLabel, recordGraphqlOperation, scrape, type PoolFigures, type ScrapeSource, type TenantSyncFigures } from '../observability/metrics';
import { activeSpan, inServerSpan, SpanStatusCode, startServerSpan } from '../observability/tracing';

export const METRICS_PATH = '/metrics';

/** The bearer token check, in constant time over digests (so neither content nor length leaks through timing). */
export function metricsAuthorized(authorization: string | undefined, token: string | null): boolean {
  if (token === null) return true;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}

/** GET /metrics: the Prometheus text format, behind the token when one is configured. */
export function metricsHandler(config: Pick<MetricsConfig, 'token'>, logger: Logger): RequestHandler {
  return (req, res) => {
    if (!metricsAuthorized(req.headers.authorization, config.token)) {
      res.setHeader('www-authenticate', 'Bearer realm="metrics"');
      res.status(401).type('text/plain').send('metrics: expected Authorization: Bearer <METRICS_TOKEN>\n');
      return;
    }
    scrape()
      .then(({ contentType, body }) => res.type(contentType).send(body))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'metrics scrape failed');
        res.status(500).type('text/plain').send('metrics: the scrape failed; see the gateway log\n');
      });
  };
}

export function metricsRouter(config: Pick<MetricsConfig, 'token'>, logger: Logger): Router {
  const router = Router();
  router.get(METRICS_PATH, metricsHandler(config, logger));
  return router;
}

/** /metrics on a listener of its own (METRICS_PORT): nothing else is served there. */
export async function startMetricsListener(config: MetricsConfig, logger: Logger): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRouter(config, logger));
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port ?? 0, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}${METRICS_PATH}`;
  logger.info({ url }, 'metrics listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

/** What this gateway's database says at scrape time: tenants by status, sync lag, and its pool. */
export function databaseScrapeSource(dataSource: DataSource): ScrapeSource {
  return {
    pool(): PoolFigures | null {
      const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
      if (!dataSource.isInitialized || !pool || typeof pool.totalCount !== 'number') return null;
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options?.max ?? 0 };
    },
    async tenantStatuses() {
      if (!dataSource.isInitialized) return {};
      const rows: Array<{ status: string; n: number }> = await dataSource.query(`SELECT status, count(*)::int AS n FROM tenants GROUP BY status`);
      return Object.fromEntries(rows.map((row) => [row.status, row.n]));
    },
    async syncLag(limit) {
      if (!dataSource.isInitialized || limit === 0) return [];
      const rows: Array<{ tenant_id: string; lag: number; failures: number }> = await dataSource.query(
        `SELECT t.id AS tenant_id,
                extract(epoch FROM now() - coalesce(s.last_success_at, t.created_at))::float8 AS lag,
                coalesce(s.consecutive_failures, 0) AS failures
           FROM tenants t LEFT JOIN sync_state s ON s.tenant_id = t.id
          WHERE t.status = 'ACTIVE'
          ORDER BY lag DESC
          LIMIT $1`,
        [limit],
      );
      return rows.map((row): TenantSyncFigures => ({ tenantId: row.tenant_id, lagSeconds: Math.max(0, row.lag), consecutiveFailures: row.failures }));
    },
  };
}

/**
 * A server span per GraphQL HTTP request, child of the caller's traceparent when it sent a valid one; resolvers,
 * Graph requests and token requests run inside it. Ended when the response is finished (or the socket closed).
 */
export function graphqlTracing(): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const span = startServerSpan('GraphQL', req.headers, next);
    if (!span) return;
    span.setAttributes({ 'http.request.method': req.method, 'url.path': req.baseUrl || req.path });
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      span.end();
    });
  };
}

/** The operation label of every operation from a caller without a valid credential. */
const UNAUTHENTICATED = 'unauthenticated';

/** Counts and times each HTTP operation by name, type and outcome, and names its span. */
export function operationTelemetry(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      let name: string | null | undefined;
      let type: string | undefined;
      return {
        async didResolveOperation({ operationName, operation, contextValue }) {
          // Names from callers without a credential never get series of their own: they could fill the cap.
          name = contextValue.principal === null ? UNAUTHENTICATED : (operationName ?? operation?.name?.value ?? null);
          type = operation?.operation;
          const span = activeSpan();
          if (span) {
            span.updateName(`GraphQL ${type} ${graphqlOperationLabel(name)}`);
            span.setAttributes({ 'graphql.operation.type': type, 'graphql.operation.name': graphqlOperationLabel(name) });
          }
        },
        async willSendResponse({ response }) {
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors?.length ?? 0) > 0 : false;
          recordGraphqlOperation({ name, type, errors, seconds: (performance.now() - started) / 1000, transport: 'http' });
          const span = activeSpan();
          if (span && errors) span.setStatus({ code: SpanStatusCode.ERROR, message: 'the operation answered with errors' });
        },
      };
    },
  };
}

/**
 * A WebSocket operation's span and metrics (Apollo's plugin does not see them). `carrier`: where the caller's
 * traceparent may be, the connection_init payload's `traceparent` first, else the upgrade request's headers.
 * A subscription's span and latency cover its start (subscribe), not the stream's life.
 */
export async function observeWsOperation<T>(args: ExecutionArgs, carrier: Record<string, unknown>, run: () => T | Promise<T>): Promise<T> {
  const operation = getOperationAST(args.document, args.operationName);
  const name = operation ? (operation.name?.value ?? null) : undefined;
  const type = operation?.operation;
  const started = performance.now();
  return inServerSpan(`GraphQL ${type ?? 'unknown'} ${graphqlOperationLabel(name)}`, carrier, async (span) => {
    span.setAttributes({ 'graphql.operation.type': type ?? 'unknown', 'graphql.operation.name': graphqlOperationLabel(name), 'network.transport': 'websocket' });
    let errors = true;
    try {
      const result = await run();
      errors = hasErrors(result);
      if (errors) span.setStatus({ code: SpanStatusCode.ERROR, message: 'the operation answered with errors' });
      return result;
    } finally {
      recordGraphqlOperation({ name, type, errors, seconds: (performance.now() - started) / 1000, transport: 'ws' });
    }
  });
}

function hasErrors(result: unknown): boolean {
  const errors = (result as { errors?: unknown[] } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0;
}

/** Where a WebSocket caller's traceparent may be: connection_init's `traceparent`/`tracestate`, else the upgrade's headers. */
export function wsTraceCarrier(connectionParams: Readonly<Record<string, unknown>> | undefined, headers: Record<string, unknown>): Record<string, unknown> {
  const fromParams = connectionParams?.traceparent;
  if (typeof fromParams === 'string') return { traceparent: fromParams, ...(typeof connectionParams?.tracestate === 'string' && { tracestate: connectionParams.tracestate }) };
  return headers;
}
