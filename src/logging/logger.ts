/**
 * The gateway's logger: pino JSON lines, the current request's id on every line written while serving it,
 * and secrets redacted. Tests pass their own destination to read the lines back (see capture.ts).
 */
import pino, { DestinationStream, Logger, LoggerOptions as PinoOptions } from 'pino';
import { REDACT_PATHS, REDACTED, redactDeep } from './redact';
import { currentRequestContext } from './request-context';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Where lines go; stdout when absent. */
  destination?: DestinationStream;
  /** Fields on every line (e.g. the service name). */
  base?: Record<string, unknown>;
  /**
   * Human-readable lines (pino-pretty) instead of JSON: for a terminal in development (see `wantsPrettyLogs`).
   * Ignored with a destination, and when pino-pretty is not installed.
   */
  pretty?: boolean;
}

/** Pretty lines only for a person watching a terminal in development; pipes, files and production get JSON. */
export function wantsPrettyLogs(stdoutIsTty: boolean | undefined, production: boolean): boolean {
  return Boolean(stdoutIsTty) && !production;
}

/** pino-pretty as a synchronous stream (so flush() before the banner and exit still works), or undefined. */
function prettyStream(): DestinationStream | undefined {
  try {
    const pretty = require('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
    return pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', singleLine: true });
  } catch {
    return undefined;
  }
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const options: PinoOptions = {
    level: opts.level ?? 'info',
    base: { service: 'entra-gateway', ...opts.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    mixin: () => {
      const context = currentRequestContext();
      return context ? { requestId: context.requestId } : {};
    },
    formatters: {
      level: (label) => ({ level: label }),
      bindings: (bindings) => redactDeep(bindings) as Record<string, unknown>,
      log: (object) => redactDeep(object) as Record<string, unknown>,
    },
    // redactDeep already turned errors into plain objects; pino's err serializer would relabel them "Object".
    serializers: { err: (value: unknown) => value },
  };
  const destination = opts.destination ?? (opts.pretty ? prettyStream() : undefined);
  const logger = destination ? pino(options, destination) : pino(options);
  redactChildBindings(logger);
  return logger;
}

/**
 * pino runs child bindings through neither `formatters.log` nor a bindings formatter, so a child created with
 * `{ clientSecret }` would print it. Children inherit from their parent's prototype chain, so wrapping
 * `child` on the root covers every descendant.
 */
function redactChildBindings(logger: Logger): void {
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    // pino appends a child's bindings to its parent's, so a key bound twice (a "sync" child of a "sync" child)
    // would print twice. Keys the parent already has with the same value are dropped; a different value replaces
    // the parent's by binding afresh from the root with the merged set (and this logger's level).
    const own = this.bindings();
    const fresh = Object.fromEntries(Object.entries(bindings).filter(([key, value]) => !(key in own && own[key] === value)));
    if (!Object.keys(fresh).some((key) => key in own)) return child.call(this, redactDeep(fresh) as typeof bindings, childOptions);
    const rootBindings = logger.bindings();
    const merged = Object.fromEntries(Object.entries({ ...own, ...fresh }).filter(([key, value]) => !(key in rootBindings && rootBindings[key] === value)));
    return child.call(logger, redactDeep(merged) as typeof bindings, { level: this.level, ...childOptions });
  } as Logger['child'];
}
