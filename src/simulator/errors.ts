/**
 * Graph's error shape (graph-facts §6): {"error":{"code","message","innerError":{...},"details"?}}.
 * Simulator code throws SimGraphError; the Graph router turns it into the response body and status.
 */
export interface ErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export class SimGraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'SimGraphError';
  }
}

export const notFound = (id?: string) =>
  new SimGraphError(
    404,
    'Request_ResourceNotFound',
    id ? `Resource '${id}' does not exist or one of its queried reference-property objects are not present.` : 'Resource not found.',
  );
export const badRequest = (message: string, details?: ErrorDetail[]) =>
  new SimGraphError(400, 'Request_BadRequest', message, details);
export const unsupportedQuery = (message: string) => new SimGraphError(400, 'Request_UnsupportedQuery', message);
export const accessDenied = () =>
  new SimGraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
export const notImplemented = (message: string) => new SimGraphError(501, 'NotImplemented', message);
