/**
 * The typed client: one method per common job, each a generated typed document sent with graphql-request, each
 * resolving to a Result (errors are data: `if (!r.ok) switch (r.error.code) ...`), and `events()` over graphql-ws.
 * Any other operation: `request(document, variables)` with a TypedDocumentNode of your own.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { ClientError, GraphQLClient } from 'graphql-request';
import { failure, toGatewayError, unwrap, type GatewayError, type Result } from './errors';
import { eventStream, type EventsOptions, type EventStream } from './events';
import * as G from './generated/graphql';

export interface GatewayClientOptions {
  /** The gateway's GraphQL endpoint, e.g. http://localhost:4000/graphql (WebSocket: the same URL as ws://). */
  url: string;
  /**
   * An API key (egk_...) or a JWT, sent as `Authorization: Bearer ...` over HTTP and in connection_init. A function
   * is asked before each request and each (re)connection, e.g. for a JWT that is renewed: then an event stream
   * closed because its token expired (4401) reconnects with a fresh one instead of stopping.
   */
  credential: string | (() => string | Promise<string>);
  /** The WebSocket class for subscriptions; default the global WebSocket, else the `ws` package. */
  webSocketImpl?: unknown;
  /** Extra HTTP headers (e.g. x-request-id). */
  headers?: Record<string, string>;
  /** A fetch implementation (default the global fetch). */
  fetch?: typeof fetch;
}

/** One page of a list; pass `endCursor` as `after` for the next while `hasNextPage`. */
export interface Page<T> {
  items: T[];
  endCursor: string | null;
  hasNextPage: boolean;
  /** Where Graph (or the snapshot) can count the whole list; null otherwise. */
  totalCount: number | null;
}

type Node<C> = C extends { edges: Array<{ node: infer N }> } ? N : never;
type PageArgs = { first?: number; after?: string | null };

export type User = G.UserFieldsFragment;
export type Group = G.GroupFieldsFragment;
export type GroupMember = Node<NonNullable<NonNullable<NonNullable<G.GroupMembersQuery['tenant']>['group']>['members']>>;
export type AccessTier = G.TierFieldsFragment;
export type AccessTierDecision = G.AccessTierQuery['accessTier'];
export type TierMapping = G.TierMappingsQuery['tierMappings'][number];
export type TierMappingPreview = G.PreviewTierMappingQuery['previewTierMapping'];
export type AuditEntry = Node<G.AuditLogQuery['auditLog']>;
export type DriftFinding = G.DriftFindingsQuery['driftFindings'][number];
export type CreateUserResult = G.CreateUserMutation['createUser'];
export type GroupMemberResult = G.AddGroupMemberMutation['addGroupMember'];

function pageOf<C extends { edges: Array<{ node: unknown }>; pageInfo: { endCursor: string | null; hasNextPage: boolean }; totalCount?: number | null }>(connection: C): Page<Node<C>> {
  return {
    items: connection.edges.map((edge) => edge.node as Node<C>),
    endCursor: connection.pageInfo.endCursor,
    hasNextPage: connection.pageInfo.hasNextPage,
    totalCount: connection.totalCount ?? null,
  };
}

/** A nullable lookup answered null: the client reports NOT_FOUND itself. */
class Missing {
  constructor(readonly what: string) {}
}

function notFound(what: string): Missing {
  return new Missing(what);
}

function map<T, U>(result: Result<T>, f: (data: T) => U | Missing): Result<U> {
  if (!result.ok) return result;
  const mapped = f(result.data);
  if (mapped instanceof Missing) {
    const error: GatewayError = { code: 'NOT_FOUND', message: `${mapped.what}: not found (or not visible to this credential)`, extensions: {} };
    return failure([error], result.data);
  }
  return { ok: true, data: mapped };
}

function defaultWebSocket(): unknown {
  const global = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (global) return global;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('ws');
  } catch {
    throw new Error('events(): expected a WebSocket implementation: pass webSocketImpl (e.g. the `ws` package) or run on a Node.js with a global WebSocket');
  }
}

