/**
 * Directory reads answered from the snapshot the sync keeps (issue 10): the source decision for one read
 * (read-source.ts) with its inputs fetched once per request and tenant, keyset pages over snapshot-sql.ts with
 * sealed cursors, and the live read of the fields the snapshot does not hold, for just the objects of the page,
 * through the request's $batch loader. Resolvers call `ctx.directory(tenantId)` first: that is the
 * authorization (directory:read on the tenant), for snapshot reads exactly as for live ones.
 */
import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { GatewayContext } from '../core/context';
import { ErrorCode, GatewayError } from '../core/errors';
import { graphPath, queryString } from '../graph';
import type { PageInfo } from '../core/page-info';
import type { ReadOrigin, SourcedConnection } from './connection';
import type { CursorSealer } from './cursor';
import { groupKind, toGroup, toServicePrincipal, toUser, type GraphJson } from './directory-object.mapping';
import { Group, GROUP_PROPERTIES, ServicePrincipal, SERVICE_PRINCIPAL_PROPERTIES, User, USER_PROPERTIES } from './directory-object.types';
import { objectLink } from './directory-queries';
import type { TenantDirectory } from './graph-access';
import { AnswerSource, decideSource, DirectorySource, type SnapshotState, type SourceDecision } from './read-source';
import { graphSelect } from './select';
import type { Keyset, PageOrder, ParentPage, SortNamed, Sql } from './snapshot-sql';
import { snapshotStateSql } from './snapshot-sql';

/** Fields of each type the snapshot does not hold: read live for the page's objects when selected. */
export const LIVE_ONLY_FIELDS = {
  User: ['createdAt', 'assignedLicenses'],
  Group: ['description'],
  ServicePrincipal: ['appId', 'displayName'],
} as const;

export type SnapshotType = keyof typeof LIVE_ONLY_FIELDS;

/** The live-only fields of `type` among `selected`. */
export function liveOnly(type: SnapshotType, selected: ReadonlySet<string>): string[] {
  return LIVE_ONLY_FIELDS[type].filter((field) => selected.has(field));
}

interface SnapshotCursor {
  /** Marks a snapshot cursor (live cursors hold a Graph page position). */
  s: 1;
  /** The list's arguments (filter, search, parent) and order: a cursor continues only the list that issued it. */
  k: string;
  o: PageOrder;
  after: string;
  /** In name order: the row's sort_name, the other half of the keyset. */
  name: string | null;
  count: number | null;
}

/** What a snapshot list is: its field, its arguments (`key`), its order. */
export interface SnapshotList {
  field: string;
  key: string;
  order?: PageOrder;
}

const ORDER_NAMES: Record<PageOrder, string> = {
  id: 'object id order',
  name: 'display-name order (a list whose only condition is a display-name prefix)',
};

/**
 * Why a cursor of this list's field does not continue this list; null when it does. Pure: the refusal names what
 * differs, so a caller who changed the filter between pages sees that, not just "another cursor".
 */
export function cursorMismatch(cursor: { k: string; o: PageOrder }, list: { key: string; order: PageOrder }): string | null {
  if (cursor.o !== list.order) {
    return `after: this cursor continues a list in ${ORDER_NAMES[cursor.o]}, and this list is in ${ORDER_NAMES[list.order]}; a cursor only continues the list with the same filter and search that returned it (ask again without after to start this one)`;
  }
  if (cursor.k !== list.key) {
    return 'after: this cursor continues this list with other arguments (filter, search or parent object); a cursor only continues the list with the same arguments that returned it (ask again without after to start this one)';
  }
  return null;
}

/** One tenant's snapshot for one request: its state is read once, however many fields ask. */
export class SnapshotDirectory {
  private state: Promise<SnapshotState> | undefined;
  /** Nested lists of this request, one loader per list and arguments: a page of parents costs one statement. */
  private readonly nested = new Map<string, DataLoader<ParentPage, Array<{ parent_ord: number; id: string }>, string>>();

  constructor(
    readonly tenantId: string,
    private readonly db: DataSource,
    private readonly cursors: CursorSealer,
  ) {}

