/**
 * Observability (issue 14): the Prometheus endpoint and OpenTelemetry traces.
 *
 * /metrics is on by default in development and test (the gateway binds 127.0.0.1 there) and off in production
 * unless it is protected: by a bearer token (METRICS_TOKEN) or by its own listener (METRICS_PORT on
 * METRICS_HOST, 127.0.0.1 by default), or both. METRICS_ENABLED=true in production with neither is refused.
 * Traces are off unless OTEL_EXPORTER_OTLP_ENDPOINT is set or TRACING=true (then the OTLP/HTTP default
 * http://localhost:4318 is used).
 */
import { z } from 'zod';
import { Env, envVar, flag, integer, nonEmpty, parseSection, port, SectionContext, SectionResult, url } from './env';
import type { ConfigProblem } from './problems';

/** Shorter tokens are guessable; a scrape token is compared in constant time, so length is the only strength. */
const MIN_TOKEN_LENGTH = 16;

const token = envVar(`a bearer token of at least ${MIN_TOKEN_LENGTH} characters (letters, digits, - . _ ~ + / =)`, (raw) =>
  raw.length >= MIN_TOKEN_LENGTH && /^[A-Za-z0-9\-._~+/=]+$/.test(raw) ? raw : undefined,
);

const schema = z.object({
  METRICS_ENABLED: flag.optional(),
  METRICS_TOKEN: token.optional(),
  METRICS_PORT: port.optional(),
  METRICS_HOST: nonEmpty('a host name or IP address').default('127.0.0.1'),
  // Per-tenant series (sync lag, resource units, ...) for at most this many tenants; the rest share "other".
  METRICS_TENANT_LABEL_LIMIT: integer(0, 100_000).default(500),
  TRACING: flag.optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http', 'https'], 'http://otel-collector:4318').optional(),
  OTEL_SERVICE_NAME: nonEmpty('a service name').default('entra-gateway'),
});

export interface MetricsConfig {
  enabled: boolean;
  /** Null: no token asked (development, or a separate listener only reachable by the scraper). */
  token: string | null;
  /** Null: /metrics is served on the gateway's own port. */
  port: number | null;
  host: string;
  tenantLabelLimit: number;
}

export interface TracingConfig {
  enabled: boolean;
  /** The OTLP/HTTP traces URL (the endpoint + /v1/traces). */
  tracesUrl: string;
  serviceName: string;
}

export interface ObservabilityConfig {
  metrics: MetricsConfig;
  tracing: TracingConfig;
}

const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

function rules(v: z.output<typeof schema>, ctx: SectionContext): ConfigProblem[] {
  if (ctx.production && v.METRICS_ENABLED === true && !v.METRICS_TOKEN && v.METRICS_PORT === undefined) {
    return [
      {
        variable: 'METRICS_ENABLED',
        expected: 'METRICS_TOKEN or METRICS_PORT as well in production (/metrics is never open on the public port there)',
        received: 'true with neither',
      },
    ];
  }
  return [];
}

export function observabilitySection(env: Env, ctx: SectionContext): SectionResult<ObservabilityConfig> {
  const parsed = parseSection(schema, env);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  const problems = rules(v, ctx);
  if (problems.length > 0) return { ok: false, problems };
  const protectedByDefault = v.METRICS_TOKEN !== undefined || v.METRICS_PORT !== undefined;
  return {
    ok: true,
    value: {
      metrics: {
        enabled: v.METRICS_ENABLED ?? (!ctx.production || protectedByDefault),
        token: v.METRICS_TOKEN ?? null,
        port: v.METRICS_PORT ?? null,
        host: v.METRICS_HOST,
        tenantLabelLimit: v.METRICS_TENANT_LABEL_LIMIT,
      },
      tracing: {
        enabled: v.TRACING ?? v.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined,
        tracesUrl: `${v.OTEL_EXPORTER_OTLP_ENDPOINT ?? DEFAULT_OTLP_ENDPOINT}/v1/traces`,
        serviceName: v.OTEL_SERVICE_NAME,
      },
    },
  };
}
