/**
 * What a security review reads about apps: credentials with their expiry, application permissions granted
 * (app-role assignments, with readable names) and delegated grants. Shared by Application and the shared
 * ServicePrincipal type (extended in service-principal.resolver.ts).
 */
import 'reflect-metadata';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { CredentialStatus, CredentialSummary, CredentialType } from '../credentials';

export enum CredentialTypeValue {
  PASSWORD = 'PASSWORD',
  CERTIFICATE = 'CERTIFICATE',
}

export enum CredentialStatusValue {
  VALID = 'VALID',
  EXPIRING_SOON = 'EXPIRING_SOON',
  EXPIRED = 'EXPIRED',
}

export enum ConsentType {
  ALL_PRINCIPALS = 'ALL_PRINCIPALS',
  PRINCIPAL = 'PRINCIPAL',
  UNKNOWN = 'UNKNOWN',
}

registerEnumType(CredentialTypeValue, {
  name: 'CredentialType',
  description: 'The kind of an app credential.',
  valuesConfig: {
    PASSWORD: { description: 'A client secret (passwordCredentials).' },
    CERTIFICATE: { description: 'A certificate or key (keyCredentials).' },
  },
});

registerEnumType(CredentialStatusValue, {
  name: 'CredentialStatus',
  description: 'Where a credential stands against its end date.',
  valuesConfig: {
    VALID: { description: 'Ends in 30 days or more (or has no end date).' },
    EXPIRING_SOON: { description: 'Ends within 30 days.' },
    EXPIRED: { description: 'Has ended: sign-ins with it fail.' },
  },
});

registerEnumType(ConsentType, {
  name: 'ConsentType',
  description: 'For whom a delegated grant was consented.',
  valuesConfig: {
    ALL_PRINCIPALS: { description: 'For every user of the tenant (admin consent, AllPrincipals).' },
    PRINCIPAL: { description: 'For one user only (Principal).' },
    UNKNOWN: { description: 'A consent type this gateway does not know.' },
  },
});

@ObjectType({ description: 'A client secret or certificate of an application or service principal. The secret itself is never read.' })
export class Credential implements CredentialSummary {
  @Field(() => CredentialTypeValue, { description: 'Secret or certificate.' })
  type!: CredentialType;

  @Field(() => String, { nullable: true, description: 'Its name, as the owner gave it.' })
  displayName!: string | null;

  @Field(() => ID, { nullable: true, description: "Graph's keyId of the credential." })
  keyId!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it became valid.' })
  startsAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it stops working; null when Graph gave no end.' })
  endsAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'Whole days from now until it ends, rounded down: negative once expired; null without an end.' })
  expiresInDays!: number | null;

  @Field(() => CredentialStatusValue, { description: 'Valid, expiring within 30 days, or expired.' })
  status!: CredentialStatus;
}

@ObjectType({ description: 'An application permission (app role) granted to a service principal on a resource API such as Microsoft Graph.' })
export class AppRoleAssignment {
  @Field(() => ID, { description: 'The assignment id.' })
  id!: string;

  @Field(() => ID, { description: 'The app role id on the resource.' })
  appRoleId!: string;

  @Field(() => String, {
    nullable: true,
    description: "The permission's readable name (the app role's value, e.g. User.Read.All), read from the resource's appRoles; null when the resource does not define it (or it is the default access role).",
  })
  permission!: string | null;

  @Field(() => String, { nullable: true, description: "The app role's display name on the resource, e.g. \"Read all users' full profiles\"." })
  permissionDisplayName!: string | null;

  @Field(() => ID, { description: "The resource's service principal id (the API the permission is on)." })
  resourceId!: string;

  @Field(() => String, { nullable: true, description: 'The resource name, e.g. Microsoft Graph.' })
  resourceDisplayName!: string | null;

  @Field(() => ID, { nullable: true, description: "The resource's app id (00000003-0000-0000-c000-000000000000 for Microsoft Graph)." })
  resourceAppId!: string | null;

  @Field(() => ID, { description: 'Who holds the permission: a service principal, user or group id.' })
  principalId!: string;

  @Field(() => String, { nullable: true, description: 'ServicePrincipal, User or Group.' })
  principalType!: string | null;

  @Field(() => String, { nullable: true, description: "The holder's name." })
  principalDisplayName!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was granted.' })
  grantedAt!: Date | null;
}

@ObjectType({ description: 'Delegated permissions (scopes) a client app may use on a resource API on behalf of signed-in users.' })
export class OAuth2PermissionGrant {
  @Field(() => ID, { description: 'The grant id.' })
  id!: string;

  @Field(() => ID, { description: "The client's service principal id." })
  clientId!: string;

  @Field(() => ConsentType, { description: 'For all users (admin consent) or one user.' })
  consentType!: ConsentType;

  @Field(() => ID, { nullable: true, description: 'The user the grant is for when consentType is PRINCIPAL; null otherwise.' })
  principalId!: string | null;

  @Field(() => ID, { description: "The resource's service principal id." })
  resourceId!: string;

  @Field(() => String, { nullable: true, description: 'The resource name, e.g. Microsoft Graph.' })
  resourceDisplayName!: string | null;

  @Field(() => [String], { description: 'The delegated scopes granted, e.g. ["openid", "User.Read"].' })
  scopes!: string[];
}