  /** Status and freshness, one SQL round trip per request and tenant. */
  snapshotState(): Promise<SnapshotState> {
    this.state ??= this.query<{ status: string; last_success_at: Date | null; age: number | null }>(snapshotStateSql(this.tenantId)).then(([row]) => ({
      tenantStatus: row?.status ?? null,
      lastSuccessAt: row?.last_success_at ?? null,
      ageSeconds: row?.age == null ? null : Math.max(0, Math.floor(row.age)),
    }));
    return this.state;
  }

  async origin(): Promise<ReadOrigin> {
    const state = await this.snapshotState();
    return { source: AnswerSource.SNAPSHOT, asOf: state.lastSuccessAt, ageSeconds: state.ageSeconds };
  }

  query<T>(sql: Sql): Promise<T[]> {
    return this.db.query(sql.text, sql.values) as Promise<T[]>;
  }

  /**
   * The snapshot cursor `after` sealed for this list, or null when it is not one (a live cursor, or none).
   * BAD_USER_INPUT saying what differs for a snapshot cursor of the same field issued with other arguments.
   */
  openCursor(list: SnapshotList, after: string | null | undefined): SnapshotCursor | null {
    if (!after) return null;
    let payload: Partial<SnapshotCursor>;
    try {
      payload = this.cursors.open(after, this.binding(list.field), 'after') as Partial<SnapshotCursor>;
    } catch {
      return null;
    }
    const valid =
      payload?.s === 1 &&
      typeof payload.k === 'string' &&
      (payload.o === 'id' || payload.o === 'name') &&
      typeof payload.after === 'string' &&
      (payload.o === 'id' ? payload.name === null : typeof payload.name === 'string') &&
      (payload.count === null || Number.isInteger(payload.count));
    if (!valid) return null;
    const cursor = payload as SnapshotCursor;
    const mismatch = cursorMismatch(cursor, { key: list.key, order: list.order ?? 'id' });
    if (mismatch) throw new GatewayError(ErrorCode.BAD_USER_INPUT, mismatch);
    return cursor;
  }

  /**
   * One keyset page: `first` rows after the cursor (one more is read to know whether more follow), each edge's
   * cursor the row's id. `count` runs only on a first page whose totalCount was selected; later pages carry it.
   */
  page<R extends { id: string } & SortNamed, N>(
    request: SnapshotList & { first: number; cursor: SnapshotCursor | null; count?: () => Sql },
    pageSql: (keyset: Keyset) => Sql,
    toNode: (row: R) => N,
  ): Promise<SourcedConnection<N>> {
    return this.assemble(request, (keyset) => this.query<R>(pageSql(keyset)), toNode);
  }

  /**
   * One parent's page of a nested list (a group's members, a user's groups), read together with the pages of
   * every other parent that asks for the same list with the same arguments in this tick: one statement for all
   * (`listSql` for many parents, snapshot-sql.ts), each parent's rows its own keyset page.
   */
  nestedPage<R extends { id: string }, N>(
    request: SnapshotList & { first: number; cursor: SnapshotCursor | null },
    list: { batchKey: string; parentId: string; listSql: (parents: readonly ParentPage[], limit: number) => Sql },
    toNode: (row: R) => N,
  ): Promise<SourcedConnection<N>> {
    const loaderKey = `${request.field}|${list.batchKey}|${request.first + 1}`;
    let loader = this.nested.get(loaderKey);
    if (!loader) {
      const limit = request.first + 1;
      loader = new DataLoader(
        async (parents: readonly ParentPage[]) => {
          const rows = await this.query<{ parent_ord: number; id: string }>(list.listSql(parents, limit));
          const byParent = parents.map(() => [] as Array<{ parent_ord: number; id: string }>);
          for (const row of rows) byParent[row.parent_ord - 1].push(row);
          // Lower-case hex text orders as PostgreSQL orders uuids (byte by byte): the keyset's order.
          for (const own of byParent) own.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
          return byParent;
        },
        { cacheKeyFn: (p) => `${p.parentId}|${p.afterId ?? ''}`, maxBatchSize: 500 },
      );
      this.nested.set(loaderKey, loader);
    }
    const parentLoader = loader;
    return this.assemble(request, (keyset) => parentLoader.load({ parentId: list.parentId, afterId: keyset.afterId }) as unknown as Promise<R[]>, toNode);
  }

