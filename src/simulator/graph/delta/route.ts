/**
 * GET /users/delta and /groups/delta (graph-facts §4). Rounds are paged with $skiptoken nextLinks and end
 * with a $deltatoken deltaLink; both tokens are sealed and carry the tenant, the original $select/$filter,
 * the store's change sequence, its delta epoch and the time the round started.
 *
 * Choices where Graph is [unverified]: an expired token (older than settings.deltaTokenLifetimeMs on the
 * simulator clock), or one this process cannot open (issued before a restart) -> 400 syncStateNotFound; a token from before a reset (older deltaEpoch) -> 410 Gone,
 * code resyncRequired, Location = the delta URL with an empty $deltatoken, which (like any empty $deltatoken)
 * starts a new full round. Groups without $select track membership (members@delta), as Graph's default group
 * delta does. Page sizes and `Prefer: odata.maxpagesize`: page-size.ts.
 *
 * A page costs what it carries: the first round walks the maintained id index from its cursor and materialises
 * member lists only for the groups on the page; a group split across pages has its list built once per round
 * and kept with the round (round-cache.ts, keyed by a round id sealed in the skiptoken), as is a later round's
 * folded list of changes. counters.deltaMemberLists / deltaMemberEntries count the member lists built.
 */
import { randomUUID } from 'node:crypto';
import type { SimulatorContext } from '../../context';
import type { SimTenant } from '../../model';
import { badRequest, SimGraphError, unsupportedQuery } from '../../errors';
import { GROUP, USER, type EntityType } from '../entities';
import { contextUrl, graphRoot, json, type Call, type GraphResponse } from '../http';
import { parseFilter, type FilterExpr } from '../odata/filter-parser';
import { parseSelect, systemOptions } from '../odata/query';
import type { RouteDef } from '../route';
import { project } from '../serialize';
import { maintainedIndex, sortedSource, type SortKey } from '../sorted-index';
import {
  incrementalItems,
  initialPage,
  pageItems,
  type DeltaItem,
  type InitialCursor,
  type MemberDelta,
  type MemberSource,
  type PageCursor,
  type PageLimits,
  type RoundScope,
} from './changes';
import { deltaPageSize, parsePrefer } from './page-size';
import { RoundCache, type RoundState } from './round-cache';

/** graph-facts §4: at most 50 ids in an id eq OR-chain. */
const MAX_FILTER_IDS = 50;
const NOT_ON_DELTA = ['$expand', '$top', '$orderby', '$search', '$count', '$skip'];

type Resource = 'users' | 'groups';

interface DeltaState {
  k: 'delta';
  tid: string;
  resource: Resource;
  select?: string[];
  ids?: string[];
  epoch: number;
  /** When the round (or the deltaLink) was issued, on the simulator clock. */
  issuedAt: number;
  /** Changes after this seq are reported; -1 = the initial, full round. */
  since: number;
  /** Set while paging a round: the seq the round reads up to and where the next page starts. */
  upTo?: number;
  cursor?: RoundCursor;
  /** Set while paging a round: names what the round keeps between pages (round-cache.ts). */
  round?: string;
}

/** The first round pages by id; later rounds by position in the round's (fixed) list of changed objects. */
type RoundCursor = ({ kind: 'initial' } & InitialCursor) | ({ kind: 'changes' } & PageCursor);

const ENTITY: Record<Resource, EntityType> = { users: USER, groups: GROUP };
const KIND = { users: 'user', groups: 'group' } as const;

