/** The HTTP server: where it listens, how it presents itself, how it logs and shuts down. */
import { z } from 'zod';
import { Env, envVar, flag, integer, nonEmpty, oneOf, parseSection, port, SectionContext, SectionResult, url } from './env';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** An origin is scheme://host[:port] and nothing more; anything else would make the return-URL check loose. */
const originList = envVar('a comma-separated list of origins such as https://app.example.com', (raw) => {
  const origins = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  const isOrigin = (entry: string) => URL.canParse(entry) && new URL(entry).origin === entry.replace(/\/$/, '');
  const bad = origins.find((entry) => !isOrigin(entry));
  return bad === undefined && origins.length > 0 ? origins.map((entry) => entry.replace(/\/$/, '')) : undefined;
});

function schema(ctx: SectionContext) {
  return z.object({
    PORT: port.default(4000),
    // Containers need every interface; a developer's machine should not expose the gateway to its network.
    HOST: nonEmpty('a host name or IP address').default(ctx.production ? '0.0.0.0' : '127.0.0.1'),
    PUBLIC_URL: url(['http', 'https'], 'https://gateway.example.com').optional(),
    LOG_LEVEL: oneOf(LOG_LEVELS).default('info'),
    GRAPHQL_SANDBOX: flag.default(!ctx.production),
    ALLOWED_RETURN_ORIGINS: originList.optional(),
    SHUTDOWN_TIMEOUT_MS: integer(0, 600_000).default(10_000),
    GRAPHQL_MAX_DEPTH: integer(1, 100).default(12),
    GRAPHQL_MAX_COST: integer(1, 10_000_000).default(20_000),
    GRAPHQL_DEFAULT_PAGE_SIZE: integer(1, 999).default(25),
    // Checked on the raw text, before the parser runs (query-limits.ts: documentViolation).
    GRAPHQL_MAX_DOCUMENT_BYTES: integer(1_000, 10_000_000).default(100_000),
    GRAPHQL_MAX_TOKENS: integer(100, 1_000_000).default(10_000),
    GRAPHQL_MAX_NESTING: integer(4, 1_000).default(64),
    HTTP_MAX_BODY_BYTES: integer(1_000, 100_000_000).default(1_048_576),
    WS_MAX_MESSAGE_BYTES: integer(1_000, 100_000_000).default(1_048_576),
    WS_MAX_SUBSCRIPTIONS_PER_SOCKET: integer(1, 10_000).default(20),
    WS_MAX_SUBSCRIPTIONS_PER_KEY: integer(1, 100_000).default(100),
    HEARTBEAT_MIN_INTERVAL_MS: integer(10, 60_000).default(1_000),
    // Upstream work one operation may cause (operation-budget.ts), whatever its aliases.
    OPERATION_MAX_GRAPH_REQUESTS: integer(1, 1_000_000).default(1_000),
    OPERATION_MAX_TOKEN_REQUESTS: integer(1, 10_000).default(10),
    OPERATION_MAX_PROVISIONING_ITEMS: integer(1, 1_000_000).default(1_000),
    CORS_ALLOWED_ORIGINS: originList.optional(),
  });
}

export interface ServerConfig {
  port: number;
  host: string;
  /** How browsers and Microsoft reach the gateway; redirect URIs are built from it. No trailing slash. */
  publicUrl: string;
  logLevel: LogLevel;
  graphqlSandbox: boolean;
  /** Origins the OAuth flows may redirect back to; the public URL's origin when not configured. */
  allowedReturnOrigins: readonly string[];
  shutdownTimeoutMs: number;
  /** Checked before execution (query-limits.ts); the default page size is also what lists return without `first`. */
  queryLimits: QueryLimitSettings;
  /** Largest JSON body express reads for /graphql. */
  maxBodyBytes: number;
  webSocket: WebSocketLimits;
  /** The shortest `heartbeat(intervalMs:)` a caller may ask for. */
  heartbeatMinIntervalMs: number;
  /** Upstream work per operation (Graph requests, token requests, provisioning items). */
  operationBudget: OperationBudgetLimits;
  /** Browser origins allowed to call /graphql cross-origin; empty: CORS off (no cross-origin caller). */
  corsAllowedOrigins: readonly string[];
}

export interface QueryLimitSettings {
  maxDepth: number;
  maxCost: number;
  defaultPageSize: number;
  /** UTF-8 bytes of the document text. */
  maxDocumentBytes: number;
  /** Lexical tokens the parser reads before it gives up. */
  maxTokens: number;
  /** Open brackets ({ [ () at once in the text: bounds every recursive walk of the document. */
  maxNesting: number;
}

export interface WebSocketLimits {
  maxMessageBytes: number;
  maxSubscriptionsPerSocket: number;
  /** Across this instance's sockets of one caller (API key, JWT subject). */
  maxSubscriptionsPerKey: number;
}

export interface OperationBudgetLimits {
  graphRequests: number;
  tokenRequests: number;
  provisioningItems: number;
}

export function serverSection(env: Env, ctx: SectionContext): SectionResult<ServerConfig> {
  const parsed = parseSection(schema(ctx), env);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  const publicUrl = v.PUBLIC_URL ?? `http://localhost:${v.PORT}`;
  return {
    ok: true,
    value: {
      port: v.PORT,
      host: v.HOST,
      publicUrl,
      logLevel: v.LOG_LEVEL,
      graphqlSandbox: v.GRAPHQL_SANDBOX,
      allowedReturnOrigins: v.ALLOWED_RETURN_ORIGINS ?? [new URL(publicUrl).origin],
      shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
      queryLimits: {
        maxDepth: v.GRAPHQL_MAX_DEPTH,
        maxCost: v.GRAPHQL_MAX_COST,
        defaultPageSize: v.GRAPHQL_DEFAULT_PAGE_SIZE,
        maxDocumentBytes: v.GRAPHQL_MAX_DOCUMENT_BYTES,
        maxTokens: v.GRAPHQL_MAX_TOKENS,
        maxNesting: v.GRAPHQL_MAX_NESTING,
      },
      maxBodyBytes: v.HTTP_MAX_BODY_BYTES,
      webSocket: {
        maxMessageBytes: v.WS_MAX_MESSAGE_BYTES,
        maxSubscriptionsPerSocket: v.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
        maxSubscriptionsPerKey: v.WS_MAX_SUBSCRIPTIONS_PER_KEY,
      },
      heartbeatMinIntervalMs: v.HEARTBEAT_MIN_INTERVAL_MS,
      operationBudget: {
        graphRequests: v.OPERATION_MAX_GRAPH_REQUESTS,
        tokenRequests: v.OPERATION_MAX_TOKEN_REQUESTS,
        provisioningItems: v.OPERATION_MAX_PROVISIONING_ITEMS,
      },
      corsAllowedOrigins: v.CORS_ALLOWED_ORIGINS ?? [],
    },
  };
}
