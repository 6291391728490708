/**
 * One dispatch for every Graph request, direct or a $batch step: route -> count -> injected faults ->
 * scopes -> throttling -> handler, with Graph's error body for anything thrown. The order is deliberate:
 * an injected 429/503 stands for the service failing before it looks at the caller's rights, and a request
 * refused for scopes is not charged resource units.
 */
import { randomUUID } from 'node:crypto';
import type { SimulatorContext } from '../context';
import { SimGraphError } from '../errors';
import type { AccessTokenClaims } from '../tokens';
import { asGraphError, errorResponse, idHeaders, tooManyRequests, type RequestIds } from './graph-error';
import type { Call, GraphEnv, GraphRequest, GraphResponse } from './http';
import { endpointKey, isWrite, matchRoute, type RouteDef } from './route';
import { requirePermission } from './scopes';
import { Sealer } from './sealed';
import { allowPolicyRequest, baseCost, charge, requestCost, throttlePercentage, ThrottleState, windowsFor } from './throttle';

export function createGraphEnv(ctx: SimulatorContext, routes: readonly RouteDef[]): GraphEnv {
  const env: GraphEnv = {
    ctx,
    sealer: new Sealer(ctx.sealKey),
    throttle: new ThrottleState(),
    random: mulberry32(0x5eed),
    dispatch: (claims, req) => dispatch(env, routes, claims, req),
  };
  return env;
}

export function requestIds(req: Pick<GraphRequest, 'headers'>): RequestIds {
  const requestId = randomUUID();
  return { requestId, clientRequestId: req.headers['client-request-id'] ?? requestId };
}

export function countRequest(ctx: SimulatorContext, key: string): void {
  ctx.counters.requests += 1;
  ctx.counters.byEndpoint[key] = (ctx.counters.byEndpoint[key] ?? 0) + 1;
}

async function dispatch(env: GraphEnv, routes: readonly RouteDef[], claims: AccessTokenClaims, req: GraphRequest): Promise<GraphResponse> {
  const { ctx } = env;
  const ids = requestIds(req);
  countRequest(ctx, endpointKey(routes, req.method, req.path));
  const throttleHeaders: Record<string, string> = {};
  let response: GraphResponse;
  try {
    const { route, params } = matchRoute(routes, req.method, req.path);
    const tenant = ctx.store.getTenant(claims.tid);
    if (!tenant) throw new SimGraphError(401, 'InvalidAuthenticationToken', `Access token validation failure: tenant '${claims.tid}' does not exist.`);
    const call: Call = { env, ctx, tenant, claims, req, params };
    // The $batch envelope is neither faulted nor charged: its steps are. Every response of a charged
    // endpoint says what it costs, refused or not.
    const units = route.envelope ? undefined : resourceUnits(route, req);
    if (units !== undefined) {
      throttleHeaders['x-ms-resource-unit'] = String(units);
      injectFaults(env);
    }
    requirePermission(claims, typeof route.permission === 'function' ? route.permission(req) : route.permission);
    if (units !== undefined) Object.assign(throttleHeaders, throttle(call, route, units));
    response = await route.handler(call);
  } catch (error) {
    const graphError = asGraphError(error);
    if (graphError.status === 429) ctx.counters.throttled += 1;
    response = errorResponse(graphError, ids, ctx.now());
  }
  return { ...response, headers: { ...response.headers, ...throttleHeaders, ...idHeaders(ids) } };
}

/** graph-facts §5: writes cost 1; reads their endpoint's base adjusted by $select / $expand / $top. */
function resourceUnits(route: RouteDef, req: GraphRequest): number {
  return isWrite(route) ? 1 : requestCost(baseCost(route.method, route.template), req.query);
}

/** ctx.faults: a pending forced 429 first, then a random 503 at serverErrorRate. */
function injectFaults(env: GraphEnv): void {
  const faults = env.ctx.faults;
  if (faults.throttleNextRequests > 0) {
    faults.throttleNextRequests -= 1;
    throw tooManyRequests({ 'retry-after': String(faults.retryAfterSeconds) });
  }
  if (faults.serverErrorRate > 0 && env.random() < faults.serverErrorRate) {
    throw new SimGraphError(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.', undefined, {
      'retry-after': String(faults.retryAfterSeconds),
    });
  }
}

/**
 * Charges the request (graph-facts §5) and returns the headers to add; throws the 429. Units are always
 * counted and reported; limits apply only when settings.throttlingEnabled.
 */
function throttle(call: Call, route: RouteDef, units: number): Record<string, string> {
  const { ctx, claims, tenant } = call;
  const now = ctx.now();
  const write = isWrite(route);
  const headers: Record<string, string> = {};
  if (!ctx.settings.throttlingEnabled) {
    ctx.counters.resourceUnits += units;
    return headers;
  }
  if (route.policyRateLimited && !allowPolicyRequest(call.env.throttle, tenant.id, now)) {
    // Conditional Access answers without Retry-After: clients back off exponentially.
    throw tooManyRequests({ 'x-ms-throttle-scope': `Tenant/Read/${tenant.id}` });
  }
  const kind = write ? 'write' : 'read';
  const decision = charge(call.env.throttle, windowsFor(kind, claims.appid, tenant.id, tenant.users.size), units, now);
  const percentage = throttlePercentage(decision);
  if (percentage !== undefined) headers['x-ms-throttle-limit-percentage'] = String(percentage);
  if (!decision.allowed) {
    throw tooManyRequests({
      ...headers,
      'retry-after': String(decision.retryAfterSeconds),
      'x-ms-throttle-scope': decision.scope,
      'x-ms-throttle-information': write ? 'WriteLimitExceeded' : 'ResourceUnitLimitExceeded',
    });
  }
  ctx.counters.resourceUnits += units;
  return headers;
}

/** Small deterministic PRNG: reproducible fault injection and batch orders across runs. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
