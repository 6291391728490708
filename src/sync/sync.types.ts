/** GraphQL types of the sync part: a tenant's sync status and the result of syncNow. */
import 'reflect-metadata';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum SyncModeValue {
  INITIAL = 'INITIAL',
  INCREMENTAL = 'INCREMENTAL',
  RESYNC = 'RESYNC',
}

registerEnumType(SyncModeValue, {
  name: 'SyncMode',
  description: 'What kind of round a sync was.',
  valuesConfig: {
    INITIAL: { description: 'The first, full load of the snapshot: no change events but SYNC_COMPLETED.' },
    INCREMENTAL: { description: 'A delta round from the stored deltaLinks: only what changed.' },
    RESYNC: { description: 'A full round after Graph refused a delta token (expired or reset), diffed against the snapshot.' },
  },
});

@ObjectType('SyncCounts', { description: 'The snapshot after the last successful round, and what that round did.' })
export class SyncCountsObject {
  @Field(() => Int, { nullable: true, description: 'Users in the snapshot (deleted ones left out).' })
  users!: number | null;

  @Field(() => Int, { nullable: true, description: 'Groups in the snapshot (deleted ones left out).' })
  groups!: number | null;

  @Field(() => Int, { nullable: true, description: 'Direct memberships (any member type).' })
  memberships!: number | null;

  @Field(() => Int, { nullable: true, description: 'Effective (transitive) user memberships.' })
  effectiveMemberships!: number | null;

  @Field(() => SyncModeValue, { nullable: true, description: 'The kind of the last successful round.' })
  mode!: SyncModeValue | null;

  @Field(() => Int, { nullable: true, description: 'Delta pages the last successful round read.' })
  pages!: number | null;

  @Field(() => Int, { nullable: true, description: 'Objects (users and groups, repeats merged) the last successful round read.' })
  objects!: number | null;

  @Field(() => Int, { nullable: true, description: 'Change events the last successful round emitted (SYNC_COMPLETED not counted).' })
  events!: number | null;

  @Field(() => Int, { nullable: true, description: 'Graph requests the last successful round sent.' })
  graphRequests!: number | null;
}

@ObjectType('TenantSyncStatus', { description: "Where a tenant's directory sync stands." })
export class TenantSyncStatusObject {
  @Field(() => Date, { nullable: true, description: 'When a round last completed; null before the first.' })
  lastSuccessAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the last round failed; null after a success.' })
  lastError!: string | null;

  @Field(() => Date, { nullable: true, description: 'When a round last failed.' })
  lastErrorAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'How long the last round took, in milliseconds.' })
  lastDurationMs!: number | null;

  @Field(() => SyncCountsObject)
  counts!: SyncCountsObject;

  @Field(() => Date, { nullable: true, description: 'When the next scheduled round is due (interval with jitter, or back-off after failures).' })
  nextRunAt!: Date | null;

  @Field(() => Int, { description: 'Failed rounds since the last success; repeated failures back off exponentially (capped).' })
  consecutiveFailures!: number;

  @Field({ description: 'True while a process holds the lease (a round is running).' })
  running!: boolean;
}

@ObjectType('SyncNowResult', { description: 'What an immediate sync round did.' })
export class SyncNowResultObject {
  @Field({ description: 'False when no round ran (see skippedReason).' })
  ran!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Why no round ran: LEASE_HELD (a round is running in some gateway process) or TENANT_NOT_ACTIVE; null when one ran.',
  })
  skippedReason!: string | null;

  @Field(() => String, { nullable: true, description: 'Why the round failed (nothing of it was committed); also on the sync status. Null when it succeeded.' })
  error!: string | null;

  @Field(() => SyncModeValue, { nullable: true })
  mode!: SyncModeValue | null;

  @Field(() => Int, { nullable: true, description: 'Change events emitted (SYNC_COMPLETED not counted).' })
  events!: number | null;

  @Field(() => Int, { nullable: true })
  durationMs!: number | null;

  @Field(() => TenantSyncStatusObject, { nullable: true, description: 'The status after the attempt.' })
  status!: TenantSyncStatusObject | null;
}