function deltaHandler(resource: Resource) {
  return (call: Call): GraphResponse => {
    const state = requestState(call, resource);
    if (state === 'latest') return latest(call, resource);
    const upTo = state.upTo ?? call.ctx.store.currentSeq(call.tenant.id);
    const round = state.round ?? randomUUID();
    const roundKey = `${call.tenant.id}|${round}`;
    const roundState = roundCache(call.ctx).get(roundKey);
    const preferences = parsePrefer(call.req.headers['prefer']);
    const scope = roundScope(resource, state);
    const size = deltaPageSize(preferences, scope.members);
    const page =
      state.since < 0 ? firstRoundPage(call, resource, state, scope, size.limits, roundState) : changesPage(call, resource, state, scope, upTo, size.limits, roundState);
    const body: Record<string, unknown> = { '@odata.context': contextUrl(call, resource, state.select) };
    const minimal = preferences.get('return')?.toLowerCase() === 'minimal';
    body.value = page.items.map((item) => serialise(call, resource, item, state.select, minimal));
    if (page.next) {
      body['@odata.nextLink'] = link(call, resource, '$skiptoken', { ...state, upTo, cursor: page.next, round });
    } else {
      roundCache(call.ctx).end(roundKey);
      body['@odata.deltaLink'] = link(call, resource, '$deltatoken', {
        ...state,
        since: upTo,
        upTo: undefined,
        cursor: undefined,
        round: undefined,
        issuedAt: call.ctx.now(),
      });
    }
    const applied = [...(minimal ? ['return=minimal'] : []), ...(size.applied !== undefined ? [`odata.maxpagesize=${size.applied}`] : [])];
    return json(200, body, applied.length > 0 ? { 'preference-applied': applied.join(', ') } : {});
  };
}

/** One cache of rounds per simulator (a module-level map would mix simulators started in one process). */
const roundCaches = new WeakMap<SimulatorContext, RoundCache>();
function roundCache(ctx: SimulatorContext): RoundCache {
  let cache = roundCaches.get(ctx);
  if (!cache) roundCaches.set(ctx, (cache = new RoundCache()));
  return cache;
}

/** Validates the query and returns where this request starts: a fresh round, a token's state, or "latest". */
function requestState(call: Call, resource: Resource): DeltaState | 'latest' {
  const options = systemOptions(call.req.query);
  for (const name of options.keys()) {
    if (NOT_ON_DELTA.includes(name)) throw unsupportedQuery(`'${name}' is not supported on delta queries; only $select, $filter (id eq) and $deltatoken are.`);
  }
  const deltaToken = options.get('$deltatoken');
  if (deltaToken === 'latest') return 'latest';
  // An empty $deltatoken means "from the beginning" (graph-facts §4): it is what the Location of a 410 Gone
  // reset holds, so following that Location starts a fresh, full round.
  const token = (deltaToken === '' ? undefined : deltaToken) ?? options.get('$skiptoken');
  if (token !== undefined) return openState(call, resource, token);
  const entity = ENTITY[resource];
  const select = options.get('$select');
  const filter = options.get('$filter');
  return {
    k: 'delta',
    tid: call.claims.tid,
    resource,
    select: select === undefined ? undefined : parseSelect(select, resource === 'groups' ? withMembers(entity) : entity),
    ids: filter === undefined ? undefined : idChain(parseFilter(filter), filter),
    epoch: call.ctx.store.deltaEpoch(call.tenant.id),
    issuedAt: call.ctx.now(),
    since: -1,
  };
}

function openState(call: Call, resource: Resource, token: string): DeltaState {
  const state = call.env.sealer.open(token) as DeltaState | undefined;
  if (!state) {
    // Sync state lives in this process (tokens are sealed with a key made at start): a token this simulator cannot
    // open, e.g. one issued before a restart, names a sync state it does not have. Graph's answer for that is
    // syncStateNotFound, and the client starts over with a full round.
    throw new SimGraphError(400, 'syncStateNotFound', `No sync state for this delta token on /${resource}/delta: start a new round without a token.`);
  }
  if (state.k !== 'delta' || state.tid !== call.claims.tid || state.resource !== resource) {
    throw badRequest(`The delta token is not valid for /${resource}/delta in this tenant: use the nextLink or deltaLink exactly as returned.`);
  }
  if (state.epoch !== call.ctx.store.deltaEpoch(call.tenant.id)) {
    throw new SimGraphError(
      410,
      'resyncRequired',
      'Resync required. Replace any local cached copy of the directory with the data returned by a new delta round started from the Location URL.',
      undefined,
      { location: `${graphRoot(call)}/${resource}/delta?$deltatoken=` },
    );
  }
  const age = call.ctx.now() - state.issuedAt;
  if (age > call.ctx.settings.deltaTokenLifetimeMs) {
    throw new SimGraphError(
      400,
      'syncStateNotFound',
      `The delta token has expired: it is ${age} ms old and tokens live ${call.ctx.settings.deltaTokenLifetimeMs} ms. Start a new round without a token.`,
    );
  }
  return state;
}

