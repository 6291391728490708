/** Request-body checks shared by the write routes. */
import { badRequest } from '../../errors';
import type { GraphRequest } from '../http';

export function objectBody(req: GraphRequest): Record<string, unknown> {
  const body = req.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`Expected a JSON object as the request body, got ${body === undefined ? 'no body' : Array.isArray(body) ? 'an array' : typeof body}.`);
  }
  return body as Record<string, unknown>;
}

const REFERENCE = /\/(directoryObjects|users|groups|servicePrincipals|devices|orgContacts|contacts)\/([^/?#]+)$/i;

/** "https://graph.microsoft.com/v1.0/directoryObjects/{id}" -> id (graph-facts §8). */
export function referencedId(reference: unknown): string {
  let path: string | undefined;
  if (typeof reference === 'string') {
    try {
      path = new URL(reference).pathname;
    } catch {
      path = undefined;
    }
  }
  const match = path === undefined ? null : REFERENCE.exec(path);
  if (!match) {
    throw badRequest(
      `Invalid URL format specified in @odata.id: expected 'https://graph.microsoft.com/v1.0/directoryObjects/{id}', got ${JSON.stringify(reference)}.`,
    );
  }
  return decodeURIComponent(match[2]);
}
