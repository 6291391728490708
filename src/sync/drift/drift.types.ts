/** GraphQL types of drift findings and of an evaluation. */
import 'reflect-metadata';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { DriftRule, DriftSeverity } from './rules';

registerEnumType(DriftRule, {
  name: 'DriftRule',
  description: 'What a drift finding is about.',
  valuesConfig: {
    MAPPED_GROUP_DELETED: { description: 'A group mapped to an access tier no longer exists (subject: the group id).' },
    MAPPED_GROUP_RENAMED: { description: 'A mapped group is named differently from when it was mapped (subject: the group id).' },
    MAPPED_GROUP_DYNAMIC: { description: 'A mapped group has dynamic membership (subject: the group id).' },
    MFA_NOT_ENFORCED: {
      description:
        "MFA for the product's app is not enforced, required of fewer people than at baseline (subject: enforcement), or a new exclusion appeared (subject: exclusion:<kind>:<id>).",
    },
    CREDENTIAL_EXPIRING: { description: "A credential of the product's app in the tenant expires soon or has expired (subject: its key id)." },
    CONSENT_LOST: { description: 'The tenant needs consent again (subject: consent).' },
    SCOPES_MISSING: { description: "A Graph permission the tenant's features need is not granted (subject: the permission)." },
    SYNC_FAILING: { description: 'Directory sync failed repeatedly (subject: sync).' },
    CHANGE_NOTIFICATIONS_FAILING: { description: 'Creating or renewing a Graph change-notification subscription keeps failing; changes arrive at the poll interval (subject: notifications:users or notifications:groups).' },
  },
});

registerEnumType(DriftSeverity, {
  name: 'DriftSeverity',
  description: 'How urgently a finding needs someone.',
  valuesConfig: {
    INFO: { description: 'Worth knowing.' },
    WARNING: { description: 'Needs a look: access or security may be off.' },
    CRITICAL: { description: 'Something the product relies on is broken or unprotected.' },
  },
});

@ObjectType('DriftFinding', { description: 'Something in the tenant that drifted from what the product relies on; open until it is gone.' })
export class DriftFindingObject {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: "The gateway's tenant id." })
  tenantId!: string;

  @Field(() => DriftRule)
  rule!: DriftRule;

  @Field({ description: 'What the finding is about (see DriftRule): a group id, a key id, a permission, or a word.' })
  subjectId!: string;

  @Field(() => DriftSeverity)
  severity!: DriftSeverity;

  @Field({ description: 'In a sentence, for a person.' })
  summary!: string;

  @Field(() => GraphQLJSONObject, { description: 'Rule-specific facts behind the finding (names, dates, policy ids).' })
  details!: Record<string, unknown>;

  @Field({ description: 'When it was first found.' })
  openedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was found gone; null while open.' })
  resolvedAt!: Date | null;

  @Field({ description: 'The last evaluation that found it (for a resolved finding: the last before it went).' })
  lastSeenAt!: Date;
}

@ObjectType('DriftSkip', { description: 'Rules an evaluation did not evaluate, and why; their open findings were left as they were.' })
export class DriftSkipObject {
  @Field(() => [DriftRule])
  rules!: DriftRule[];

  @Field()
  reason!: string;
}

@ObjectType('DriftEvaluation', { description: "One evaluation of a tenant's drift rules." })
export class DriftEvaluationObject {
  @Field(() => ID)
  tenantId!: string;

  @Field()
  evaluatedAt!: Date;

  @Field(() => [DriftRule], { description: 'The rules evaluated in full.' })
  evaluated!: DriftRule[];

  @Field(() => [DriftSkipObject])
  skipped!: DriftSkipObject[];

  @Field(() => [DriftFindingObject], { description: 'Findings this evaluation opened.' })
  opened!: DriftFindingObject[];

  @Field(() => [DriftFindingObject], { description: 'Findings this evaluation resolved.' })
  resolved!: DriftFindingObject[];

  @Field(() => [DriftFindingObject], { description: 'Every finding open afterwards, newest first.' })
  open!: DriftFindingObject[];
}
