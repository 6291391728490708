/**
 * Microsoft Graph's typed failures as the errors callers see (`extensions.code`). Which permission an endpoint
 * needs is a pure lookup (graph-facts §11), so a 403 names what the tenant's consent lacks and how to fix it.
 */
import {
  GraphAuthError,
  GraphBadRequestError,
  GraphError,
  GraphForbiddenError,
  GraphNotFoundError,
  GraphThrottledError,
} from '../graph';
import { ErrorCode, GatewayError } from '../core/errors';
import { RECONSENT_HINT } from '../tenants/tenant-tokens';

/** Least-privileged permission per endpoint, first match wins (paths below /v1.0, query ignored). */
const ENDPOINT_PERMISSIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/users\/[^/]+\/(transitiveMemberOf|memberOf)\b/i, 'GroupMember.Read.All'],
  [/^\/users\b/i, 'User.Read.All'],
  [/^\/groups\b/i, 'GroupMember.Read.All'],
  [/^\/(directoryRoles|roleManagement)\b/i, 'RoleManagement.Read.Directory'],
  [/^\/identity\/conditionalAccess\b/i, 'Policy.Read.All'],
  [/^\/(servicePrincipals|applications|oauth2PermissionGrants)\b/i, 'Application.Read.All'],
];

/** The path of a Graph request below /v1.0 without its query: `https://h/v1.0/users?$top=5` -> `/users`. */
export function endpointOf(pathOrUrl: string): string {
  const path = /^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl) ? new URL(pathOrUrl).pathname.replace(/^.*?\/v1\.0(?=\/)/, '') : pathOrUrl;
  return path.split('?')[0];
}

/** The Graph permission a read of `pathOrUrl` needs; null for an endpoint this table does not know. */
export function permissionFor(pathOrUrl: string): string | null {
  const endpoint = endpointOf(pathOrUrl);
  return ENDPOINT_PERMISSIONS.find(([pattern]) => pattern.test(endpoint))?.[1] ?? null;
}

/**
 * The caller's view of a failed Graph read of `pathOrUrl` for tenant `tenantId`. GatewayErrors (from the token
 * provider: RECONSENT_REQUIRED and the like) pass unchanged; anything that is not a Graph error is ours and
 * passes unchanged too, to be logged as unexpected.
 */
export function toGatewayError(err: unknown, tenantId: string, pathOrUrl: string): unknown {
  if (!(err instanceof GraphError)) return err;
  const endpoint = endpointOf(pathOrUrl);
  const where = `tenant ${tenantId}: Microsoft Graph GET ${endpoint}`;
  const ids = { tenantId, ...(err.requestId ? { graphRequestId: err.requestId } : {}) };
  if (err instanceof GraphNotFoundError) {
    return new GatewayError(ErrorCode.NOT_FOUND, `${where}: the object does not exist (or was deleted)`, ids);
  }
  if (err instanceof GraphForbiddenError) {
    const permission = permissionFor(endpoint);
    const needs = permission ? `the connection needs the Graph permission ${permission}` : 'the connection lacks a Graph permission';
    return new GatewayError(ErrorCode.UPSTREAM_FORBIDDEN, `${where} was refused (${err.code}): ${needs}; ${RECONSENT_HINT}`, {
      ...ids,
      ...(permission ? { missingPermission: permission } : {}),
      reconsent: RECONSENT_HINT,
    });
  }
  if (err instanceof GraphAuthError) {
    return new GatewayError(ErrorCode.RECONSENT_REQUIRED, `${where}: Graph refused the tenant's token even after a refresh; ${RECONSENT_HINT}`, ids);
  }
  if (err instanceof GraphThrottledError) {
    const retryAfterSeconds = err.retryAfterMs === undefined ? undefined : Math.ceil(err.retryAfterMs / 1000);
    const hint = retryAfterSeconds === undefined ? 'retry later with back-off' : `retry after ${retryAfterSeconds} s`;
    return new GatewayError(ErrorCode.UPSTREAM_THROTTLED, `${where} is throttled by Microsoft: ${hint}`, {
      ...ids,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
  }
  if (err instanceof GraphBadRequestError) {
    return new GatewayError(ErrorCode.BAD_USER_INPUT, `${where} refused the query (${err.code}): ${err.message}`, ids);
  }
  // 5xx, network failures, deadlines, malformed answers, and statuses Graph should not give a read (501, 424).
  return new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `${where} failed (${err.code}, HTTP ${err.status || 'none'}); try again later`, ids);
}
