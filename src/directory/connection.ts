/**
 * Relay connections over Graph collections. Graph pages with an opaque @odata.nextLink; a Relay cursor must
 * also point between two items of a page, so a cursor's position is "the page fetched from `link`, after its
 * first `skip` items". The last item of a page that has a nextLink gets the nextLink itself (skip 0), so
 * reading page after page costs one Graph call each. Positions are sealed (cursor.ts) before they leave.
 */
import { type ClassType, Field, Int, ObjectType } from 'type-graphql';
import type { GraphPage } from '../graph';
import { ErrorCode, GatewayError } from '../core/errors';
import { PageInfo } from '../core/page-info';
import { AnswerSource } from './read-source';

/** Graph's page-size bounds for the collections the gateway lists (graph-facts §1). */
export const MAX_PAGE_SIZE = 999;

export interface PagePosition {
  /** The Graph request of the page: a path below /v1.0 for the first page, else Graph's nextLink. */
  link: string;
  /** Items of that page already returned. */
  skip: number;
  /** The request needs `ConsistencyLevel: eventual` (advanced queries), which Graph does not carry in its links. */
  eventual: boolean;
  /** @odata.count from the first page (Graph sends it there only), carried along for totalCount. */
  count: number | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: number | null;
}

/** Which source answered a directory read, and how old that answer is (snapshot-capable lists and objects). */
export interface ReadOrigin {
  source: AnswerSource;
  /** SNAPSHOT: when the sync round that wrote the snapshot completed; null for LIVE. */
  asOf: Date | null;
  /** SNAPSHOT: seconds since asOf; null for LIVE. */
  ageSeconds: number | null;
}

export const LIVE_ORIGIN: ReadOrigin = { source: AnswerSource.LIVE, asOf: null, ageSeconds: null };

/** A directory list that may come from the snapshot: the page and where it came from. */
export type SourcedConnection<T> = Connection<T> & ReadOrigin;

/** A page size argument: 1 to MAX_PAGE_SIZE, else BAD_USER_INPUT before any Graph call. */
export function pageSize(first: number | null | undefined, defaultSize: number, argument = 'first'): number {
  const size = first ?? Math.min(defaultSize, MAX_PAGE_SIZE);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `${argument}: expected a page size from 1 to ${MAX_PAGE_SIZE}, got ${size}`);
  }
  return size;
}

/** A position read back from a cursor: the seal vouches for it, the shape is checked all the same. */
export function asPagePosition(value: unknown, argument: string): PagePosition {
  const p = value as Partial<PagePosition> | null;
  const valid =
    typeof p === 'object' && p !== null && typeof p.link === 'string' && Number.isInteger(p.skip) && p.skip! >= 0 &&
    typeof p.eventual === 'boolean' && (p.count === null || Number.isInteger(p.count));
  if (!valid) throw new GatewayError(ErrorCode.BAD_USER_INPUT, `${argument}: expected a cursor this list returned, got one that does not describe a position`);
  return p as PagePosition;
}

/**
 * Up to `first` items of `page` (fetched from `at`), with each edge's position and where the next page starts.
 * Pure: `seal` turns positions into cursors.
 */
export function connectionFromPage<T, N>(
  page: GraphPage<T>,
  at: PagePosition,
  first: number,
  toNode: (item: T) => N | null,
  seal: (position: PagePosition) => string,
): Connection<N> {
  const count = at.count ?? page.count ?? null;
  const rest = page.items.slice(at.skip);
  const taken = rest.slice(0, first);
  const moreInPage = rest.length > taken.length;
  const positions = taken.map((_, i): PagePosition => ({ ...at, skip: at.skip + i + 1, count }));
  if (!moreInPage && page.nextLink !== undefined && positions.length > 0) {
    positions[positions.length - 1] = { link: page.nextLink, skip: 0, eventual: at.eventual, count };
  }
  // Items the schema has no type for (toNode gives null) take their place in the page but get no edge.
  const edges = taken.flatMap((item, i) => {
    const node = toNode(item);
    return node === null ? [] : [{ node, cursor: seal(positions[i]) }];
  });
  // An empty slice of a page with a nextLink (Graph may send empty pages) still leads on.
  const endPosition = positions.at(-1) ?? (page.nextLink !== undefined ? { link: page.nextLink, skip: 0, eventual: at.eventual, count } : null);
  return {
    edges,
    pageInfo: {
      hasNextPage: moreInPage || page.nextLink !== undefined,
      endCursor: endPosition && seal(endPosition),
    },
    totalCount: count,
  };
}

/**
 * The GraphQL types of a connection of `node`: `${name}Connection` and `${name}Edge`. `what` names one item
 * for the descriptions ("user").
 */
export function ConnectionType<T extends object>(name: string, node: () => ClassType<T> | object, what: string): ClassType<Connection<T>> {
  const EdgeType = edgeType<T>(name, node, what);

  @ObjectType(`${name}Connection`, { description: `A page of ${what}s, read live from Microsoft Graph.` })
  class ConnectionObject {
    @Field(() => [EdgeType], { description: `The ${what}s of this page, in Graph's order.` })
    edges!: Edge<T>[];

    @Field(() => PageInfo, { description: 'Where this page ends.' })
    pageInfo!: PageInfo;

    @Field(() => Int, { nullable: true, description: 'How many items the whole list holds, where Microsoft Graph can count them; null otherwise.' })
    totalCount!: number | null;
  }
  return ConnectionObject;
}

/**
 * The connection types of a list that can be answered from the snapshot too (users, groups, members, a
 * user's groups): the page, plus `source`, `asOf` and `ageSeconds`.
 */
export function SourcedConnectionType<T extends object>(name: string, node: () => ClassType<T> | object, what: string): ClassType<SourcedConnection<T>> {
  const EdgeType = edgeType<T>(name, node, what);

  @ObjectType(`${name}Connection`, {
    description: `A page of ${what}s, read live from Microsoft Graph or from the snapshot kept by sync (source says which).`,
  })
  class SourcedConnectionObject {
    @Field(() => [EdgeType], { description: `The ${what}s of this page: from the snapshot in object id order; live in Graph's order (object id order in the simulator, where both sources give the same list).` })
    edges!: Edge<T>[];

    @Field(() => PageInfo, { description: 'Where this page ends.' })
    pageInfo!: PageInfo;

    @Field(() => Int, {
      nullable: true,
      description: 'How many items the whole list holds: from the snapshot, a count of its rows; live, where Microsoft Graph can count them; null otherwise.',
    })
    totalCount!: number | null;

    @Field(() => AnswerSource, { description: 'Where this page was read: live from Microsoft Graph, or from the snapshot.' })
    source!: AnswerSource;

    @Field(() => Date, { nullable: true, description: 'SNAPSHOT: when the sync round that wrote the snapshot completed; null for LIVE (read now).' })
    asOf!: Date | null;

    @Field(() => Int, { nullable: true, description: 'SNAPSHOT: how old the snapshot is, in seconds; null for LIVE.' })
    ageSeconds!: number | null;
  }
  return SourcedConnectionObject;
}

function edgeType<T extends object>(name: string, node: () => ClassType<T> | object, what: string): ClassType<Edge<T>> {
  @ObjectType(`${name}Edge`, { description: `A ${what} in a page of ${what}s.` })
  class EdgeType {
    @Field({ description: `Pass as \`after\` to get the ${what}s that follow this one.` })
    cursor!: string;

    @Field(node, { description: `The ${what}.` })
    node!: T;
  }
  return EdgeType;
}
