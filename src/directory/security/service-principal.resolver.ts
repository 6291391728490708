/**
 * The security side of the shared ServicePrincipal type: credentials, soonest expiry, expired credentials, application permissions
 * and delegated grants. Service principals listed by Tenant.servicePrincipals carry their credentials from
 * the list's $select; others (a role's or a group's members) have them read through the loader, batched.
 */
import 'reflect-metadata';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../../core/context';
import type { CredentialsSummary } from '../credentials';
import { ServicePrincipal } from '../directory-object.types';
import type { PropertyMap } from '../select';
import { credentialsOf } from './app.mapping';
import { appRoleAssignmentsOf, oauth2PermissionGrantsOf } from './app-permissions';
import { AppRoleAssignment, Credential, OAuth2PermissionGrant } from './app.types';
import type { Json } from './json';
import { readServicePrincipalCredentials } from './security-reads';

/** Not a field: Graph's JSON, set on service principals this folder lists, so credentials need no further read. */
type ListedServicePrincipal = ServicePrincipal & { graph?: Json };

/** The Graph properties behind the fields added here (for $select in lists of service principals). */
export const SERVICE_PRINCIPAL_SECURITY_PROPERTIES: PropertyMap = {
  credentials: ['passwordCredentials', 'keyCredentials'],
  soonestExpiry: ['passwordCredentials', 'keyCredentials'],
  expiredCredentials: ['passwordCredentials', 'keyCredentials'],
};

@Resolver(() => ServicePrincipal)
export class ServicePrincipalSecurityResolver {
  @FieldResolver(() => [Credential], { nullable: true, description: 'Client secrets and certificates of the service principal itself (e.g. SAML signing), soonest end first.' })
  async credentials(@Root() sp: ServicePrincipal, @Ctx() ctx: GatewayContext): Promise<Credential[]> {
    return (await credentialSummary(sp, ctx)).credentials;
  }

  @FieldResolver(() => Credential, { nullable: true, description: 'The next credential to expire; when none is ahead (all expired), the one that expired last, marked EXPIRED; null without credentials.' })
  async soonestExpiry(@Root() sp: ServicePrincipal, @Ctx() ctx: GatewayContext): Promise<Credential | null> {
    return (await credentialSummary(sp, ctx)).soonestExpiry;
  }

  @FieldResolver(() => [Credential], { nullable: true, description: 'Secrets and certificates of the service principal that have already expired, the most recently expired first.' })
  async expiredCredentials(@Root() sp: ServicePrincipal, @Ctx() ctx: GatewayContext): Promise<Credential[]> {
    return (await credentialSummary(sp, ctx)).expired;
  }

  @FieldResolver(() => [AppRoleAssignment], {
    nullable: true,
    description: 'Application permissions granted to it (app roles on resource APIs such as Microsoft Graph), with readable names.',
  })
  async appRoleAssignments(@Root() sp: ServicePrincipal, @Ctx() ctx: GatewayContext): Promise<AppRoleAssignment[]> {
    return appRoleAssignmentsOf(ctx.directory(sp.tenantId), sp.id);
  }

  @FieldResolver(() => [OAuth2PermissionGrant], { nullable: true, description: 'Delegated permissions (scopes) granted to it as a client, for all users or one.' })
  async oauth2PermissionGrants(@Root() sp: ServicePrincipal, @Ctx() ctx: GatewayContext): Promise<OAuth2PermissionGrant[]> {
    return oauth2PermissionGrantsOf(ctx.directory(sp.tenantId), sp.id);
  }
}

async function credentialSummary(sp: ServicePrincipal, ctx: GatewayContext): Promise<CredentialsSummary> {
  const graph = (sp as ListedServicePrincipal).graph ?? (await readServicePrincipalCredentials(ctx.directory(sp.tenantId), sp.id));
  return credentialsOf(graph, new Date());
}
