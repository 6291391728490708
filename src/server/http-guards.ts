/**
 * What every HTTP answer gets before Apollo sees the request: security headers, the CORS allow-list, a
 * GraphQL-style JSON error (never express's HTML page) for a body that cannot be read, and the document guard
 * (size and nesting, before the parser). The decisions are pure functions (corsDecision, bodyFailure), tested
 * without a server.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from '../logging';
import { ErrorCode } from '../core/errors';
import { documentViolation, type DocumentLimits } from './query-limits';

/** A GraphQL-style error body: `{ errors: [{ message, extensions: { code } }] }`. */
export function sendGraphQLError(res: Response, status: number, code: ErrorCode, message: string): void {
  res.status(status).type('application/json').send(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/**
 * nosniff and framing protection on every answer (GraphQL, the explorer page, OAuth callbacks, health): no
 * page of the gateway may be framed (clickjacking of the consent flow) or sniffed into HTML.
 */
export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
    next();
  };
}

export const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', 'x-api-key', 'x-request-id', 'apollo-require-preflight'] as const;
export const CORS_METHODS = ['GET', 'POST', 'OPTIONS'] as const;
const CORS_MAX_AGE_SECONDS = 600;

export type CorsDecision =
  /** Not a cross-origin browser request (no Origin), or CORS is off: nothing to add. */
  | { kind: 'none' }
  | { kind: 'allowed'; origin: string; preflight: boolean }
  | { kind: 'refused'; origin: string; preflight: boolean };

/**
 * Whether a browser at `origin` may call the gateway. Origins compare exactly (scheme, host and port), as
 * browsers send them. Callers authenticate by header (API key or JWT), never by cookie, so credentials are not
 * allowed and no origin is ever reflected unless listed.
 */
export function corsDecision(origin: string | undefined, method: string, requestMethod: string | undefined, allowed: readonly string[]): CorsDecision {
  if (origin === undefined || allowed.length === 0) return { kind: 'none' };
  const preflight = method === 'OPTIONS' && requestMethod !== undefined;
  return allowed.includes(origin) ? { kind: 'allowed', origin, preflight } : { kind: 'refused', origin, preflight };
}

export function cors(allowed: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const decision = corsDecision(req.headers.origin, req.method, req.headers['access-control-request-method'] as string | undefined, allowed);
    if (decision.kind === 'none') return next();
    res.vary('Origin');
    if (decision.kind === 'refused') {
      if (!decision.preflight) return next(); // No Allow-Origin header: the browser withholds the answer.
      return sendGraphQLError(res, 403, ErrorCode.FORBIDDEN, `origin ${decision.origin}: expected one of the origins in CORS_ALLOWED_ORIGINS, received another`);
    }
    res.setHeader('Access-Control-Allow-Origin', decision.origin);
    if (!decision.preflight) return next();
    res.setHeader('Access-Control-Allow-Methods', CORS_METHODS.join(', '));
    res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS.join(', '));
    res.setHeader('Access-Control-Max-Age', String(CORS_MAX_AGE_SECONDS));
    res.status(204).end();
  };
}

export interface BodyFailure {
  status: number;
  code: ErrorCode;
  message: string;
  /** False: not the caller's doing; logged at error level (without the body). */
  expected: boolean;
}

/**
 * The answer for an error raised while reading a request body (body-parser's `type`), saying what was
 * expected and what arrived, never echoing the body: Node's JSON.parse messages quote it, and it may hold a
 * password (provisioning) or a client secret.
 */
export function bodyFailure(err: { type?: unknown; status?: unknown; limit?: unknown; length?: unknown; encoding?: unknown; charset?: unknown }): BodyFailure {
  const bad = (status: number, message: string): BodyFailure => ({ status, code: ErrorCode.BAD_USER_INPUT, message, expected: true });
  switch (err.type) {
    case 'entity.parse.failed':
      return bad(400, 'request body: expected a JSON object, received text that is not valid JSON');
    case 'entity.too.large':
      return bad(413, `request body: expected at most ${String(err.limit)} bytes, received ${String(err.length)} bytes`);
    case 'encoding.unsupported':
      return bad(415, `Content-Encoding: expected identity, gzip, deflate or br, received ${JSON.stringify(String(err.encoding ?? 'another'))}`);
    case 'charset.unsupported':
      return bad(415, `Content-Type charset: expected utf-8, received ${JSON.stringify(String(err.charset ?? 'another'))}`);
    case 'request.aborted':
      return bad(400, 'request body: expected a complete body, received a request aborted before its end');
    case 'request.size.invalid':
      return bad(400, 'request body: expected as many bytes as Content-Length says, received another number');
    default: {
      const status = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
      return status < 500
        ? bad(status, 'request: expected a request the gateway can read, received one it cannot')
        : { status: 500, code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'Internal server error', expected: false };
    }
  }
}

/**
 * Every error express would otherwise answer with its HTML page (and, outside test mode, print with its
 * stack and message to stderr, where a JSON parse error quotes the body). Only the kind goes to the log.
 */
export function jsonErrors(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    const failure = bodyFailure((err ?? {}) as Record<string, unknown>);
    const kind = typeof (err as { type?: unknown })?.type === 'string' ? (err as { type: string }).type : (err as Error)?.name;
    if (failure.expected) logger.info({ status: failure.status, kind }, 'request refused before GraphQL');
    else logger.error({ status: failure.status, kind, stack: (err as Error)?.stack?.split('\n').slice(1).join('\n') }, 'unexpected error before GraphQL');
    sendGraphQLError(res, failure.status, failure.code, failure.message);
  };
}

/**
 * The document guard for HTTP: a GET's or POST's `query` checked for size and nesting before Apollo parses
 * it. (APQ is off, so a request without `query` is Apollo's to refuse.)
 */
export function documentGuard(limits: DocumentLimits): RequestHandler {
  return (req, res, next) => {
    const source: unknown = req.method === 'GET' ? req.query?.query : (req.body as { query?: unknown } | undefined)?.query;
    if (source === undefined) return next();
    const violation = documentViolation(source, limits);
    if (!violation) return next();
    sendGraphQLError(res, 400, ErrorCode.BAD_USER_INPUT, violation);
  };
}
