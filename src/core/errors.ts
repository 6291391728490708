/**
 * The errors clients see. Every error carries `extensions.code` from one small enum. Errors we raise on
 * purpose (GatewayError, or any GraphQLError already coded from the enum) keep their message; errors from
 * GraphQL itself (parse, validation, variables) are the caller's input; anything else is unexpected: the
 * client gets "Internal server error" and nothing more, and the original goes to the log with the request id.
 */
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Logger } from '../logging';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UPSTREAM_THROTTLED: 'UPSTREAM_THROTTLED',
  UPSTREAM_FORBIDDEN: 'UPSTREAM_FORBIDDEN',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  RECONSENT_REQUIRED: 'RECONSENT_REQUIRED',
  /** A directory read asked for source SNAPSHOT of a tenant whose snapshot cannot answer (never synced, not connected). */
  SNAPSHOT_UNAVAILABLE: 'SNAPSHOT_UNAVAILABLE',
  /** A per-operation or per-connection limit (upstream work, subscriptions); extensions name the limit. */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

/** An error meant for the client: its message is shown as it is, so it must not hold secrets. */
export class GatewayError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.name = 'GatewayError';
  }
}

export interface ErrorClassification {
  code: ErrorCode;
  /** False: a bug or an outage; the client gets no detail and the error must be logged. */
  expected: boolean;
  /** Extensions the client may see (those of the coded error we raised), without the code. */
  extensions: Record<string, unknown>;
}

/** The error and the errors it wraps (graphql-js and Apollo wrap what resolvers throw), outermost first. */
function causes(error: Error): Error[] {
  const chain: Error[] = [error];
  for (let inner = (error as GraphQLError).originalError; inner && !chain.includes(inner); inner = (inner as GraphQLError).originalError) {
    chain.push(inner);
  }
  return chain;
}

export function classifyError(error: GraphQLError): ErrorClassification {
  const chain = causes(error);
  for (const cause of chain) {
    const code = cause instanceof GraphQLError ? cause.extensions?.code : undefined;
    if (typeof code === 'string' && CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      const { code: _code, stacktrace: _stacktrace, ...extensions } = (cause as GraphQLError).extensions;
      return { code: code as ErrorCode, expected: true, extensions };
    }
  }
  // Nothing but GraphQLErrors all the way down: graphql-js or Apollo rejected the request itself (parse,
  // validation, variable coercion). That is the caller's input. A plain Error underneath is a failure of ours.
  return chain.every((cause) => cause instanceof GraphQLError)
    ? { code: ErrorCode.BAD_USER_INPUT, expected: true, extensions: {} }
    : { code: ErrorCode.INTERNAL_SERVER_ERROR, expected: false, extensions: {} };
}

/** The error as the client sees it: message, locations, path and the code; never a stack or internals. */
export function formatGatewayError(error: GraphQLError): GraphQLFormattedError {
  const { code, expected, extensions } = classifyError(error);
  return {
    message: expected ? error.message : INTERNAL_ERROR_MESSAGE,
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: { ...extensions, code },
  };
}

/**
 * graphql-js validation and coercion messages end with suggestions ("Did you mean \"tenant\"?") that name
 * fields, arguments and enum values: schema details for whoever guesses. Removed where introspection is off.
 */
export function withoutSuggestions(error: GraphQLFormattedError): GraphQLFormattedError {
  const message = error.message.replace(/ ?Did you mean .+\?$/s, '');
  return message === error.message ? error : { ...error, message };
}

/** Unexpected errors reach the log in full (with the request id the logger stamps); expected ones do not. */
export function logUnexpectedErrors(errors: readonly GraphQLError[], logger: Logger): void {
  for (const error of errors) {
    if (classifyError(error).expected) continue;
    logger.error({ err: error.originalError ?? error, path: error.path?.join('.') }, 'unexpected error while resolving');
  }
}
