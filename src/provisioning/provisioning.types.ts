/**
 * GraphQL types of the provisioning part. Expected failures are members of result unions (Vendure's error
 * results): every error type implements ProvisioningError with an errorCode and a message, so a client can
 * `... on ProvisioningError { errorCode message }` once and branch on the code.
 */
import 'reflect-metadata';
import { createUnionType, Field, ID, InputType, Int, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import { User } from '../directory/directory-object.types';
import { PageInfo } from '../core/page-info';

export enum ProvisioningErrorCode {
  UPN_CONFLICT = 'UPN_CONFLICT',
  INVALID_DOMAIN = 'INVALID_DOMAIN',
  INVALID_INPUT = 'INVALID_INPUT',
  GROUP_IS_DYNAMIC = 'GROUP_IS_DYNAMIC',
  NOT_FOUND = 'NOT_FOUND',
  MISSING_PERMISSION = 'MISSING_PERMISSION',
  FEATURE_DISABLED = 'FEATURE_DISABLED',
  THROTTLED = 'THROTTLED',
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
}

registerEnumType(ProvisioningErrorCode, { name: 'ProvisioningErrorCode', description: 'What went wrong with a write, as data the caller can act on.' });

export enum MembershipChangeKind {
  ADDED = 'ADDED',
  REMOVED = 'REMOVED',
}
registerEnumType(MembershipChangeKind, { name: 'MembershipChangeKind' });

export enum AuditOperationEnum {
  CREATE_USER = 'CREATE_USER',
  UPDATE_USER = 'UPDATE_USER',
  ADD_GROUP_MEMBER = 'ADD_GROUP_MEMBER',
  REMOVE_GROUP_MEMBER = 'REMOVE_GROUP_MEMBER',
  /** Mapping and tier changes (src/access/tier-events.ts); tier changes are audited in every tenant. */
  SET_TIER_MAPPING = 'SET_TIER_MAPPING',
  REMOVE_TIER_MAPPING = 'REMOVE_TIER_MAPPING',
  DEFINE_ACCESS_TIER = 'DEFINE_ACCESS_TIER',
  UPDATE_ACCESS_TIER = 'UPDATE_ACCESS_TIER',
  DELETE_ACCESS_TIER = 'DELETE_ACCESS_TIER',
  /** Through the hosted portal (src/portal). */
  REQUEST_CONSENT = 'REQUEST_CONSENT',
  OPEN_PORTAL_SESSION = 'OPEN_PORTAL_SESSION',
  RESTORE_USER = 'RESTORE_USER',
}
registerEnumType(AuditOperationEnum, {
  name: 'AuditOperation',
  valuesConfig: {
    SET_TIER_MAPPING: { description: 'A group mapped to an access tier (target "group:<id> tier:<id>").' },
    REMOVE_TIER_MAPPING: { description: 'A group\'s tier mapping removed (target "group:<id> (was tier:<id>)").' },
    DEFINE_ACCESS_TIER: { description: 'An access tier defined (audited in every tenant).' },
    UPDATE_ACCESS_TIER: { description: 'An access tier renamed or re-ranked (audited in every tenant).' },
    DELETE_ACCESS_TIER: { description: 'An access tier deleted (audited in every tenant).' },
    REQUEST_CONSENT: { description: 'A consent URL requested through the hosted portal.' },
    OPEN_PORTAL_SESSION: { description: 'A portal link opened: a portal session began (target "portal-link:<id>").' },
    RESTORE_USER: { description: 'A soft-deleted user restored (target "user:<id>"); NO_OP when it was already active.' },
  },
});

export enum AuditResultEnum {
  SUCCESS = 'SUCCESS',
  NO_OP = 'NO_OP',
  FAILED = 'FAILED',
}
registerEnumType(AuditResultEnum, {
  name: 'AuditResult',
  valuesConfig: { NO_OP: { description: 'Nothing needed changing (already a member, not a member).' }, FAILED: { description: 'See errorCode.' } },
});

// ---- results ---------------------------------------------------------------------------------------------

@InterfaceType({ description: 'An expected failure of a write: a member of its result union.' })
export abstract class ProvisioningError {
  @Field(() => ProvisioningErrorCode)
  errorCode!: ProvisioningErrorCode;

  @Field({ description: 'What happened and what to do, for people.' })
  message!: string;
}

@ObjectType({ implements: ProvisioningError, description: 'Another user already holds the userPrincipalName.' })
export class UpnConflict extends ProvisioningError {
  @Field()
  userPrincipalName!: string;
}

@ObjectType({ implements: ProvisioningError, description: "The userPrincipalName's domain is not one of the tenant's verified domains." })
export class InvalidDomain extends ProvisioningError {
  @Field()
  userPrincipalName!: string;

  @Field()
  domain!: string;
}

@ObjectType({ implements: ProvisioningError, description: 'A value Entra refuses (password complexity, mailNickname characters, ...).' })
export class InvalidInput extends ProvisioningError {
  @Field({ description: 'The input field at fault, e.g. "input.password"; "input" when Graph did not say which.' })
  field!: string;
}

@ObjectType({ implements: ProvisioningError, description: 'Members of a dynamic group follow its membership rule; they cannot be added or removed.' })
export class GroupIsDynamic extends ProvisioningError {
  @Field(() => ID)
  groupId!: string;
}

@ObjectType({ implements: ProvisioningError, description: 'The user, group or member does not exist in the tenant (or was deleted).' })
export class NotFound extends ProvisioningError {
  @Field(() => ID)
  objectId!: string;

  @Field({ description: 'USER, GROUP or OBJECT (a member of any kind).' })
  objectKind!: string;
}

@ObjectType({ implements: ProvisioningError, description: "The tenant's consent lacks Graph permissions the write needs." })
export class MissingPermission extends ProvisioningError {
  @Field(() => [String], { description: 'Graph permissions to consent to, e.g. User.ReadWrite.All.' })
  permissions!: string[];

  @Field({ description: 'How to get them: a tenants:admin caller reads tenant(id).reconsentUrl and sends it to the customer.' })
  reconsent!: string;
}

@ObjectType({ implements: ProvisioningError, description: "The tenant's connection does not have the feature enabled." })
export class FeatureDisabled extends ProvisioningError {
  @Field({ description: 'The feature to enable (updateTenant), e.g. PROVISIONING; consent to its permissions follows.' })
  feature!: string;
}

@ObjectType({ implements: ProvisioningError, description: 'Microsoft throttled the tenant longer than the gateway retries. Nothing was written.' })
export class Throttled extends ProvisioningError {
  @Field(() => Int, { nullable: true, description: "Microsoft's last Retry-After." })
  retryAfterSeconds!: number | null;
}

@ObjectType({ implements: ProvisioningError, description: 'The idempotency key was used before for a different request.' })
export class IdempotencyKeyReused extends ProvisioningError {
  @Field()
  idempotencyKey!: string;

  @Field({ description: 'The operation the key was first used for.' })
  operation!: string;
}

@ObjectType({ description: 'A user created in the tenant.' })
export class CreatedUser {
  @Field(() => User)
  user!: User;

  @Field(() => String, {
    nullable: true,
    description: 'The initial password, in this response only: it is never stored. Null when the caller gave the password, and on a replay.',
  })
  initialPassword!: string | null;

  @Field({ description: 'True when this is the stored first result of the same idempotency key.' })
  replayed!: boolean;

  @Field(() => String, { nullable: true, description: 'On a replay: the password was shown only once, in the first response.' })
  passwordNote!: string | null;
}

@ObjectType({ description: 'A user updated in the tenant.' })
export class UpdatedUser {
  @Field(() => User, { nullable: true, description: 'The user as Graph has it after the update; null when the read-back was refused.' })
  user!: User | null;

  @Field(() => [String], { description: 'The Graph properties sent.' })
  changed!: string[];
}

@ObjectType({ description: 'A membership added or removed; noOp when it already was (or was not) so.' })
export class MembershipChange {
  @Field(() => ID)
  groupId!: string;

  @Field(() => ID)
  memberId!: string;

  @Field(() => MembershipChangeKind)
  change!: MembershipChangeKind;

  @Field({ description: 'True when nothing needed changing: the member already was (or was not) in the group.' })
  noOp!: boolean;
}

const isA = (name: string) => (value: unknown) => (value as { constructor?: { name?: string } })?.constructor?.name === name;
function resolveBy(types: Function[]) {
  return (value: unknown) => {
    const match = types.find((type) => isA(type.name)(value));
    if (!match) throw new Error(`expected a result of ${types.map((t) => t.name).join(' | ')}, got ${(value as object)?.constructor?.name}`);
    return match.name;
  };
}

const CREATE_TYPES = [CreatedUser, UpnConflict, InvalidDomain, InvalidInput, NotFound, MissingPermission, FeatureDisabled, Throttled, IdempotencyKeyReused] as const;
export const CreateUserResult = createUnionType({ name: 'CreateUserResult', types: () => CREATE_TYPES, resolveType: resolveBy([...CREATE_TYPES]) });
export type CreateUserOutcome = InstanceType<(typeof CREATE_TYPES)[number]>;

const UPDATE_TYPES = [UpdatedUser, UpnConflict, InvalidDomain, InvalidInput, NotFound, MissingPermission, FeatureDisabled, Throttled] as const;
export const UpdateUserResult = createUnionType({ name: 'UpdateUserResult', types: () => UPDATE_TYPES, resolveType: resolveBy([...UPDATE_TYPES]) });
export type UpdateUserOutcome = InstanceType<(typeof UPDATE_TYPES)[number]>;

@ObjectType({ description: 'A soft-deleted user back in the directory, with its id, properties and (as Graph restores them) memberships.' })
export class RestoredUser {
  @Field(() => User, { description: 'The user as Graph answered the restore.' })
  user!: User;

  @Field({ description: 'True when the user was not among the deleted items but is active in the directory (restored before): nothing was written.' })
  alreadyActive!: boolean;
}

const RESTORE_TYPES = [RestoredUser, UpnConflict, InvalidInput, NotFound, MissingPermission, FeatureDisabled, Throttled] as const;
export const RestoreUserResult = createUnionType({ name: 'RestoreUserResult', types: () => RESTORE_TYPES, resolveType: resolveBy([...RESTORE_TYPES]) });
export type RestoreUserOutcome = InstanceType<(typeof RESTORE_TYPES)[number]>;

const MEMBER_TYPES = [MembershipChange, GroupIsDynamic, NotFound, InvalidInput, MissingPermission, FeatureDisabled, Throttled] as const;
export const GroupMemberResult = createUnionType({ name: 'GroupMemberResult', types: () => MEMBER_TYPES, resolveType: resolveBy([...MEMBER_TYPES]) });
export type GroupMemberOutcome = InstanceType<(typeof MEMBER_TYPES)[number]>;

@ObjectType({ description: 'One item of a bulk provisioning run: the create, then each group add.' })
export class ProvisionedUserItem {
  @Field(() => Int, { description: 'Position in the input list.' })
  index!: number;

  @Field()
  userPrincipalName!: string;

  @Field(() => CreateUserResult)
  result!: CreateUserOutcome;

  @Field(() => [GroupMemberResult], { description: 'One per groupId, in input order; empty when the create failed.' })
  memberships!: GroupMemberOutcome[];
}

@ObjectType({ description: 'A bulk run: one item per input user; failures are reported item by item.' })
export class ProvisionedUsers {
  @Field(() => [ProvisionedUserItem])
  items!: ProvisionedUserItem[];

  @Field(() => Int)
  created!: number;

  @Field(() => Int, { description: 'Items whose create failed.' })
  failed!: number;

  @Field(() => Int, { description: 'Group adds that failed (items created but not in every group).' })
  membershipFailures!: number;

  @Field()
  replayed!: boolean;
}

const BULK_TYPES = [ProvisionedUsers, MissingPermission, FeatureDisabled, IdempotencyKeyReused] as const;
export const ProvisionUsersResult = createUnionType({ name: 'ProvisionUsersResult', types: () => BULK_TYPES, resolveType: resolveBy([...BULK_TYPES]) });
export type ProvisionUsersOutcome = InstanceType<(typeof BULK_TYPES)[number]>;

// ---- inputs ----------------------------------------------------------------------------------------------

@InputType({ description: 'A new user (Graph POST /users).' })
export class CreateUserInput {
  @Field()
  displayName!: string;

  @Field({ description: 'local@domain; the domain must be verified in the tenant.' })
  userPrincipalName!: string;

  @Field(() => String, { nullable: true, description: 'Defaults to the local part of the userPrincipalName.' })
  mailNickname?: string | null;

  @Field(() => String, { nullable: true })
  department?: string | null;

  @Field(() => String, { nullable: true })
  jobTitle?: string | null;

  @Field(() => String, { nullable: true, description: 'Two-letter country code (needed before licenses can be assigned).' })
  usageLocation?: string | null;

  @Field({ defaultValue: true })
  accountEnabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Generated when absent (returned once as initialPassword). Never stored or logged.' })
  password?: string | null;

  @Field({ defaultValue: true })
  forceChangePasswordNextSignIn!: boolean;
}

@InputType({ description: 'A user to provision in bulk: the user, and the groups to add them to.' })
export class ProvisionUserInput extends CreateUserInput {
  @Field(() => [ID], { defaultValue: [] })
  groupIds!: string[];
}

@InputType({ description: 'Changes to a user (Graph PATCH /users/{id}); absent fields are left as they are.' })
export class UpdateUserInput {
  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Field(() => String, { nullable: true })
  userPrincipalName?: string | null;

  @Field(() => String, { nullable: true })
  department?: string | null;

  @Field(() => String, { nullable: true })
  jobTitle?: string | null;

  @Field(() => String, { nullable: true })
  usageLocation?: string | null;

  @Field(() => Boolean, { nullable: true })
  accountEnabled?: boolean | null;
}

// ---- audit -----------------------------------------------------------------------------------------------

@ObjectType('AuditEntry', { description: 'One audited write item.' })
export class AuditEntryObject {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  tenantId!: string;

  @Field({ description: 'Who wrote: "api_key:<id>", "jwt:<subject>", "bootstrap" or "cli".' })
  principal!: string;

  @Field(() => AuditOperationEnum)
  operation!: AuditOperationEnum;

  @Field({ description: '"user:<id>", "user:<upn>" (a create that failed) or "group:<id>/member:<id>".' })
  target!: string;

  @Field(() => AuditResultEnum)
  result!: AuditResultEnum;

  @Field(() => String, { nullable: true, description: 'The ProvisioningErrorCode (or GraphQL error code) of a FAILED item.' })
  errorCode!: string | null;

  @Field(() => String, { nullable: true, description: "Microsoft Graph's request-id, where Graph returned one to the gateway." })
  graphRequestId!: string | null;

  @Field(() => String, { nullable: true, description: "The gateway's request id (x-request-id)." })
  requestId!: string | null;

  @Field(() => String, { nullable: true })
  idempotencyKey!: string | null;

  @Field()
  at!: Date;
}

@ObjectType('AuditEntryEdge')
export class AuditEntryEdge {
  @Field()
  cursor!: string;

  @Field(() => AuditEntryObject)
  node!: AuditEntryObject;
}

@ObjectType('AuditEntryConnection', { description: "A tenant's audit log, newest first." })
export class AuditEntryConnection {
  @Field(() => [AuditEntryEdge])
  edges!: AuditEntryEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
