/**
 * Route table matching over path templates ("/groups/{id}/members/$ref"). Templates are also the keys of
 * counters.byEndpoint. A path no template starts with is answered the way Graph does: 400 BadRequest
 * "Resource not found for the segment '<first unknown segment>'."
 */
import { SimGraphError } from '../errors';
import type { GraphRequest, Handler } from './http';
import type { PermissionSet } from './scopes';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteDef {
  method: Method;
  template: string;
  /** Permissions that suffice; a function when the body decides (PATCH /groups/{id} with only members@odata.bind). */
  permission: PermissionSet | ((req: GraphRequest) => PermissionSet);
  /** Conditional-access endpoints: 1 request per second per tenant. */
  policyRateLimited?: boolean;
  /** $batch itself: not throttled or faulted; its sub-requests are. */
  envelope?: boolean;
  /** A POST that only reads (getByIds): charged as a read. */
  readsOnly?: boolean;
  handler: Handler;
}

export interface RouteMatch {
  route: RouteDef;
  params: Record<string, string>;
}

export function splitPath(path: string): string[] {
  return path.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new SimGraphError(400, 'BadRequest', `The path segment '${s}' is not valid percent-encoding.`);
    }
  });
}

/** The counters key: "GET /groups/{id}/members", or "<METHOD> <unknown>" for paths no route serves. */
export function endpointKey(routes: readonly RouteDef[], method: string, path: string): string {
  try {
    return `${method.toUpperCase()} ${matchRoute(routes, method, path).route.template}`;
  } catch {
    return `${method.toUpperCase()} <unknown>`;
  }
}

export function isWrite(route: RouteDef): boolean {
  return route.method !== 'GET' && !route.readsOnly;
}

/** Literal segments beat placeholders (/users/delta is not /users/{id}). */
export function matchRoute(routes: readonly RouteDef[], method: string, path: string): RouteMatch {
  const segments = splitPath(path);
  let best: { match: RouteMatch; literals: number } | undefined;
  let pathKnown = false;
  let deepest = 0;
  for (const route of routes) {
    const { matched, params, literals } = matchTemplate(route.template, segments);
    deepest = Math.max(deepest, matched);
    if (matched !== segments.length || templateLength(route.template) !== segments.length) continue;
    pathKnown = true;
    if (route.method !== method.toUpperCase()) continue;
    if (!best || literals > best.literals) best = { match: { route, params }, literals };
  }
  if (best) return best.match;
  if (pathKnown) {
    throw new SimGraphError(405, 'Request_BadRequest', `Specified HTTP method '${method}' is not allowed for the request uri '${path}'.`);
  }
  const segment = segments[Math.min(deepest, segments.length - 1)] ?? '';
  throw new SimGraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
}

function templateLength(template: string): number {
  return template.split('/').filter(Boolean).length;
}

/** How many leading segments the template accepts, with the placeholder values. */
function matchTemplate(template: string, segments: string[]) {
  const parts = template.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  let literals = 0;
  let matched = 0;
  for (; matched < Math.min(parts.length, segments.length); matched++) {
    const part = parts[matched];
    if (part.startsWith('{')) params[part.slice(1, -1)] = segments[matched];
    else if (part.toLowerCase() === segments[matched].toLowerCase()) literals++;
    else break;
  }
  return { matched, params, literals };
}
