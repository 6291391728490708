/** `createApiKey`, `revokeApiKey` and `apiKeys`: managing the keys callers use (tenants:admin). */
import 'reflect-metadata';
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../core/context';
import { Access } from '../core/auth/access';
import { API_KEY_PAGE } from './api-key.service';
import { ApiKeyObject, ApiKeyPage, CreateApiKeyInput, CreatedApiKey, toApiKeyObject } from './api-key.types';
import { requireCaller } from '../core/auth/guard';
import { ApiScope } from '../core/auth/principal';

@Resolver()
export class ApiKeyResolver {
  @Access(ApiScope.TENANTS_ADMIN, { tenantArg: 'input.tenantIds' })
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key with at most the rights of the caller; returns its secret once.' })
  async createApiKey(@Arg('input', { description: 'The new key.' }) input: CreateApiKeyInput, @Ctx() ctx: GatewayContext): Promise<CreatedApiKey> {
    const { apiKey, key } = await ctx.services.apiKeys.create(
      { name: input.name, scopes: input.scopes, tenantIds: input.tenantIds ?? null },
      requireCaller(ctx),
    );
    return { apiKey: toApiKeyObject(apiKey), secret: key };
  }

  @Access(ApiScope.TENANTS_ADMIN)
  @Mutation(() => ApiKeyObject, { description: 'Revokes an API key at once; revoking a revoked key changes nothing.' })
  async revokeApiKey(@Arg('id', () => ID, { description: 'The key id.' }) id: string, @Ctx() ctx: GatewayContext): Promise<ApiKeyObject> {
    return toApiKeyObject(await ctx.services.apiKeys.revoke(id, requireCaller(ctx)));
  }

  @Access(ApiScope.TENANTS_ADMIN)
  @Query(() => ApiKeyPage, { description: `API keys within the caller's own rights, revoked ones included, oldest first.` })
  async apiKeys(
    @Arg('first', () => Int, { defaultValue: API_KEY_PAGE.default, description: `Page size, 1 to ${API_KEY_PAGE.max}.` }) first: number,
    @Arg('after', () => ID, { nullable: true, description: 'The endCursor of the previous page.' }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<ApiKeyPage> {
    const page = await ctx.services.apiKeys.list(requireCaller(ctx), { first, after });
    return { nodes: page.keys.map(toApiKeyObject), hasNextPage: page.hasNextPage, endCursor: page.keys.at(-1)?.id ?? null };
  }
}
