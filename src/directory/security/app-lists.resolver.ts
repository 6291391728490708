/** Tenant.servicePrincipals and Tenant.applications: Relay connections over Graph's lists, $select from the selection. */
import 'reflect-metadata';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, Info, Int, Resolver, Root } from 'type-graphql';
import { queryString } from '../../graph';
import type { GatewayContext } from '../../core/context';
import { Tenant } from '../../tenants/tenant.entity';
import { TenantObject } from '../../tenants/tenant.types';
import { ConnectionType, pageSize, type Connection } from '../connection';
import { toServicePrincipal } from '../directory-object.mapping';
import { SERVICE_PRINCIPAL_PROPERTIES, ServicePrincipal } from '../directory-object.types';
import { graphSelect, selectedFields, type PropertyMap } from '../select';
import { ErrorCode, GatewayError } from '../../core/errors';
import { credentialFilterActive, credentialFilterProblem, matchesCredentialFilter, MAX_EXPIRING_WITHIN_DAYS, type CredentialFilter } from '../credentials';
import { credentialsOf, toApplication } from './app.mapping';
import { Application, APPLICATION_PROPERTIES } from './application.types';
import type { Json } from './json';
import { SERVICE_PRINCIPAL_SECURITY_PROPERTIES } from './service-principal.resolver';

const DEFAULT_PAGE_SIZE = 50;

export const ServicePrincipalConnection = ConnectionType('ServicePrincipal', () => ServicePrincipal, 'service principal');
export const ApplicationConnection = ConnectionType('Application', () => Application, 'application');

interface ListRequest {
  collection: 'servicePrincipals' | 'applications';
  properties: PropertyMap[];
  first: number | null | undefined;
  after: string | null | undefined;
  /** The cursor binding's field name (default Tenant.<collection>). */
  field?: string;
  /** GraphQL fields whose Graph properties are read whether selected or not. */
  alsoFields?: string[];
}

/** One page of a directory list, asking Graph for exactly the properties the selection needs (and a count if asked). */
function listPage<N>(tenant: Tenant, ctx: GatewayContext, info: GraphQLResolveInfo, request: ListRequest, toNode: (json: Json) => N | null): Promise<Connection<N>> {
  const first = pageSize(request.first, DEFAULT_PAGE_SIZE);
  const counted = selectedFields(info).has('totalCount');
  const select = graphSelect([...selectedFields(info, ['edges', 'node']), ...(request.alsoFields ?? [])], ...request.properties);
  const link = `/${request.collection}${queryString({ $top: first, $select: select, $count: counted ? 'true' : undefined })}`;
  return ctx.directory(tenant.id).connection<Json, N>({ field: request.field ?? `Tenant.${request.collection}`, link, eventual: counted, first, after: request.after }, toNode);
}

@Resolver(() => TenantObject)
export class AppListsResolver {
  @FieldResolver(() => ServicePrincipalConnection, {
    nullable: true,
    description: "The tenant's service principals (enterprise apps, Microsoft's and third parties' included), a page at a time (needs Application.Read.All).",
  })
  servicePrincipals(
    @Root() tenant: Tenant,
    @Arg('first', () => Int, { nullable: true, description: `Page size, 1 to 999 (default ${DEFAULT_PAGE_SIZE}).` }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after: string | null,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<ServicePrincipal>> {
    const request: ListRequest = { collection: 'servicePrincipals', properties: [SERVICE_PRINCIPAL_PROPERTIES, SERVICE_PRINCIPAL_SECURITY_PROPERTIES], first, after };
    return listPage(tenant, ctx, info, request, (json) => Object.assign(toServicePrincipal(json, tenant.id), { graph: json }));
  }

  @FieldResolver(() => ApplicationConnection, {
    nullable: true,
    description:
      "The tenant's own app registrations, a page at a time (needs Application.Read.All). With expiringWithinDays and/or expired, only apps " +
      'with a credential ending within that many days or already expired (either suffices); Graph cannot filter on credentials, so a ' +
      'filtered page may hold fewer than `first` apps (keep following endCursor while hasNextPage), and totalCount is null.',
  })
  async applications(
    @Root() tenant: Tenant,
    @Arg('first', () => Int, { nullable: true, description: `Page size, 1 to 999 (default ${DEFAULT_PAGE_SIZE}).` }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after: string | null,
    @Arg('expiringWithinDays', () => Int, { nullable: true, description: `Keep apps with a secret or certificate that has not ended and ends within this many days (0 to ${MAX_EXPIRING_WITHIN_DAYS}).` })
    expiringWithinDays: number | null,
    @Arg('expired', () => Boolean, { nullable: true, description: 'Keep apps with a secret or certificate that has already expired.' }) expired: boolean | null,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Application>> {
    const filter: CredentialFilter = { expiringWithinDays, expired };
    const problem = credentialFilterProblem(filter);
    if (problem) throw new GatewayError(ErrorCode.BAD_USER_INPUT, problem, { argument: 'expiringWithinDays' });
    if (!credentialFilterActive(filter)) {
      const request: ListRequest = { collection: 'applications', properties: [APPLICATION_PROPERTIES], first, after };
      return listPage(tenant, ctx, info, request, (json) => toApplication(json, tenant.id));
    }
    const now = new Date();
    // The filter reads the credentials whatever the selection, and is part of the cursor's binding (`field`),
    // so a cursor of a filtered list does not open on another filter.
    const request: ListRequest = {
      collection: 'applications',
      properties: [APPLICATION_PROPERTIES],
      alsoFields: ['credentials'],
      first,
      after,
      field: `Tenant.applications(expiringWithinDays:${expiringWithinDays ?? ''},expired:${expired === true})`,
    };
    // An app the filter drops keeps its place in Graph's page but gets no edge (connectionFromPage).
    const page = await listPage(tenant, ctx, info, request, (json) => (matchesCredentialFilter(credentialsOf(json, now), filter, now) ? toApplication(json, tenant.id) : null));
    return { ...page, totalCount: null };
  }
}
