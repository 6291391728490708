/**
 * The one check every resolver makes before touching a tenant: `authorize(ctx, scope, tenantId?)`; root fields
 * get theirs from their `@Access` declaration (access.ts) through `authorizeAccess`.
 */
import { ErrorCode, GatewayError } from '../errors';
import type { GatewayContext } from '../context';
import { ApiScope, decide, decideAccess, type Decision, type Principal } from './principal';

function enforce(ctx: Pick<GatewayContext, 'principal'>, decision: Decision): Principal {
  if (!decision.allowed) {
    throw new GatewayError(decision.code === 'UNAUTHENTICATED' ? ErrorCode.UNAUTHENTICATED : ErrorCode.FORBIDDEN, decision.reason);
  }
  return ctx.principal!;
}

export function authorize(ctx: Pick<GatewayContext, 'principal'>, scope: ApiScope, tenantId?: string): Principal {
  return enforce(ctx, decide(ctx.principal, scope, tenantId));
}

/** Any one of `scopes` (null: any authenticated caller), and every tenant of `tenantIds`. */
export function authorizeAccess(ctx: Pick<GatewayContext, 'principal'>, scopes: readonly ApiScope[] | null, tenantIds: readonly string[] = []): Principal {
  return enforce(ctx, decideAccess(ctx.principal, scopes, tenantIds));
}

/** For fields any authenticated caller may use, whatever its scopes. */
export function requireCaller(ctx: Pick<GatewayContext, 'principal'>): Principal {
  return authorizeAccess(ctx, null);
}
