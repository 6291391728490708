/**
 * How resolvers reach a tenant's directory. `DirectoryAccess` (process-wide, in GatewayServices) keeps one
 * GraphClient per tenant: its keep-alive agent and resource-unit budget outlive requests. `TenantDirectory`
 * (per request and tenant, from `ctx.directory(tenantId)`, which authorizes first) holds the DataLoader that
 * turns one tick's GETs into `$batch` calls of 20, and translates Graph's failures into coded errors.
 */
import { readFileSync } from 'node:fs';
import DataLoader from 'dataloader';
import type { Config } from '../config';
import { GraphClient, GraphProtocolError, type GraphClientOptions, type GraphPage } from '../graph';
import { resolveCloud, type CloudSpec } from '../identity';
import type { Logger } from '../logging';
import { authorize } from '../core/auth/guard';
import { ApiScope, type Principal } from '../core/auth/principal';
import type { TenantTokens } from '../tenants/tenant-tokens';
import { asPagePosition, connectionFromPage, type Connection, type PagePosition } from './connection';
import { CursorSealer } from './cursor';
import { toGatewayError } from './graph-errors';

export interface DirectoryAccessDeps {
  config: Readonly<Config>;
  tenantTokens: TenantTokens;
  logger: Logger;
  /** For tests and benchmarks (retry policy, deadlines); production uses the client's defaults. */
  clientOptions?: GraphClientOptions;
}

export class DirectoryAccess {
  readonly cursors: CursorSealer;
  private readonly clients = new Map<string, GraphClient>();
  private readonly graphBaseUrl: string;
  private readonly caPem: string | undefined;

  constructor(private readonly deps: DirectoryAccessDeps) {
    const { entra, encryption } = deps.config;
    if (!encryption.keys) throw new Error('DirectoryAccess: expected config.encryption.keys (cursors are sealed with them), got none');
    this.cursors = new CursorSealer(encryption.keys);
    const cloud: CloudSpec = entra.cloud === 'custom' ? { name: 'custom', loginBaseUrl: entra.loginUrl ?? '', graphBaseUrl: entra.graphUrl ?? '' } : { name: entra.cloud };
    this.graphBaseUrl = resolveCloud(cloud).graphBaseUrl;
    this.caPem = entra.caCertPath ? readFileSync(entra.caCertPath, 'utf8') : undefined;
  }

  /** The tenant's one client in this process. Call only for a tenant the caller was authorized on. */
  client(tenantId: string): GraphClient {
    let client = this.clients.get(tenantId);
    if (!client) {
      const { tenantTokens, logger, clientOptions } = this.deps;
      client = new GraphClient(
        {
          tenantKey: tenantId,
          graphBaseUrl: this.graphBaseUrl,
          caPem: this.caPem,
          getAccessToken: async (options) => (await tenantTokens.getAccessToken(tenantId, options)).accessToken,
        },
        { logger: logger.child({ component: 'graph', tenantId }), ...clientOptions },
      );
      this.clients.set(tenantId, client);
    }
    return client;
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}

/** One GET: a path below /v1.0 or a Graph link, and whether it is an advanced query. */
interface GraphGet {
  url: string;
  eventual: boolean;
}

export interface ConnectionRequest {
  /** What the cursors are for, besides the tenant and the link ("Tenant.users", "Group.members"). */
  field: string;
  /** The first page's request (path below /v1.0, with $top and $select). */
  link: string;
  eventual?: boolean;
  first: number;
  after?: string | null;
  /** Through the request's DataLoader (nested lists, many parents) rather than a request of its own. */
  batched?: boolean;
}

export class TenantDirectory {
  readonly client: GraphClient;
  private readonly cursors: CursorSealer;
  private readonly loader: DataLoader<GraphGet, unknown, string>;

