/** `createApiKey`, `updateApiKey`, `revokeApiKey` and `apiKeys`: managing the keys callers use (tenants:admin). */
import 'reflect-metadata';
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../core/context';
import { Access } from '../core/auth/access';
import { API_KEY_PAGE } from './api-key.service';
import { ApiKeyObject, ApiKeyPage, CreateApiKeyInput, CreatedApiKey, toApiKeyObject, UpdateApiKeyInput } from './api-key.types';
import { requireCaller } from '../core/auth/guard';
import { ApiScope } from '../core/auth/principal';
import { ErrorCode, GatewayError } from '../core/errors';

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

  @Access(ApiScope.TENANTS_ADMIN, { tenantArg: 'input.tenantIds' })
  @Mutation(() => ApiKeyObject, {
    description:
      "Changes an API key's name, scopes or tenants, with at most the rights of the caller; audited. Every instance applies it within moments; WebSocket connections open with the key are closed (code 4403) when its rights change.",
  })
  async updateApiKey(
    @Arg('id', () => ID, { description: 'The key id.' }) id: string,
    @Arg('input', () => UpdateApiKeyInput) input: UpdateApiKeyInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<ApiKeyObject> {
    if (input.name === null) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'input.name: expected a name or nothing, received null (a key always has a name)');
    if (input.scopes === null) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'input.scopes: expected a list of scopes or nothing, received null');
    const changes = { name: input.name, scopes: input.scopes, tenantIds: input.tenantIds };
    return toApiKeyObject(await ctx.services.apiKeys.update(id, changes, requireCaller(ctx)));
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
