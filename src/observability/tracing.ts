/**
 * OpenTelemetry traces (issue 14): off unless configured. startTracing registers the official Node SDK's tracer
 * provider (AsyncLocalStorage context, W3C traceparent propagation) with an OTLP/HTTP exporter; tests pass an
 * in-memory exporter instead. Until then every helper here is a plain call of the function it wraps, so the
 * cost when off is one boolean test per seam.
 *
 * Spans: one per GraphQL operation (server/), per logical Graph request with its retries (graph/executor.ts),
 * per token acquisition (identity/token-provider.ts) and per sync round (sync/round.ts).
 */
import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';

export { SpanKind, SpanStatusCode, type Span };

/** The started provider's tracer; null while tracing is off. */
let tracer: Tracer | null = null;

/** Handed to the wrapped function when tracing is off: every call on it does nothing. */
const NOOP_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);


export interface TracingSettings {
  serviceName: string;
  serviceVersion?: string;
  /** OTLP/HTTP traces URL; ignored when spanProcessors are given. */
  tracesUrl?: string;
  /** Replaces the OTLP exporter (tests: a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** Exports what is pending and stops tracing. */
  shutdown(): Promise<void>;
}

export function startTracing(settings: TracingSettings): Tracing {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName, ...(settings.serviceVersion && { 'service.version': settings.serviceVersion }) }),
    spanProcessors: settings.spanProcessors ?? [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl }))],
  });
  // The global provider, the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  tracer = provider.getTracer('entra-gateway', settings.serviceVersion);
  return {
    async shutdown() {
      tracer = null;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

export function tracingEnabled(): boolean {
  return tracer !== null;
}

/**
 * Runs `fn` in a new active span (a child of the active one), ending it when `fn` settles; a rejection marks the
 * span as failed. With tracing off, `fn` gets a span that records nothing.
 */
export function inSpan<T>(name: string, options: { kind?: SpanKind; attributes?: Attributes; root?: boolean }, fn: (span: Span) => Promise<T>): Promise<T> {
  if (!tracer) return fn(NOOP_SPAN);
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, root: options.root }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed with the error's name and message (never a request or token: errors here carry neither). */
export function failSpan(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  if (error instanceof Error) span.recordException(error);
}

/** Adds the active span's W3C traceparent (and tracestate) to outgoing headers. */
export function injectTraceContext(headers: Record<string, string>): void {
  if (tracer) propagation.inject(context.active(), headers);
}

/**
 * Starts a server span for an incoming request whose parent is the caller's traceparent (when valid), and runs
 * `next` inside it. Returns the span (undefined when tracing is off); the caller ends it.
 */
export function startServerSpan(name: string, carrier: Record<string, unknown>, next: () => void): Span | undefined {
  if (!tracer) {
    next();
    return undefined;
  }
  const parent: Context = propagation.extract(ROOT_CONTEXT, carrier);
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER }, parent);
  context.with(trace.setSpan(parent, span), next);
  return span;
}

/** Runs `fn` in a server span whose parent is the caller's traceparent in `carrier` (when valid); ends it after. */
export function inServerSpan<T>(name: string, carrier: Record<string, unknown>, fn: (span: Span) => Promise<T>): Promise<T> {
  if (!tracer) return fn(NOOP_SPAN);
  const parent: Context = propagation.extract(ROOT_CONTEXT, carrier);
  return context.with(parent, () => inSpan(name, { kind: SpanKind.SERVER }, fn));
}

/** The span of the current async context, if tracing is on and one is active. */
export function activeSpan(): Span | undefined {
  return tracer ? trace.getActiveSpan() : undefined;
}
