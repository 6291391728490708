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
  queryLimits: { maxDepth: number; maxCost: number; defaultPageSize: number };
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
      queryLimits: { maxDepth: v.GRAPHQL_MAX_DEPTH, maxCost: v.GRAPHQL_MAX_COST, defaultPageSize: v.GRAPHQL_DEFAULT_PAGE_SIZE },
    },
  };
}
