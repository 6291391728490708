/**
 * GraphQL types of the access part: tiers, mappings, the preview of a mapping change, a user's tier.
 *
 * The types of accessTier's answer (the hot path) are `simpleResolvers`: their fields are plain properties with
 * no middleware, so graphql-js's default resolver reads them instead of a type-graphql wrapper per field.
 */
import 'reflect-metadata';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PreviewWarningCode, SnapshotState, TierReason } from './tier-resolution';

registerEnumType(TierReason, {
  name: 'TierReason',
  description: 'Why a user has the tier they have (or none).',
  valuesConfig: {
    ACCOUNT_DISABLED: { description: 'The account is disabled: no tier, whatever its groups.' },
    NO_MAPPED_GROUP: { description: 'The user reaches no mapped group, directly or through nesting.' },
    HIGHEST_RANKED_MAPPING: { description: 'The highest-ranked tier among the mapped groups the user reaches.' },
  },
});

registerEnumType(PreviewWarningCode, {
  name: 'TierMappingWarningCode',
  description: 'What in a proposed mapping deserves a second look before saving it.',
  valuesConfig: {
    TIER_LEFT_EMPTY: { description: 'A tier that is mapped, or holds users now, would hold nobody.' },
    MOST_USERS_CHANGE: { description: 'More than half of the users in mapped groups would change tier.' },
  },
});

export enum TierSource {
  LIVE = 'LIVE',
  SNAPSHOT = 'SNAPSHOT',
}

registerEnumType(TierSource, {
  name: 'TierSource',
  description: 'Where the facts behind a tier decision came from.',
  valuesConfig: {
    LIVE: { description: 'Read from Microsoft Graph while answering.' },
    SNAPSHOT: { description: 'Read from the directory snapshot kept by sync (see snapshotAgeSeconds); used when it is fresh enough (ACCESS_TIER_MAX_AGE_SECONDS).' },
  },
});

registerEnumType(SnapshotState, {
  name: 'SnapshotState',
  description: "How fresh a tenant's directory snapshot was when a mapping or tier change computed whose tier it moves.",
  valuesConfig: {
    FRESH: { description: 'The last sync round completed within ACCESS_TIER_MAX_AGE_SECONDS: the events written are complete.' },
    STALE: { description: 'Older: the events follow what the snapshot held; the next sync round emits ACCESS_TIER_CHANGED for what it was missing.' },
    NEVER_SYNCED: { description: 'No sync round completed yet: no event could be computed; the first load is the baseline and emits none.' },
  },
});

@ObjectType('TenantTierChanges', { description: "What a mapping or tier change did to one tenant's users, in its own transaction." })
export class TenantTierChangesObject {
  @Field(() => ID)
  tenantId!: string;

  @Field(() => Int, { description: 'ACCESS_TIER_CHANGED events written (reason MAPPING_CHANGED), one per user whose tier moved.' })
  usersChanged!: number;

  @Field(() => SnapshotState)
  snapshot!: SnapshotState;

  @Field(() => Date, { nullable: true, description: "When the snapshot's last sync round completed; null before the first." })
  snapshotAsOf!: Date | null;

  @Field(() => Int, { nullable: true })
  snapshotAgeSeconds!: number | null;
}

const TIER_CHANGES = {
  nullable: true,
  description:
    "Only on the result of the mutation that made the change (null when read): per tenant whose users' tiers it could move, the ACCESS_TIER_CHANGED events it wrote and how fresh the snapshot they were computed from was.",
};

@ObjectType('AccessTier', { simpleResolvers: true, description: "One of the product's access tiers (the same for every tenant)." })
export class AccessTierObject {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Unique, compared without regard to case.' })
  name!: string;

  @Field(() => Int, { description: 'Unique; a user reaching several tiers gets the one of highest rank.' })
  rank!: number;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field({ description: 'When the tier was defined.' })
  createdAt!: Date;

  @Field(() => [TenantTierChangesObject], TIER_CHANGES)
  tierChanges?: TenantTierChangesObject[] | null;
}

@ObjectType('TierMapping', { description: "A tenant's group mapped to an access tier: the group's members, nested ones included, get the tier." })
export class TierMappingObject {
  @Field(() => ID, { description: "The gateway's tenant id." })
  tenantId!: string;

  @Field(() => ID, { description: "The group's Entra object id." })
  groupId!: string;

  @Field({ description: "The group's name when it was mapped (the group may have been renamed since)." })
  groupDisplayName!: string;

  @Field(() => AccessTierObject)
  tier!: AccessTierObject;

  @Field({ description: 'When the mapping was set (or last pointed at another tier).' })
  createdAt!: Date;

  @Field({ description: 'Who set it: "api_key:<id>", "jwt:<subject>", "bootstrap" or "cli".' })
  createdBy!: string;

