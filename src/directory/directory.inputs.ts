/** Arguments of the directory lists: what a caller may filter users and groups by. */
import 'reflect-metadata';
import { ArgsType, Field, InputType, Int, registerEnumType } from 'type-graphql';
import { MAX_PAGE_SIZE } from './connection';
import { GroupKind } from './directory-object.types';
import { DEFAULT_SNAPSHOT_MAX_AGE_SECONDS, DirectorySource } from './read-source';

export enum UserTypeValue {
  MEMBER = 'Member',
  GUEST = 'Guest',
}

registerEnumType(UserTypeValue, {
  name: 'UserType',
  description: "Whether a user is one of the organization's own people or an invited guest.",
  valuesConfig: { MEMBER: { description: "The organization's own people." }, GUEST: { description: 'Invited external users.' } },
});

@InputType({ description: 'Conditions on users; all given conditions must hold.' })
export class UserFilter {
  @Field(() => String, { nullable: true, description: 'Exactly this department.' })
  department?: string | null;

  @Field(() => String, { nullable: true, description: 'Exactly this job title.' })
  jobTitle?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Only enabled (true) or only disabled (false) accounts.' })
  accountEnabled?: boolean | null;

  @Field(() => UserTypeValue, { nullable: true, description: 'Only members or only guests.' })
  userType?: UserTypeValue | null;

  @Field(() => String, {
    nullable: true,
    description: 'Display names starting with this text (case-insensitive). From the snapshot, a list with this as its only condition (no other filter or search) is in display-name order (lower-cased, by character code), then object id; otherwise in object id order.',
  })
  displayNameStartsWith?: string | null;
}

@InputType({ description: 'Conditions on groups; all given conditions must hold.' })
export class GroupFilter {
  @Field(() => GroupKind, { nullable: true, description: 'Only groups of this kind.' })
  kind?: GroupKind | null;

  @Field(() => Boolean, { nullable: true, description: 'Only dynamic (true) or only assigned (false) groups.' })
  dynamic?: boolean | null;

  @Field(() => String, {
    nullable: true,
    description: 'Display names starting with this text (case-insensitive). From the snapshot, a list with this as its only condition (no other filter or search) is in display-name order (lower-cased, by character code), then object id; otherwise in object id order.',
  })
  nameStartsWith?: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Page size, 1 to ${MAX_PAGE_SIZE}; the gateway's default page size (GRAPHQL_DEFAULT_PAGE_SIZE) when left out.` })
  first?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'A cursor of the previous page (pageInfo.endCursor or an edge cursor), with the same arguments and selection as that page.',
  })
  after?: string | null;
}

@ArgsType()
export class SourceArgs {
  @Field(() => DirectorySource, {
    defaultValue: DirectorySource.LIVE,
    description:
      'Where to read: LIVE (default, Microsoft Graph now), SNAPSHOT (the snapshot kept by sync, however old; SNAPSHOT_UNAVAILABLE when there is none), or AUTO (the snapshot when fresh within maxAgeSeconds and holding every selected field, else live). The answer\'s source says which answered. From the snapshot, fields it does not hold (User.createdAt, User.assignedLicenses, Group.description, ServicePrincipal.appId and displayName) are read live for just the objects of the page, in $batch calls.',
  })
  source!: DirectorySource;

  @Field(() => Int, {
    defaultValue: DEFAULT_SNAPSHOT_MAX_AGE_SECONDS,
    description: `AUTO: the oldest snapshot (seconds since its last completed sync round) that may answer; older means live. Default ${DEFAULT_SNAPSHOT_MAX_AGE_SECONDS}.`,
  })
  maxAgeSeconds!: number;
}
