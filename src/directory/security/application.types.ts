/** App registrations of the tenant (Graph's /applications), as a security review reads them. */
import 'reflect-metadata';
import { Field, ID, ObjectType } from 'type-graphql';
import type { PropertyMap } from '../select';
import type { Json } from './json';

@ObjectType({ description: "An app registration owned by the tenant (Graph's application): its identity and its credentials." })
export class Application {
  @Field(() => ID, { description: "The application's object id in this tenant (not its app id)." })
  id!: string;

  @Field(() => String, { nullable: true, description: "The application (client) id, the same in every tenant." })
  appId!: string | null;

  @Field(() => String, { nullable: true, description: 'The name shown to people.' })
  displayName!: string | null;

  @Field(() => String, { nullable: true, description: 'Who may sign in: AzureADMyOrg, AzureADMultipleOrgs, AzureADandPersonalMicrosoftAccount, PersonalMicrosoftAccount.' })
  signInAudience!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was registered.' })
  createdAt!: Date | null;

  /** Not a field: the tenant, for the Graph reads of field resolvers. */
  tenantId!: string;

  /** Not a field: Graph's JSON, read by the credential fields. */
  graph!: Json;
}

/** The Graph properties behind the fields of Application (for $select). */
export const APPLICATION_PROPERTIES: PropertyMap = {
  appId: ['appId'],
  displayName: ['displayName'],
  signInAudience: ['signInAudience'],
  createdAt: ['createdDateTime'],
  credentials: ['passwordCredentials', 'keyCredentials'],
  soonestExpiry: ['passwordCredentials', 'keyCredentials'],
  expiredCredentials: ['passwordCredentials', 'keyCredentials'],
  // Both need the app id to find the app's service principal.
  appRoleAssignments: ['appId'],
  oauth2PermissionGrants: ['appId'],
};
