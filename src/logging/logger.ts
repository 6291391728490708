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
  const logger = opts.destination ? pino(options, opts.destination) : pino(options);
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
    return child.call(this, redactDeep(bindings) as typeof bindings, childOptions);
  } as Logger['child'];
}
