/** Graph's error body (graph-facts §6) and the ids every response carries. */
import { SimGraphError } from '../errors';
import type { GraphResponse } from './http';

export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

export function idHeaders(ids: RequestIds): Record<string, string> {
  return { 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId };
}

/** innerError.date is Graph's second-precision UTC timestamp without a zone suffix. */
export function errorResponse(error: SimGraphError, ids: RequestIds, now: number): GraphResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', ...error.headers },
    body: {
      error: {
        code: error.code,
        message: error.message,
        innerError: { date: new Date(now).toISOString().slice(0, 19), 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId },
        ...(error.details ? { details: error.details } : {}),
      },
    },
  };
}

/** Anything that is not a SimGraphError is a simulator bug: answered as Graph answers its own, 500. */
export function asGraphError(error: unknown): SimGraphError {
  if (error instanceof SimGraphError) return error;
  return new SimGraphError(500, 'InternalServerError', `Simulator failure: ${error instanceof Error ? error.message : String(error)}`);
}

export function tooManyRequests(headers: Record<string, string>): SimGraphError {
  return new SimGraphError(429, 'TooManyRequests', 'Please retry again later.', undefined, headers);
}