/** $deltatoken=latest: no objects, only a deltaLink from now on. */
function latest(call: Call, resource: Resource): GraphResponse {
  const state: DeltaState = {
    k: 'delta',
    tid: call.claims.tid,
    resource,
    epoch: call.ctx.store.deltaEpoch(call.tenant.id),
    issuedAt: call.ctx.now(),
    since: call.ctx.store.currentSeq(call.tenant.id),
  };
  return json(200, { '@odata.context': contextUrl(call, resource), value: [], '@odata.deltaLink': link(call, resource, '$deltatoken', state) });
}

/** Only `id eq '..' or id eq '..'` chains of at most 50 are accepted on delta. */
function idChain(expr: FilterExpr, source: string): string[] {
  const ids: string[] = [];
  const walk = (e: FilterExpr): void => {
    if (e.kind === 'or') {
      walk(e.left);
      walk(e.right);
    } else if (e.kind === 'compare' && e.op === 'eq' && e.path.join('/') === 'id' && e.value.type === 'string') {
      ids.push(e.value.value);
    } else {
      throw unsupportedQuery(`Delta queries accept only $filter=id eq '..' joined by 'or'; got '${source}'.`);
    }
  };
  walk(expr);
  if (ids.length > MAX_FILTER_IDS) throw unsupportedQuery(`Delta $filter holds ${ids.length} ids; at most ${MAX_FILTER_IDS} are allowed.`);
  return ids;
}

function withMembers(entity: EntityType): EntityType {
  return { ...entity, properties: { ...entity.properties, members: 'Collection(Complex)' } };
}

function roundScope(resource: Resource, state: DeltaState): RoundScope {
  return {
    kind: KIND[resource],
    ids: state.ids && new Set(state.ids),
    tracked: state.select && new Set(state.select),
    members: resource === 'groups' && (!state.select || state.select.includes('members')),
  };
}

function firstRoundPage(
  call: Call,
  resource: Resource,
  state: DeltaState,
  scope: RoundScope,
  limits: PageLimits,
  round: RoundState,
): { items: DeltaItem[]; next?: RoundCursor } {
  const cursor = state.cursor?.kind === 'initial' ? state.cursor : undefined;
  const ids = firstIds(call, resource, scope, cursor?.fromId, limits.objects + 1);
  const page = initialPage(ids, scope, cursor, memberSource(call, round), limits);
  return { items: page.items, next: page.next && { kind: 'initial', ...page.next } };
}

/**
 * Member lists for the first round's pages: counts come from the live sets without building anything; a group
 * that fits on its page is listed once for that page; a group split across pages is listed once per round and
 * sliced from the round's copy, so the slices stay consecutive even if the group changes mid-round.
 */
function memberSource(call: Call, round: RoundState): MemberSource {
  const live = (id: string) => call.tenant.members.get(id);
  return {
    count: (id) => round.lists.get(id)?.length ?? live(id)?.size ?? 0,
    slice: (id, from, to) => {
      const kept = round.lists.get(id);
      if (kept) {
        // Its last slice: the round needs the list no more (a re-read of this page lists the group again).
        if (to >= kept.length) round.lists.delete(id);
        return kept.slice(from, to);
      }
      if (from >= to) return [];
      const list = membersOf(call, id);
      // Split: the rest of the list is served from the round's copy on the next pages.
      if (to < list.length) round.lists.set(id, list);
      return from === 0 && to >= list.length ? list : list.slice(from, to);
    },
  };
}

/**
 * The first `count` ids in scope from `fromId` on, in id order, from the collection's maintained id index
 * (sorted-index.ts): a page of the first round does not walk the whole directory.
 */