  @Field(() => [TenantTierChangesObject], TIER_CHANGES)
  tierChanges?: TenantTierChangesObject[] | null;
}

@ObjectType('TierUser', { simpleResolvers: true, description: 'A user as tier decisions see them, read live from Microsoft Graph.' })
export class TierUserObject {
  @Field(() => ID, { description: "The user's Entra object id." })
  id!: string;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field(() => String, { nullable: true })
  userPrincipalName!: string | null;

  @Field(() => Boolean, { nullable: true })
  accountEnabled!: boolean | null;
}

@ObjectType('TierGroup', { simpleResolvers: true, description: 'A mapped group that decided a tier.' })
export class TierGroupObject {
  @Field(() => ID, { description: "The group's Entra object id." })
  id!: string;

  @Field(() => String, { nullable: true, description: "The group's live name (the mapped name if Graph gave none)." })
  displayName!: string | null;
}

@ObjectType('AccessTierDecision', { simpleResolvers: true, description: "A user's access tier (e.g. at first login), and why." })
export class AccessTierDecisionObject {
  @Field(() => TierUserObject)
  user!: TierUserObject;

  @Field(() => AccessTierObject, { nullable: true, description: 'Null: no tier (see reason).' })
  tier!: AccessTierObject | null;

  @Field(() => [TierGroupObject], { description: "The user's mapped groups that lead to the tier; empty without a tier." })
  decidingGroups!: TierGroupObject[];

  @Field(() => TierReason)
  reason!: TierReason;

  @Field(() => TierSource)
  source!: TierSource;

  @Field({ description: 'When the facts were read (for SNAPSHOT: when the sync round that wrote them completed).' })
  evaluatedAt!: Date;

  @Field(() => Int, { nullable: true, description: 'SNAPSHOT: how old the facts are, in seconds; null for LIVE.' })
  snapshotAgeSeconds?: number | null;
}

@ObjectType('TierCount', { description: 'How many users a tier holds under the current and the proposed mappings.' })
export class TierCountObject {
  @Field(() => AccessTierObject)
  tier!: AccessTierObject;

  @Field(() => Int)
  currentCount!: number;

  @Field(() => Int)
  proposedCount!: number;
}

@ObjectType('TierChange', { description: 'A user whose tier would change.' })
export class TierChangeObject {
  @Field(() => TierUserObject)
  user!: TierUserObject;

  @Field(() => AccessTierObject, { nullable: true, description: 'The tier now; null for none.' })
  from!: AccessTierObject | null;

  @Field(() => AccessTierObject, { nullable: true, description: 'The tier under the proposal; null for none.' })
  to!: AccessTierObject | null;
}

@ObjectType('TierMappingWarning', { description: 'Something in the proposal worth a second look.' })
export class TierMappingWarningObject {
  @Field(() => PreviewWarningCode)
  code!: PreviewWarningCode;

  @Field()
  message!: string;

  @Field(() => AccessTierObject, { nullable: true, description: 'The tier concerned, if one is.' })
  tier!: AccessTierObject | null;
}

@ObjectType('TierMappingPreview', { description: "What replacing a tenant's mappings with a proposed set would do, computed from live Graph." })
export class TierMappingPreviewObject {
  @Field(() => [TierCountObject], { description: 'Every tier, highest rank first.' })
  tiers!: TierCountObject[];

  @Field(() => [TierChangeObject], { description: 'Users whose tier would change.' })
  changes!: TierChangeObject[];

  @Field(() => Int, { description: 'Users in any group of the current or proposed mappings.' })
  usersConsidered!: number;

  @Field(() => [TierMappingWarningObject])
  warnings!: TierMappingWarningObject[];

  @Field(() => TierSource)
  source!: TierSource;

  @Field({ description: 'When the memberships were read.' })
  evaluatedAt!: Date;
}

@InputType({ description: 'A new access tier.' })
export class DefineAccessTierInput {
  @Field({ description: '1 to 100 characters, unique without regard to case.' })
  name!: string;

  @Field(() => Int, { description: 'Unique; higher wins.' })
  rank!: number;

  @Field(() => String, { nullable: true, description: 'Up to 500 characters.' })
  description?: string | null;
}

@InputType({ description: 'Changes to an access tier; fields left out stay as they are.' })
export class UpdateAccessTierInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Int, { nullable: true })
  rank?: number | null;

  @Field(() => String, { nullable: true, description: 'null or an empty string clears it.' })
  description?: string | null;
}

@InputType({ description: 'One group mapped to one tier, in a proposed mapping set.' })
export class TierMappingInput {
  @Field(() => ID, { description: "The group's Entra object id." })
  groupId!: string;

  @Field(() => ID, { description: 'The access tier id.' })
  tierId!: string;
}
