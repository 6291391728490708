/**
 * Access tiers in the GraphQL API: the product's tiers (tenants:admin writes them; readers see them), each
 * tenant's group-to-tier mappings, a preview of a mapping change, and a user's tier. Arguments are checked
 * before the database or Graph is asked; Graph reads go through the directory part's TenantDirectory.
 */
import 'reflect-metadata';
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { TenantDirectory } from '../directory/graph-access';
import { Access } from '../core/auth/access';
import { ApiScope, describePrincipal, PortalStep } from '../core/auth/principal';
import type { GatewayContext } from '../core/context';
import { ErrorCode, GatewayError } from '../core/errors';
import { guidArg, proposedMappingsArg, rankArg, tierDescriptionArg, tierNameArg, userRefArg, type UserRef } from './access-input';
import { readGroup, readUserWithGroups, transitiveUsers, type LiveUser } from './access-graph';
import type { AccessTierRecord, TierMappingRecord } from './access-tier.entity';
import type { AccessService, TierFields } from './access.service';
import type { CachedUserFacts } from '../sync/snapshot-facts-cache';
import type { SnapshotUserFacts } from '../sync/sync.service';
import type { Actor } from './tier-events';
import {
  AccessTierDecisionObject,
  AccessTierObject,
  DefineAccessTierInput,
  TierMappingInput,
  TierMappingObject,
  TierMappingPreviewObject,
  TierSource,
  UpdateAccessTierInput,
} from './access.types';
import { previewMappingChange, resolveTier, type PreviewUser } from './tier-resolution';

const READERS = [ApiScope.DIRECTORY_READ, ApiScope.TENANTS_ADMIN] as const;
/** Tiers are the product's, shared by every tenant's mappings: a caller limited to some tenants may not change them. */
const CHANGING_TIERS = 'changing the access tiers (shared by every tenant)';

/** Who the audit rows of a mapping or tier change name. */
function actorOf(ctx: GatewayContext): Actor {
  return { principal: describePrincipal(ctx.principal!), requestId: ctx.requestId };
}

function access(ctx: GatewayContext): AccessService {
  return ctx.services.access;
}

async function requireTenant(ctx: GatewayContext, tenantId: string): Promise<void> {
  if (!(await ctx.services.tenants.get(tenantId))) throw new GatewayError(ErrorCode.NOT_FOUND, `tenant ${tenantId}: expected an existing tenant, found none`, { tenantId });
}

/**
 * The tenant's directory for this request. Mapping a group is a tenants:admin write that reads one group: such
 * a caller (already authorized on the tenant by @Access) may lack directory:read, which ctx.directory demands.
 */
function directoryFor(ctx: GatewayContext, tenantId: string): TenantDirectory {
  return ctx.principal?.scopes.has(ApiScope.DIRECTORY_READ) ? ctx.directory(tenantId) : new TenantDirectory(tenantId, ctx.services.directory);
}

/** Graph's 404 for a group that is only in the current mappings: deleted since; it gives nobody a tier now. */
async function emptyWhenDeleted(read: Promise<LiveUser[]>): Promise<LiveUser[]> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof GatewayError && err.extensions.code === ErrorCode.NOT_FOUND) return [];
    throw err;
  }
}

@Resolver()
export class AccessTierResolver {
  @Access([...READERS], { portal: [PortalStep.MAP_GROUPS, PortalStep.STATUS] })
  @Query(() => [AccessTierObject], { description: "The product's access tiers, highest rank first (directory:read or tenants:admin)." })
  async accessTiers(@Ctx() ctx: GatewayContext): Promise<AccessTierRecord[]> {
    return access(ctx).listTiers();
  }

  @Access(ApiScope.TENANTS_ADMIN, { productWide: CHANGING_TIERS })
  @Mutation(() => AccessTierObject, { description: 'Defines an access tier (tenants:admin, on every tenant: tiers are shared by all tenants). Name and rank must be free.' })
  async defineAccessTier(@Arg('input', () => DefineAccessTierInput) input: DefineAccessTierInput, @Ctx() ctx: GatewayContext): Promise<AccessTierRecord> {
    const fields: TierFields = {
      name: tierNameArg('input.name', input.name),
      rank: rankArg('input.rank', input.rank),
      description: tierDescriptionArg('input.description', input.description),
    };
    return access(ctx).defineTier(fields, actorOf(ctx));
  }