  private async assemble<R extends { id: string } & SortNamed, N>(
    request: SnapshotList & { first: number; cursor: SnapshotCursor | null; count?: () => Sql },
    read: (keyset: Keyset) => Promise<R[]>,
    toNode: (row: R) => N,
  ): Promise<SourcedConnection<N>> {
    const { field, key, first, cursor } = request;
    const order = request.order ?? 'id';
    const [rows, count, origin] = await Promise.all([
      read({ afterId: cursor?.after ?? null, afterName: cursor?.name ?? null, limit: first + 1 }),
      cursor ? Promise.resolve(cursor.count) : request.count ? this.query<{ count: number }>(request.count()).then(([row]) => row.count) : Promise.resolve(null),
      this.origin(),
    ]);
    const taken = rows.slice(0, first);
    const seal = (row: R) =>
      this.cursors.seal({ s: 1, k: key, o: order, after: row.id, name: order === 'name' ? row.sort_name! : null, count } satisfies SnapshotCursor, this.binding(field));
    const edges = taken.map((row) => ({ node: toNode(row), cursor: seal(row) }));
    const pageInfo: PageInfo = { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null };
    return { edges, pageInfo, totalCount: count, ...origin };
  }

  /** Tenant and field in the additional data; the arguments inside the payload, so a mismatch can say why. */
  private binding(field: string): string {
    return `${this.tenantId}|${field}|snapshot`;
  }
}

const snapshots = new WeakMap<object, Map<string, SnapshotDirectory>>();

/**
 * The tenant's snapshot for this request. Call only after ctx.directory(tenantId), which authorizes the read.
 */
export function snapshotOf(ctx: GatewayContext, tenantId: string): SnapshotDirectory {
  let byTenant = snapshots.get(ctx);
  if (!byTenant) snapshots.set(ctx, (byTenant = new Map()));
  let snapshot = byTenant.get(tenantId);
  if (!snapshot) byTenant.set(tenantId, (snapshot = new SnapshotDirectory(tenantId, ctx.dataSource, ctx.services.directory.cursors)));
  return snapshot;
}

export interface SourceChoice {
  decision: Exclude<SourceDecision, { source: null }>;
  /** A snapshot cursor being followed; null otherwise. */
  cursor: SnapshotCursor | null;
}

/**
 * Decides where one read is answered. SNAPSHOT that cannot be served is SNAPSHOT_UNAVAILABLE (with the reason);
 * a SNAPSHOT read given a cursor that is not one of its own is BAD_USER_INPUT, as any foreign cursor.
 */
export async function chooseSource(
  snapshot: SnapshotDirectory,
  options: { requested: DirectorySource; maxAgeSeconds: number; needsLiveFields: boolean; list?: SnapshotList & { after?: string | null } },
): Promise<SourceChoice> {
  if (!Number.isInteger(options.maxAgeSeconds) || options.maxAgeSeconds < 0) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `maxAgeSeconds: expected a whole number of seconds, 0 or more, got ${options.maxAgeSeconds}`);
  }
  if (options.requested === DirectorySource.LIVE) return { decision: { source: AnswerSource.LIVE, reason: 'LIVE was asked for' }, cursor: null };
  const list = options.list;
  const cursor = list ? snapshot.openCursor(list, list.after) : null;
  if (options.requested === DirectorySource.SNAPSHOT && list?.after && !cursor) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'after: expected a cursor this list returned for the same tenant, arguments and source, got another');
  }
  const decision = decideSource({
    requested: options.requested,
    snapshot: await snapshot.snapshotState(),
    maxAgeSeconds: options.maxAgeSeconds,
    needsLiveFields: options.needsLiveFields,
    cursorSource: cursor ? AnswerSource.SNAPSHOT : list?.after ? AnswerSource.LIVE : null,
  });
  if (decision.source === null) {
    throw new GatewayError(ErrorCode.SNAPSHOT_UNAVAILABLE, `tenant ${snapshot.tenantId}: the directory snapshot cannot answer: ${decision.reason}; ask with source LIVE or AUTO`);
  }
  return { decision, cursor };
}

