/**
 * The one check every resolver makes before touching a tenant: `authorize(ctx, scope, tenantId?)`; root fields
 * get theirs from their `@Access` declaration (access.ts) through `authorizeAccess`.
 */
import { ErrorCode, GatewayError } from '../errors';
import type { GatewayContext } from '../context';
import { ApiScope, decide, decideAccess, type Decision, type Principal } from './principal';

/** What the guard reads of the context: the caller, and why there is none when a credential was refused. */
type Caller = Pick<GatewayContext, 'principal'> & Partial<Pick<GatewayContext, 'credentialRefusal'>>;

function enforce(ctx: Caller, decision: Decision): Principal {
  if (!decision.allowed) {
    const refusal = decision.code === 'UNAUTHENTICATED' ? ctx.credentialRefusal : undefined;
    if (refusal) throw new GatewayError(ErrorCode.UNAUTHENTICATED, refusal.message, { credential: refusal.problem });
    throw new GatewayError(decision.code === 'UNAUTHENTICATED' ? ErrorCode.UNAUTHENTICATED : ErrorCode.FORBIDDEN, decision.reason);
  }
  return ctx.principal!;
}

export function authorize(ctx: Caller, scope: ApiScope, tenantId?: string): Principal {
  return enforce(ctx, decide(ctx.principal, scope, tenantId));
}

/** Any one of `scopes` (null: any authenticated caller), and every tenant of `tenantIds`. */
export function authorizeAccess(ctx: Caller, scopes: readonly ApiScope[] | null, tenantIds: readonly string[] = []): Principal {
  return enforce(ctx, decideAccess(ctx.principal, scopes, tenantIds));
}

/** For fields any authenticated caller may use, whatever its scopes. */
export function requireCaller(ctx: Caller): Principal {
  return authorizeAccess(ctx, null);
}