  @Access(ApiScope.TENANTS_ADMIN, { productWide: CHANGING_TIERS })
  @Mutation(() => AccessTierObject, { description: "Changes a tier's name, rank or description (tenants:admin, on every tenant). Mappings keep pointing at it. A rank change writes ACCESS_TIER_CHANGED (reason MAPPING_CHANGED) for every user whose tier it moves, in every tenant (see tierChanges); audited in every tenant." })
  async updateAccessTier(
    @Arg('id', () => ID, { description: 'The tier id.' }) id: string,
    @Arg('input', () => UpdateAccessTierInput) input: UpdateAccessTierInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<AccessTierRecord> {
    const tierId = guidArg('id', id);
    const changes: Partial<TierFields> = {};
    if (input.name != null) changes.name = tierNameArg('input.name', input.name);
    if (input.rank != null) changes.rank = rankArg('input.rank', input.rank);
    if (input.description !== undefined) changes.description = tierDescriptionArg('input.description', input.description);
    return access(ctx).updateTier(tierId, changes, actorOf(ctx));
  }

  @Access(ApiScope.TENANTS_ADMIN, { productWide: CHANGING_TIERS })
  @Mutation(() => AccessTierObject, { description: 'Deletes a tier (tenants:admin, on every tenant); refused while any tenant maps a group to it, so it moves nobody (removing the mappings wrote their ACCESS_TIER_CHANGED). Audited in every tenant. Returns the deleted tier.' })
  async deleteAccessTier(@Arg('id', () => ID, { description: 'The tier id.' }) id: string, @Ctx() ctx: GatewayContext): Promise<AccessTierRecord> {
    return access(ctx).deleteTier(guidArg('id', id), actorOf(ctx));
  }

  @Access([...READERS], { tenantArg: 'tenantId', portal: [PortalStep.MAP_GROUPS, PortalStep.STATUS] })
  @Query(() => [TierMappingObject], { description: "The tenant's group-to-tier mappings, highest tier first (directory:read or tenants:admin)." })
  async tierMappings(@Arg('tenantId', () => ID) tenantId: string, @Ctx() ctx: GatewayContext): Promise<TierMappingRecord[]> {
    const tenant = guidArg('tenantId', tenantId);
    await requireTenant(ctx, tenant);
    return access(ctx).listMappings(tenant);
  }

  @Access(ApiScope.TENANTS_ADMIN, { tenantArg: 'tenantId', portal: [PortalStep.MAP_GROUPS] })
  @Mutation(() => TierMappingObject, {
    description:
      "Maps a group of the tenant to a tier (tenants:admin), or moves an existing mapping to another tier. The group is read live from Graph: it must exist; dynamic groups may be mapped. Its current name is recorded. In the same transaction: ACCESS_TIER_CHANGED (reason MAPPING_CHANGED) for every user of the tenant's snapshot whose tier moves, and an audit row; tierChanges says how many and how fresh the snapshot was.",
  })
  async setTierMapping(
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('groupId', () => ID, { description: "The group's Entra object id." }) groupId: string,
    @Arg('tierId', () => ID) tierId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<TierMappingRecord> {
    const ids = { tenantId: guidArg('tenantId', tenantId), groupId: guidArg('groupId', groupId), tierId: guidArg('tierId', tierId) };
    await requireTenant(ctx, ids.tenantId);
    await access(ctx).requireTier(ids.tierId);
    const group = await readGroup(directoryFor(ctx, ids.tenantId), ids.groupId);
    return access(ctx).setMapping({ ...ids, groupDisplayName: group.displayName ?? group.id, createdBy: describePrincipal(ctx.principal!) }, actorOf(ctx));
  }

  @Access(ApiScope.TENANTS_ADMIN, { tenantArg: 'tenantId', portal: [PortalStep.MAP_GROUPS] })
  @Mutation(() => TierMappingObject, { nullable: true, description: 'Removes a group\'s mapping (tenants:admin). Returns it, with tierChanges (ACCESS_TIER_CHANGED written for its users, as setTierMapping); null when the group was not mapped.' })
  async removeTierMapping(
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('groupId', () => ID, { description: "The group's Entra object id." }) groupId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<TierMappingRecord | null> {
    const tenant = guidArg('tenantId', tenantId);
    const group = guidArg('groupId', groupId);
    await requireTenant(ctx, tenant);
    return access(ctx).removeMapping(tenant, group, actorOf(ctx));
  }

  @Access(ApiScope.DIRECTORY_READ, { tenantArg: 'tenantId', portal: [PortalStep.MAP_GROUPS] })
  @Query(() => TierMappingPreviewObject, {
    description:
      "What replacing the tenant's mappings with `mappings` (the whole proposed set) would do: users per tier, users changing tier, warnings. Reads the transitive members of every current and proposed group live from Graph (directory:read). Saves nothing.",
  })
  async previewTierMapping(
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('mappings', () => [TierMappingInput], { description: 'The proposed mapping set; an empty list previews removing every mapping.' }) mappings: TierMappingInput[],
    @Ctx() ctx: GatewayContext,
  ): Promise<TierMappingPreviewObject> {
    const tenant = guidArg('tenantId', tenantId);
    const proposed = proposedMappingsArg(mappings);
    await requireTenant(ctx, tenant);
    const [tiers, current] = await Promise.all([access(ctx).listTiers(), access(ctx).listMappings(tenant)]);
    const known = new Set(tiers.map((tier) => tier.id));
    const unknown = proposed.find((mapping) => !known.has(mapping.tierId));
    if (unknown) throw new GatewayError(ErrorCode.NOT_FOUND, `mappings: no access tier ${unknown.tierId} (for group ${unknown.groupId})`, { tierId: unknown.tierId });

    const evaluatedAt = new Date();
    const directory = ctx.directory(tenant);
    const proposedGroups = new Set(proposed.map((m) => m.groupId));
    const groupIds = [...new Set([...proposedGroups, ...current.map((m) => m.groupId)])];
    // Every group's first page in one tick: the loader sends them together as $batch calls.
    const memberLists = await Promise.all(
      groupIds.map((groupId) => (proposedGroups.has(groupId) ? transitiveUsers(directory, groupId) : emptyWhenDeleted(transitiveUsers(directory, groupId)))),
    );
    const users = new Map<string, LiveUser & PreviewUser & { effectiveGroupIds: string[] }>();
    memberLists.forEach((members, i) => {
      for (const member of members) {
        const user = users.get(member.id) ?? { ...member, effectiveGroupIds: [] };
        user.effectiveGroupIds.push(groupIds[i]);
        users.set(member.id, user);
      }
    });
    const preview = previewMappingChange(current, proposed, [...users.values()], tiers);
    return {
      tiers: preview.tiers,
      changes: preview.changes.map(({ user, from, to }) => ({ user: liveUser(user), from, to })),
      usersConsidered: preview.usersConsidered,
      warnings: preview.warnings,
      source: TierSource.LIVE,
      evaluatedAt,
    };
  }

  @Access(ApiScope.DIRECTORY_READ, { tenantArg: 'tenantId' })
  @Query(() => AccessTierDecisionObject, {
    description:
      "A user's access tier (e.g. at first login) from their transitive group membership and account state, read live from Graph (directory:read). Give exactly one of userId and userPrincipalName.",
  })
  accessTier(
    @Arg('tenantId', () => ID) tenantId: string,
    @Arg('userId', () => ID, { nullable: true, description: "The user's Entra object id." }) userId: string | null,
    @Arg('userPrincipalName', () => String, { nullable: true, description: "The user's sign-in name." }) userPrincipalName: string | null,
    @Ctx() ctx: GatewayContext,
  ): AccessTierDecisionObject | Promise<AccessTierDecisionObject> {
    const tenant = guidArg('tenantId', tenantId);
    const ref = userRefArg(userId, userPrincipalName);
    // The hot path (every first login): once a user was answered, everything the answer needs is held in
    // per-process caches that every change invalidates on every instance, and it is built without waiting.
    return answerFromMemory(ctx, tenant, ref) ?? readAndAnswer(ctx, tenant, ref);
  }
}

/**
 * accessTier in the steady state: the tenant, the user's snapshot facts (fresh enough), the tiers and the
 * tenant's mappings all held in memory; undefined when any is not (readAndAnswer then reads what is missing).
 */
function answerFromMemory(ctx: GatewayContext, tenant: string, ref: UserRef): AccessTierDecisionObject | undefined {
  const { tenants, sync, access, config } = ctx.services;
  // null: not a tenant (readAndAnswer says so); undefined: not held.
  if (!tenants.peek(tenant)) return undefined;
  const snapshot = sync.peekUserFacts(tenant, ref, config.sync.accessTierMaxAgeSeconds);
  const tiers = snapshot && access.peekTiers();
  const mappings = tiers && access.peekMappings(tenant);
  return mappings ? snapshotAnswer(snapshot, mappings, tiers) : undefined;
}

/** accessTier with whatever is not held read: one round trip for the snapshot facts, or Graph when the snapshot cannot answer. */
async function readAndAnswer(ctx: GatewayContext, tenant: string, ref: UserRef): Promise<AccessTierDecisionObject> {
  if (!(await ctx.services.tenants.getCached(tenant))) throw new GatewayError(ErrorCode.NOT_FOUND, `tenant ${tenant}: expected an existing tenant, found none`, { tenantId: tenant });
  // The snapshot answers when its last round is recent enough and holds the user; else Graph, live.
  const snapshot = await ctx.services.sync.userFacts(tenant, ref, ctx.services.config.sync.accessTierMaxAgeSeconds);
  if (snapshot) {
    const [tiers, mappings] = await Promise.all([access(ctx).cachedTiers(), access(ctx).cachedMappings(tenant)]);
    return snapshotAnswer(snapshot, mappings, tiers);
  }
  const evaluatedAt = new Date();
  const [tiers, mappings, live] = await Promise.all([access(ctx).cachedTiers(), access(ctx).cachedMappings(tenant), readUserWithGroups(ctx.directory(tenant), ref)]);
  return { ...decide(live, mappings, tiers), source: TierSource.LIVE, evaluatedAt };
}

type Decided = Pick<AccessTierDecisionObject, 'user' | 'tier' | 'decidingGroups' | 'reason'>;

/** The decision and its explanation from a user's facts (snapshot or live) and the tenant's mappings. */
function decide(facts: { user: LiveUser; groups: ReadonlyArray<{ id: string; displayName: string | null }> }, mappings: TierMappingRecord[], tiers: AccessTierRecord[]): Decided {
  const decision = resolveTier({ accountEnabled: facts.user.accountEnabled, effectiveGroupIds: facts.groups.map((g) => g.id) }, mappings, tiers);
  const names = new Map(facts.groups.map((g) => [g.id, g.displayName]));
  const mappedNames = new Map(mappings.map((m) => [m.groupId, m.groupDisplayName]));
  return {
    user: liveUser(facts.user),
    tier: decision.tier,
    decidingGroups: decision.decidingGroups.map((id) => ({ id, displayName: names.get(id) ?? mappedNames.get(id) ?? null })),
    reason: decision.reason,
  };
}

/**
 * A user's decision is kept with their held facts: the same facts object (replaced when a round changes the
 * snapshot) with the same tier and mapping lists (replaced when a tier or mapping changes) decides the same.
 * Weakly held: it goes when the facts leave their cache. Shared by the answers: nothing may change it.
 */
const decisions = new WeakMap<CachedUserFacts, { mappings: TierMappingRecord[]; tiers: AccessTierRecord[]; decided: Decided }>();

function snapshotAnswer(snapshot: SnapshotUserFacts, mappings: TierMappingRecord[], tiers: AccessTierRecord[]): AccessTierDecisionObject {
  let kept = decisions.get(snapshot.facts);
  if (kept?.mappings !== mappings || kept.tiers !== tiers) {
    kept = { mappings, tiers, decided: decide(snapshot.facts, mappings, tiers) };
    decisions.set(snapshot.facts, kept);
  }
  return { ...kept.decided, source: TierSource.SNAPSHOT, evaluatedAt: snapshot.asOf, snapshotAgeSeconds: snapshot.ageSeconds };
}

function liveUser(user: LiveUser): LiveUser {
  return { id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName, accountEnabled: user.accountEnabled };
}
