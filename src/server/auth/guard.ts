/** The one check every resolver makes before touching a tenant: `authorize(ctx, scope, tenantId?)`. */
import { ErrorCode, GatewayError } from '../errors';
import type { GatewayContext } from '../context';
import { ApiScope, decide, type Principal } from './principal';

export function authorize(ctx: Pick<GatewayContext, 'principal'>, scope: ApiScope, tenantId?: string): Principal {
  const decision = decide(ctx.principal, scope, tenantId);
  if (!decision.allowed) {
    throw new GatewayError(decision.code === 'UNAUTHENTICATED' ? ErrorCode.UNAUTHENTICATED : ErrorCode.FORBIDDEN, decision.reason);
  }
  return ctx.principal!;
}
