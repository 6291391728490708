/**
 * The directory's object types shared across the directory part: users, groups, service principals and
 * directory roles as GraphQL types, with the Graph properties each field is read from (for `$select`).
 * Relations (a user's groups, a group's members, a service principal's credentials ...) are field resolvers
 * in the resolver files; their fields are nullable, so one failing relation nulls only itself.
 */
import 'reflect-metadata';
import { createUnionType, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { SourcedConnectionType, type ReadOrigin } from './connection';
import type { PropertyMap } from './select';

export enum GroupKind {
  SECURITY = 'SECURITY',
  MICROSOFT_365 = 'MICROSOFT_365',
  MAIL_ENABLED_SECURITY = 'MAIL_ENABLED_SECURITY',
  DISTRIBUTION = 'DISTRIBUTION',
}

registerEnumType(GroupKind, {
  name: 'GroupKind',
  description: 'What a group is for, from its group types and whether it is mail- and security-enabled.',
  valuesConfig: {
    SECURITY: { description: 'A security group: grants access; not mail-enabled.' },
    MICROSOFT_365: { description: 'A Microsoft 365 group (groupTypes holds "Unified"): shared mailbox, calendar, files.' },
    MAIL_ENABLED_SECURITY: { description: 'A security group that also receives mail.' },
    DISTRIBUTION: { description: 'A distribution list: mail only, grants no access.' },
  },
});

@ObjectType({ description: 'A license assigned to a user, with the service plans switched off in it.' })
export class AssignedLicense {
  @Field(() => ID, { description: 'The license (SKU) id.' })
  skuId!: string;

  @Field(() => [ID], { description: 'Service plans of the SKU that are disabled for this user.' })
  disabledPlans!: string[];
}

@ObjectType({ description: 'A person or account in the tenant (a member or a guest), read live from Microsoft Graph or from the snapshot kept by sync (source says which).' })
export class User {
  /** The tenant the object was read from, where its relations are read too. Not exposed. */
  tenantId!: string;

  /** Where the object was read (the snapshot or Graph); LIVE when unset. Exposed as source/asOf/ageSeconds. */
  origin?: ReadOrigin;

  @Field(() => ID, { description: "The user's object id in Entra." })
  id!: string;

  @Field(() => String, { nullable: true, description: 'The name shown in address lists.' })
  displayName!: string | null;

  @Field(() => String, { nullable: true, description: 'The sign-in name (guests: the #EXT# form on the initial domain).' })
  userPrincipalName!: string | null;

  @Field(() => String, { nullable: true, description: 'The primary email address; null when the user has none.' })
  mail!: string | null;

  @Field(() => String, { nullable: true, description: 'The department, as HR set it.' })
  department!: string | null;

  @Field(() => String, { nullable: true, description: 'The job title.' })
  jobTitle!: string | null;

  @Field(() => Boolean, { nullable: true, description: 'False when the account is disabled and cannot sign in.' })
  accountEnabled!: boolean | null;

  @Field(() => String, { nullable: true, description: '"Member" for the organization\'s own people, "Guest" for invited external users.' })
  userType!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the account was created.' })
  createdAt!: Date | null;

  @Field(() => [AssignedLicense], { nullable: true, description: 'Licenses assigned to the user.' })
  assignedLicenses!: AssignedLicense[] | null;
}

@ObjectType({ description: 'A group in the tenant: security, Microsoft 365, mail-enabled security or distribution; assigned or dynamic.' })
export class Group {
  /** The tenant the object was read from, where its relations are read too. Not exposed. */
  tenantId!: string;

  /** Where the object was read (the snapshot or Graph); LIVE when unset. Exposed as source/asOf/ageSeconds. */
  origin?: ReadOrigin;

  @Field(() => ID, { description: "The group's object id in Entra." })
  id!: string;

  @Field(() => String, { nullable: true, description: 'The name shown to people.' })
  displayName!: string | null;

  @Field(() => String, { nullable: true, description: 'What the group is for, as its owners described it.' })
  description!: string | null;

  @Field(() => GroupKind, { nullable: true, description: 'What kind of group it is.' })
  kind!: GroupKind | null;

  @Field(() => Boolean, { nullable: true, description: 'True when membership follows a rule (membershipRule); members cannot be added by hand.' })
  dynamic!: boolean | null;

  @Field(() => String, { nullable: true, description: 'The rule of a dynamic group, e.g. (user.department -eq "Sales"); null for assigned groups.' })
  membershipRule!: string | null;
}

@ObjectType({ description: "An application's identity in the tenant: what signs in, holds permissions and can be a group member." })
export class ServicePrincipal {
  /** The tenant the object was read from, where its relations are read too. Not exposed. */
  tenantId!: string;

  /** Where the object was read (the snapshot or Graph); LIVE when unset. Exposed as source/asOf/ageSeconds. */
  origin?: ReadOrigin;

  @Field(() => ID, { description: "The service principal's object id in this tenant." })
  id!: string;

  @Field(() => String, { nullable: true, description: "The application's (client) id, the same in every tenant." })
  appId!: string | null;

  @Field(() => String, { nullable: true, description: 'The name shown to people.' })
  displayName!: string | null;
}

@ObjectType({ description: 'An activated Entra directory role (Global Administrator, User Administrator ...).' })
export class DirectoryRole {
  /** The tenant the object was read from, where its relations are read too. Not exposed. */
  tenantId!: string;

  @Field(() => ID, { description: "The role's object id in this tenant." })
  id!: string;

  @Field(() => String, { nullable: true, description: 'The role name.' })
  displayName!: string | null;

  @Field(() => String, { nullable: true, description: 'What the role allows.' })
  description!: string | null;

  @Field(() => ID, { nullable: true, description: 'The built-in role template id, the same in every tenant (e.g. Global Administrator 62e90394-...).' })
  roleTemplateId!: string | null;
}

export const DirectoryMember = createUnionType({
  name: 'DirectoryMember',
  description: 'A member of a group: a user, a nested group or a service principal.',
  types: () => [User, Group, ServicePrincipal] as const,
});

export const UserConnection = SourcedConnectionType('User', () => User, 'user');
export const GroupConnection = SourcedConnectionType('Group', () => Group, 'group');
export const DirectoryMemberConnection = SourcedConnectionType<User | Group | ServicePrincipal>('DirectoryMember', () => DirectoryMember, 'member');

export const USER_PROPERTIES: PropertyMap = {
  displayName: ['displayName'],
  userPrincipalName: ['userPrincipalName'],
  mail: ['mail'],
  department: ['department'],
  jobTitle: ['jobTitle'],
  accountEnabled: ['accountEnabled'],
  userType: ['userType'],
  createdAt: ['createdDateTime'],
  assignedLicenses: ['assignedLicenses'],
};

export const GROUP_PROPERTIES: PropertyMap = {
  displayName: ['displayName'],
  description: ['description'],
  kind: ['groupTypes', 'mailEnabled', 'securityEnabled'],
  dynamic: ['groupTypes'],
  membershipRule: ['membershipRule'],
};

export const SERVICE_PRINCIPAL_PROPERTIES: PropertyMap = {
  appId: ['appId'],
  displayName: ['displayName'],
};

export const DIRECTORY_ROLE_PROPERTIES: PropertyMap = {
  displayName: ['displayName'],
  description: ['description'],
  roleTemplateId: ['roleTemplateId'],
};
