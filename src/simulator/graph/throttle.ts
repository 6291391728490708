/**
 * Graph's identity-and-access throttling (graph-facts §5) as pure decisions over sliding windows:
 * resource units per app+tenant per 10 s (limit by tenant size), writes per app+tenant per 150 s and per
 * tenant per 5 min, and conditional-access policies at 1 request per second per tenant. The clock is passed
 * in (ctx.now()) so tests can drive it.
 */
export interface Usage {
  at: number;
  units: number;
}

export class ThrottleState {
  readonly windows = new Map<string, Usage[]>();
  /** tenant id -> time of the last conditional-access request that was let through */
  readonly lastPolicyRequest = new Map<string, number>();
}

export interface WindowLimit {
  /** Graph's x-ms-throttle-scope for this window; also its key in ThrottleState. */
  scope: string;
  windowMs: number;
  limit: number;
}

export type Decision =
  | { allowed: true; usedAfter: number; limit: number }
  | { allowed: false; retryAfterSeconds: number; usedAfter: number; limit: number; scope: string };

export const READ_WINDOW_MS = 10_000;
export const WRITE_WINDOW_MS = 150_000;
export const WRITE_LIMIT_APP_TENANT = 3_000;
export const TENANT_WRITE_WINDOW_MS = 300_000;
export const WRITE_LIMIT_TENANT = 18_000;
export const POLICY_INTERVAL_MS = 1_000;

/** Resource units per 10 s for one app in one tenant, by the tenant's user count. */
export function resourceUnitLimit(userCount: number): number {
  if (userCount < 50) return 3_500;
  if (userCount <= 500) return 5_000;
  return 8_000;
}

/**
 * The identity service's resource-unit cost table (graph-facts §5), for the endpoints the simulator serves,
 * keyed "METHOD template". A request the table does not list costs the base of 1 (graph-facts §12): e.g.
 * GET /groups/{id}/memberOf (only the users' memberOf is listed), GET /servicePrincipals and
 * GET /servicePrincipals/{id}/oauth2PermissionGrants (only GET /oauth2PermissionGrants is listed).
 */
export const DOCUMENTED_COSTS: Readonly<Record<string, number>> = {
  'GET /users': 2,
  'GET /applications': 2,
  'GET /users/{id}/memberOf': 2,
  'GET /users/{id}/transitiveMemberOf': 2,
  'GET /oauth2PermissionGrants': 2,
  'GET /servicePrincipals/{id}/appRoleAssignments': 2,
  'GET /groups/{id}/members': 3,
  'GET /groups/{id}/transitiveMembers': 5,
  'POST /directoryObjects/getByIds': 5,
};

/** Base cost of an endpoint: its row in the documented table, else 1. */
export function baseCost(method: string, template: string): number {
  return DOCUMENTED_COSTS[`${method.toUpperCase()} ${template}`] ?? 1;
}

/** Cost of one request: base from the endpoint, $select -1, $expand +1, $top < 20 -1, never below 1. */
export function requestCost(base: number, query: URLSearchParams): number {
  const options = new Map([...query].map(([k, v]) => [k.toLowerCase(), v]));
  let cost = base;
  if (options.has('$select')) cost -= 1;
  if (options.has('$expand')) cost += 1;
  if (options.has('$top') && Number(options.get('$top')) < 20) cost -= 1;
  return Math.max(1, cost);
}

/**
 * Charges `units` to every window if they fit all of them; otherwise charges none and reports the window
 * that refused, with how long until the units would fit. Mutates the state.
 */
export function charge(state: ThrottleState, windows: readonly WindowLimit[], units: number, now: number): Decision {
  let fullest: Decision = { allowed: true, usedAfter: 0, limit: 1 };
  const current = windows.map((window) => {
    const usages = (state.windows.get(window.scope) ?? []).filter((u) => u.at > now - window.windowMs);
    state.windows.set(window.scope, usages);
    return { window, usages, used: usages.reduce((sum, u) => sum + u.units, 0) };
  });
  for (const { window, usages, used } of current) {
    const usedAfter = used + units;
    if (usedAfter > window.limit) {
      const retryAfterSeconds = secondsUntilFits(usages, usedAfter - window.limit, window.windowMs, now);
      return { allowed: false, retryAfterSeconds, usedAfter, limit: window.limit, scope: window.scope };
    }
    if (usedAfter / window.limit > fullest.usedAfter / fullest.limit) fullest = { allowed: true, usedAfter, limit: window.limit };
  }
  for (const { usages } of current) usages.push({ at: now, units });
  return fullest;
}

/** Time until the oldest usages holding `excess` units have left the window, rounded up to a tenth. */
function secondsUntilFits(usages: Usage[], excess: number, windowMs: number, now: number): number {
  let freed = 0;
  for (const usage of usages) {
    freed += usage.units;
    if (freed >= excess) return Math.max(0.1, Math.ceil((usage.at + windowMs - now) / 100) / 10);
  }
  return windowMs / 1000;
}

/** x-ms-throttle-limit-percentage: only reported above 80% of the limit. */
export function throttlePercentage(decision: Decision): number | undefined {
  const ratio = decision.usedAfter / decision.limit;
  return ratio > 0.8 ? Math.round(ratio * 10) / 10 : undefined;
}

/** 1 request per second per tenant for all apps (graph-facts §5); the 429 carries no Retry-After. */
export function allowPolicyRequest(state: ThrottleState, tenantId: string, now: number): boolean {
  const last = state.lastPolicyRequest.get(tenantId);
  if (last !== undefined && now - last < POLICY_INTERVAL_MS) return false;
  state.lastPolicyRequest.set(tenantId, now);
  return true;
}

/** The windows a request is charged to (graph-facts §5). */
export function windowsFor(kind: 'read' | 'write', appId: string, tenantId: string, userCount: number): WindowLimit[] {
  if (kind === 'read') {
    return [{ scope: `Tenant_Application/Read/${appId}/${tenantId}`, windowMs: READ_WINDOW_MS, limit: resourceUnitLimit(userCount) }];
  }
  return [
    { scope: `Tenant_Application/Write/${appId}/${tenantId}`, windowMs: WRITE_WINDOW_MS, limit: WRITE_LIMIT_APP_TENANT },
    { scope: `Tenant/Write/${tenantId}`, windowMs: TENANT_WRITE_WINDOW_MS, limit: WRITE_LIMIT_TENANT },
  ];
}
