/**
 * Drift in the GraphQL API: a tenant's findings (directory:read) and an evaluation on demand (tenants:admin).
 * The sync engine runs the same evaluation after each round (DriftService.evaluate).
 */
import 'reflect-metadata';
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { guidArg } from '../../access/access-input';
import { Access } from '../../core/auth/access';
import { ApiScope, PortalStep } from '../../core/auth/principal';
import type { GatewayContext } from '../../core/context';
import { ErrorCode, GatewayError } from '../../core/errors';
import type { DriftFindingRecord } from './drift-finding.entity';
import type { DriftEvaluationResult } from './drift.service';
import { DriftEvaluationObject, DriftFindingObject } from './drift.types';

async function requireTenant(ctx: GatewayContext, tenantId: string): Promise<void> {
  if (!(await ctx.services.tenants.get(tenantId))) throw new GatewayError(ErrorCode.NOT_FOUND, `tenant ${tenantId}: expected an existing tenant, found none`, { tenantId });
}

@Resolver()
export class DriftResolver {
  @Access(ApiScope.DIRECTORY_READ, { tenantArg: 'tenantId', portal: [PortalStep.STATUS] })
  @Query(() => [DriftFindingObject], { description: "The tenant's drift findings, newest first (directory:read)." })
  async driftFindings(
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('open', () => Boolean, { nullable: true, description: 'true: open findings only; false: resolved ones only; absent: all.' }) open: boolean | null | undefined,
    @Ctx() ctx: GatewayContext,
  ): Promise<DriftFindingRecord[]> {
    const tenant = guidArg('tenantId', tenantId);
    await requireTenant(ctx, tenant);
    return ctx.services.drift.list(tenant, open ?? null);
  }

  @Access(ApiScope.TENANTS_ADMIN, { tenantArg: 'tenantId' })
  @Mutation(() => DriftEvaluationObject, {
    description:
      "Evaluates the tenant's drift rules now (tenants:admin): mapped groups, policies and apps read live, whatever their cadence; sync failures as sync_state counts them. Opens and resolves findings, each with its event.",
  })
  async evaluateDrift(@Arg('tenantId', () => ID) tenantId: string, @Ctx() ctx: GatewayContext): Promise<DriftEvaluationResult> {
    const tenant = guidArg('tenantId', tenantId);
    await requireTenant(ctx, tenant);
    return ctx.services.drift.evaluate(tenant, { refreshPolicies: true, syncFailuresFromState: true });
  }
}