// ---- rows -> GraphQL objects ------------------------------------------------------------------------------

export interface UserRow {
  id: string;
  display_name: string | null;
  user_principal_name: string | null;
  mail: string | null;
  department: string | null;
  job_title: string | null;
  account_enabled: boolean | null;
  user_type: string | null;
}

export interface GroupRow {
  id: string;
  display_name: string | null;
  group_types: string[] | null;
  membership_rule: string | null;
  security_enabled: boolean | null;
  mail_enabled: boolean | null;
}

export type MemberRow = UserRow & GroupRow & { member_type: string };

/** Live-only fields stay null here; fillLiveFields reads them when they were selected. */
export function userFromRow(row: UserRow, tenantId: string, origin: ReadOrigin): User {
  return Object.assign(new User(), {
    id: row.id,
    tenantId,
    origin,
    displayName: row.display_name,
    userPrincipalName: row.user_principal_name,
    mail: row.mail,
    department: row.department,
    jobTitle: row.job_title,
    accountEnabled: row.account_enabled,
    userType: row.user_type,
    createdAt: null,
    assignedLicenses: null,
  });
}

export function groupFromRow(row: GroupRow, tenantId: string, origin: ReadOrigin): Group {
  const groupTypes = row.group_types ?? [];
  return Object.assign(new Group(), {
    id: row.id,
    tenantId,
    origin,
    displayName: row.display_name,
    description: null,
    kind: groupKind(groupTypes, row.mail_enabled, row.security_enabled),
    dynamic: groupTypes.includes('DynamicMembership'),
    membershipRule: row.membership_rule,
  });
}

export function memberFromRow(row: MemberRow, tenantId: string, origin: ReadOrigin): User | Group | ServicePrincipal {
  if (row.member_type === 'user') return userFromRow(row, tenantId, origin);
  if (row.member_type === 'group') return groupFromRow(row, tenantId, origin);
  return Object.assign(new ServicePrincipal(), { id: row.id, tenantId, origin, appId: null, displayName: null });
}

// ---- live-only fields -------------------------------------------------------------------------------------

const COLLECTIONS = {
  User: { path: (id: string) => graphPath`/users/${id}`, map: USER_PROPERTIES, read: toUser },
  Group: { path: (id: string) => graphPath`/groups/${id}`, map: GROUP_PROPERTIES, read: toGroup },
  ServicePrincipal: { path: (id: string) => graphPath`/servicePrincipals/${id}`, map: SERVICE_PRINCIPAL_PROPERTIES, read: toServicePrincipal },
} as const;

/**
 * Reads the selected live-only fields of each object from Graph, one GET per object through the request's
 * loader (so a page's objects go out as $batch calls of 20), and sets them on the objects. An object Graph no
 * longer has keeps nulls there; any other failure fails the read, as a live read would.
 */
export async function fillLiveFields(directory: TenantDirectory, objects: Array<User | Group | ServicePrincipal>, fieldsOf: (type: SnapshotType) => string[]): Promise<void> {
  await Promise.all(
    objects.map(async (object) => {
      const type: SnapshotType = object instanceof User ? 'User' : object instanceof Group ? 'Group' : 'ServicePrincipal';
      const fields = fieldsOf(type);
      if (fields.length === 0) return;
      const { path, map, read } = COLLECTIONS[type];
      const link = type === 'ServicePrincipal' ? `${path(object.id)}${queryString({ $select: graphSelect(fields, map) })}` : objectLink(type === 'User' ? 'users' : 'groups', object.id, graphSelect(fields, map));
      try {
        const live = read(await directory.load<GraphJson>(link), object.tenantId) as unknown as Record<string, unknown>;
        for (const field of fields) (object as unknown as Record<string, unknown>)[field] = live[field];
      } catch (err) {
        if (!(err instanceof GatewayError && err.extensions.code === ErrorCode.NOT_FOUND)) throw err;
      }
    }),
  );
}