function firstIds(call: Call, resource: Resource, scope: RoundScope, fromId: string | undefined, count: number): string[] {
  const { store } = call.ctx;
  const tenantId = call.tenant.id;
  const live = liveObjects(call, resource) as ReadonlyMap<string, { id: string }>;
  const feed = { owner: store, currentSeq: () => store.currentSeq(tenantId), changesSince: (seq: number) => store.changesSince(tenantId, seq) };
  const inScope = (item: { id: string }) => !scope.ids || scope.ids.has(item.id);
  const ids: string[] = [];
  const first = fromId === undefined ? undefined : live.get(fromId);
  if (first && inScope(first)) ids.push(first.id);
  const after: SortKey | undefined = fromId === undefined ? undefined : ['', fromId];
  for (const { item } of sortedSource(maintainedIndex(live, KIND[resource], undefined, feed), false).walk(after, inScope, count)) {
    if (ids.length >= count) break;
    ids.push(item.id);
  }
  return ids;
}

function changesPage(
  call: Call,
  resource: Resource,
  state: DeltaState,
  scope: RoundScope,
  upTo: number,
  limits: PageLimits,
  round: RoundState,
): { items: DeltaItem[]; next?: RoundCursor } {
  const cursor = state.cursor?.kind === 'changes' ? state.cursor : { index: 0, memberOffset: 0 };
  // Folded once per round: the window (since, upTo] is fixed by the round, and the log below upTo never changes.
  round.items ??= changedItems(call, resource, scope, state.since, upTo);
  const page = pageItems(round.items, cursor, limits.objects, limits.members);
  return { items: page.items, next: page.next && { kind: 'changes', ...page.next } };
}

/** A group's current direct members (counted in counters.deltaMemberLists / deltaMemberEntries). */
function membersOf(call: Call, groupId: string): MemberDelta[] {
  const t = call.tenant;
  const list: MemberDelta[] = [];
  for (const id of t.members.get(groupId) ?? []) {
    const kind = memberKind(t, id);
    if (kind) list.push({ id, kind, removed: false });
  }
  call.ctx.counters.deltaMemberLists += 1;
  call.ctx.counters.deltaMemberEntries += list.length;
  return list;
}

function memberKind(t: SimTenant, id: string): MemberDelta['kind'] | undefined {
  return t.users.has(id) ? 'user' : t.groups.has(id) ? 'group' : t.servicePrincipals.has(id) ? 'servicePrincipal' : undefined;
}

function liveObjects(call: Call, resource: Resource): ReadonlyMap<string, object> {
  return resource === 'users' ? call.tenant.users : call.tenant.groups;
}

function changedItems(call: Call, resource: Resource, scope: RoundScope, since: number, upTo: number): DeltaItem[] {
  const t = call.tenant;
  const live = liveObjects(call, resource);
  return incrementalItems(call.ctx.store.changesSince(t.id, since), upTo, scope, {
    exists: (id) => live.has(id),
    softDeleted: (id) => t.deletedItems.get(id)?.kind === scope.kind,
  });
}

function serialise(call: Call, resource: Resource, item: DeltaItem, select: string[] | undefined, minimal: boolean): Record<string, unknown> {
  if (item.shape === 'removed') return { id: item.id, '@removed': { reason: item.reason } };
  const entity = ENTITY[resource];
  const object = liveObjects(call, resource).get(item.id)!;
  const properties = select?.filter((p) => p !== 'members');
  const names = item.shape === 'changed' && minimal ? item.changed.filter((p) => !properties || properties.includes(p)) : properties;
  const out: Record<string, unknown> = { ...project(entity, object, names), id: item.id };
  if (item.members.length > 0) {
    out['members@delta'] = item.members.map((m) => ({
      '@odata.type': `#microsoft.graph.${m.kind}`,
      id: m.id,
      // For members@delta, "deleted" means removed from the group or the member object deleted (graph-facts §4).
      ...(m.removed ? { '@removed': { reason: 'deleted' } } : {}),
    }));
  }
  return out;
}

function link(call: Call, resource: Resource, name: '$skiptoken' | '$deltatoken', state: DeltaState): string {
  return `${graphRoot(call)}/${resource}/delta?${name}=${call.env.sealer.seal(state)}`;
}

export const deltaRoutes: RouteDef[] = [
  { method: 'GET', template: '/users/delta', permission: 'readUsers', handler: deltaHandler('users') },
  { method: 'GET', template: '/groups/delta', permission: 'readGroups', handler: deltaHandler('groups') },
];