export function createGatewayClient(options: GatewayClientOptions) {
  const credential = async (): Promise<string> => (typeof options.credential === 'function' ? options.credential() : options.credential);
  const http = new GraphQLClient(options.url, {
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    requestMiddleware: async (request) => {
      const headers = new Headers(request.headers);
      headers.set('authorization', `Bearer ${await credential()}`);
      return { ...request, headers };
    },
  });

  async function request<TData, TVariables extends Record<string, unknown>>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<Result<TData>> {
    try {
      return { ok: true, data: await http.request<TData, TVariables>({ document, variables } as never) };
    } catch (error) {
      if (error instanceof ClientError) {
        const { errors, data, status } = error.response;
        if (errors?.length) return failure(errors.map((e) => toGatewayError(e as never, status)), data);
        return failure([{ code: 'BAD_RESPONSE', message: `expected a GraphQL response, got HTTP ${status}: ${String(error.message).slice(0, 200)}`, extensions: {}, status }]);
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause ? ` (${cause.code ?? cause.message})` : '';
      return failure([{ code: 'NETWORK_ERROR', message: `${error instanceof Error ? error.message : String(error)}${detail}`, extensions: {} }]);
    }
  }

  return {
    request,

    // --- tenants -------------------------------------------------------------------------------------------
    /** Starts connecting a tenant: send the customer's admin to `consentUrl` (single use, 10 minutes). */
    connectTenant: (input: G.ConnectTenantInput) => request(G.ConnectTenantDocument, { input }).then((r) => map(r, (d) => d.connectTenant)),
    tenants: (args: PageArgs = {}) => request(G.TenantsDocument, { first: args.first ?? 20, after: args.after ?? null }).then((r) => map(r, (d) => pageOf(d.tenants))),
    tenant: (id: string) => request(G.TenantDocument, { id }).then((r) => map(r, (d) => d.tenant ?? notFound(`tenant ${id}`))),
    reconsentUrl: (id: string, returnUrl: string) => request(G.ReconsentUrlDocument, { id, returnUrl }).then((r) => map(r, (d) => d.tenant?.reconsentUrl ?? notFound(`tenant ${id}`))),
    syncNow: (tenantId: string) => request(G.SyncNowDocument, { tenantId }).then((r) => map(r, (d) => d.syncNow)),

    // --- directory (pages) ---------------------------------------------------------------------------------
    users: (tenantId: string, args: PageArgs & { filter?: G.UserFilter; search?: string; source?: G.DirectorySource } = {}) =>
      request(G.UsersDocument, { tenantId, ...args }).then((r) => map(r, (d) => (d.tenant?.users ? pageOf(d.tenant.users) : notFound(`tenant ${tenantId}`)))),
    groups: (tenantId: string, args: PageArgs & { filter?: G.GroupFilter; source?: G.DirectorySource } = {}) =>
      request(G.GroupsDocument, { tenantId, ...args }).then((r) => map(r, (d) => (d.tenant?.groups ? pageOf(d.tenant.groups) : notFound(`tenant ${tenantId}`)))),
    groupMembers: (tenantId: string, groupId: string, args: PageArgs & { transitive?: boolean; source?: G.DirectorySource } = {}) =>
      request(G.GroupMembersDocument, { tenantId, groupId, ...args }).then((r) =>
        map(r, (d) => (d.tenant?.group?.members ? pageOf(d.tenant.group.members) : notFound(`group ${groupId} of tenant ${tenantId}`))),
      ),

    // --- access tiers ----------------------------------------------------------------------------------------
    accessTier: (tenantId: string, who: { userId: string } | { userPrincipalName: string }) =>
      request(G.AccessTierDocument, { tenantId, ...who }).then((r) => map(r, (d) => d.accessTier)),
    accessTiers: () => request(G.AccessTiersDocument, {}).then((r) => map(r, (d) => d.accessTiers)),
    defineAccessTier: (input: G.DefineAccessTierInput) => request(G.DefineAccessTierDocument, { input }).then((r) => map(r, (d) => d.defineAccessTier)),
    tierMappings: (tenantId: string) => request(G.TierMappingsDocument, { tenantId }).then((r) => map(r, (d) => d.tierMappings)),
    setTierMapping: (tenantId: string, groupId: string, tierId: string) =>
      request(G.SetTierMappingDocument, { tenantId, groupId, tierId }).then((r) => map(r, (d) => d.setTierMapping)),
    /** The removed mapping; null when the group was not mapped. */
    removeTierMapping: (tenantId: string, groupId: string) => request(G.RemoveTierMappingDocument, { tenantId, groupId }).then((r) => map(r, (d) => d.removeTierMapping)),
    previewTierMapping: (tenantId: string, mappings: G.TierMappingInput[]) =>
      request(G.PreviewTierMappingDocument, { tenantId, mappings }).then((r) => map(r, (d) => d.previewTierMapping)),

    // --- provisioning: expected failures are members of the result union (switch on __typename) ---------------
    createUser: (tenantId: string, input: G.CreateUserInput, opts: { idempotencyKey?: string } = {}) =>
      request(G.CreateUserDocument, { tenantId, input, idempotencyKey: opts.idempotencyKey ?? null }).then((r) => map(r, (d) => d.createUser)),
    addGroupMember: (tenantId: string, groupId: string, memberId: string) =>
      request(G.AddGroupMemberDocument, { tenantId, groupId, memberId }).then((r) => map(r, (d) => d.addGroupMember)),
    removeGroupMember: (tenantId: string, groupId: string, memberId: string) =>
      request(G.RemoveGroupMemberDocument, { tenantId, groupId, memberId }).then((r) => map(r, (d) => d.removeGroupMember)),

    // --- audit, drift, events ---------------------------------------------------------------------------------
    auditLog: (tenantId: string, args: PageArgs = {}) =>
      request(G.AuditLogDocument, { tenantId, first: args.first ?? 50, after: args.after ?? null }).then((r) => map(r, (d) => pageOf(d.auditLog))),
    driftFindings: (tenantId: string, args: { open?: boolean } = {}) => request(G.DriftFindingsDocument, { tenantId, open: args.open ?? null }).then((r) => map(r, (d) => d.driftFindings)),
    /** A page of the event log after a cursor (polling); on an empty page endCursor is the `after` you sent. */
    eventsPage: (tenantId: string, args: PageArgs & { types?: G.DirectoryEventType[] } = {}) =>
      request(G.EventsPageDocument, { tenantId, types: args.types ?? null, after: args.after ?? null, first: args.first ?? 100 }).then((r) => map(r, (d) => pageOf(d.events))),
    /** The tenant's events as an async iterator that resumes from the last cursor across disconnects and restarts. */
    events: (tenantId: string, eventsOptions: EventsOptions = {}): EventStream =>
      eventStream(
        {
          url: options.url.replace(/^http/, 'ws'),
          webSocketImpl: options.webSocketImpl ?? defaultWebSocket(),
          connectionParams: async () => ({ authorization: `Bearer ${await credential()}` }),
          refreshableCredential: typeof options.credential === 'function',
        },
        tenantId,
        eventsOptions,
      ),
  };
}

export type GatewayClient = ReturnType<typeof createGatewayClient>;

/**
 * Every item of a paged list, page after page: `for await (const u of allItems((after) => gw.users(t, { first: 100, after })))`.
 * A failed page throws a GatewayRequestError (its `errors` as the Result had them).
 */
export async function* allItems<T>(page: (after: string | null) => Promise<Result<Page<T>>>): AsyncGenerator<T, void, undefined> {
  for (let after: string | null = null; ; ) {
    const current: Page<T> = unwrap(await page(after));
    yield* current.items;
    if (!current.hasNextPage || current.endCursor === null) return;
    after = current.endCursor;
  }
}