  constructor(
    readonly tenantId: string,
    access: DirectoryAccess,
  ) {
    this.client = access.client(tenantId);
    this.cursors = access.cursors;
    this.loader = new DataLoader<GraphGet, unknown, string>(
      async (gets) => {
        const results = await this.client.batch(gets.map(({ url, eventual }) => ({ method: 'GET' as const, url, ...(eventual ? { consistencyLevel: 'eventual' as const } : {}) })));
        return results.map((result) => (result.ok ? result.value : result.error));
      },
      { cacheKeyFn: ({ url, eventual }) => `${eventual ? 'eventual' : 'strong'} ${url}` },
    );
  }

  /** GET through this request's loader: gathered with the tick's other loads into `$batch` calls. */
  async load<T>(url: string, options: { eventual?: boolean } = {}): Promise<T> {
    return this.translating(url, () => this.loader.load({ url, eventual: options.eventual ?? false }) as Promise<T>);
  }

  /** GET on its own (a root list, or anything that would gain nothing from a batch). */
  async get<T>(url: string, options: { eventual?: boolean } = {}): Promise<T> {
    return this.translating(url, () => this.client.get<T>(url, options.eventual ? { consistencyLevel: 'eventual' } : {}));
  }

  /** One page of a connection: the first, or the one `after` points into. */
  async connection<T, N>(request: ConnectionRequest, toNode: (item: T) => N | null): Promise<Connection<N>> {
    // Bound to the tenant, the field and its first request (filter, $select, page size): a cursor replayed
    // against another tenant, list or query does not open.
    const binding = `${this.tenantId}|${request.field}|${request.link}|${request.eventual ?? false}`;
    const at: PagePosition = request.after
      ? asPagePosition(this.cursors.open(request.after, binding, 'after'), 'after')
      : { link: request.link, skip: 0, eventual: request.eventual ?? false, count: null };
    const page = await this.page<T>(at.link, at.eventual, request.batched ?? false);
    return connectionFromPage(page, at, request.first, toNode, (position) => this.cursors.seal(position, binding));
  }

  /** Every item of a collection, page after page (for short lists: roles, memberships of one object). */
  async all<T>(link: string, options: { eventual?: boolean; batched?: boolean } = {}): Promise<T[]> {
    const items: T[] = [];
    for (let url: string | undefined = link; url !== undefined; ) {
      const page: GraphPage<T> = await this.page<T>(url, options.eventual ?? false, options.batched ?? false);
      items.push(...page.items);
      url = page.nextLink;
    }
    return items;
  }

  private async page<T>(url: string, eventual: boolean, batched: boolean): Promise<GraphPage<T>> {
    const body = batched ? await this.load<unknown>(url, { eventual }) : await this.get<unknown>(url, { eventual });
    return this.translating(url, async () => readPage<T>(body, url));
  }

  private async translating<T>(url: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw toGatewayError(err, this.tenantId, url);
    }
  }
}

/** A collection page from a body the loader or client returned. Links are checked when followed (GraphRoot). */
export function readPage<T>(body: unknown, url: string): GraphPage<T> {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const next = record['@odata.nextLink'];
  const count = record['@odata.count'];
  if (!Array.isArray(record.value) || (next !== undefined && typeof next !== 'string') || (count !== undefined && !Number.isSafeInteger(count))) {
    throw new GraphProtocolError({ status: 200, code: 'MalformedResponse', message: `GET ${url}: expected a collection page (value, @odata.nextLink, @odata.count)` });
  }
  return { items: record.value as T[], ...(next === undefined ? {} : { nextLink: next as string }), ...(count === undefined ? {} : { count: count as number }) };
}

/** `ctx.directory`: per request, one TenantDirectory per tenant, after checking the caller may read it. */
export function directoryAccessor(access: DirectoryAccess, ctx: { principal: Principal | null }): (tenantId: string) => TenantDirectory {
  const directories = new Map<string, TenantDirectory>();
  return (tenantId) => {
    authorize(ctx, ApiScope.DIRECTORY_READ, tenantId);
    let directory = directories.get(tenantId);
    if (!directory) {
      directory = new TenantDirectory(tenantId, access);
      directories.set(tenantId, directory);
    }
    return directory;
  };
}
