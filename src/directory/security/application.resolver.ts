/** Application's fields beyond Graph's properties: credentials, soonest expiry, and permissions via the app's service principal. */
import 'reflect-metadata';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../../core/context';
import type { TenantDirectory } from '../graph-access';
import { credentialsOf } from './app.mapping';
import { appRoleAssignmentsOf, oauth2PermissionGrantsOf } from './app-permissions';
import { AppRoleAssignment, Credential, OAuth2PermissionGrant } from './app.types';
import { Application } from './application.types';
import { text } from './json';
import { readServicePrincipalOfApp } from './security-reads';

@Resolver(() => Application)
export class ApplicationResolver {
  @FieldResolver(() => [Credential], { description: 'Client secrets and certificates, soonest end first.' })
  credentials(@Root() app: Application): Credential[] {
    return credentialsOf(app.graph, new Date()).credentials;
  }

  @FieldResolver(() => Credential, { nullable: true, description: 'The next credential to expire; when none is ahead (all expired), the one that expired last, marked EXPIRED; null without credentials.' })
  soonestExpiry(@Root() app: Application): Credential | null {
    return credentialsOf(app.graph, new Date()).soonestExpiry;
  }

  @FieldResolver(() => [Credential], { description: 'Client secrets and certificates that have already expired, the most recently expired first.' })
  expiredCredentials(@Root() app: Application): Credential[] {
    return credentialsOf(app.graph, new Date()).expired;
  }

  @FieldResolver(() => [AppRoleAssignment], {
    nullable: true,
    description: "Application permissions granted to the app's service principal in this tenant; empty when the app has none here.",
  })
  appRoleAssignments(@Root() app: Application, @Ctx() ctx: GatewayContext): Promise<AppRoleAssignment[]> {
    return ofServicePrincipal(app, ctx, appRoleAssignmentsOf);
  }

  @FieldResolver(() => [OAuth2PermissionGrant], {
    nullable: true,
    description: "Delegated permissions granted to the app's service principal in this tenant; empty when the app has none here.",
  })
  oauth2PermissionGrants(@Root() app: Application, @Ctx() ctx: GatewayContext): Promise<OAuth2PermissionGrant[]> {
    return ofServicePrincipal(app, ctx, oauth2PermissionGrantsOf);
  }
}

/** What `read` finds for the app's service principal in its tenant (looked up once per request); none without one. */
async function ofServicePrincipal<T>(app: Application, ctx: GatewayContext, read: (directory: TenantDirectory, servicePrincipalId: string) => Promise<T[]>): Promise<T[]> {
  const directory = ctx.directory(app.tenantId);
  const servicePrincipal = app.appId ? await readServicePrincipalOfApp(directory, app.appId) : null;
  return servicePrincipal ? read(directory, text(servicePrincipal.id)) : [];
}
