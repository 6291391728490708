/** The MFA analysis (../mfa-analysis.ts) as GraphQL types: whether one app's sign-ins require MFA, for whom, and why. */
import 'reflect-metadata';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { PolicyState } from './policy.types';

export enum MfaEnforcementLevel {
  ALL_USERS = 'ALL_USERS',
  SOME_USERS = 'SOME_USERS',
  NONE = 'NONE',
}

export enum MfaGrantKind {
  MFA = 'MFA',
  MFA_OR_OTHER = 'MFA_OR_OTHER',
  BLOCK = 'BLOCK',
  OTHER = 'OTHER',
  UNREADABLE = 'UNREADABLE',
}

export enum MfaPrincipalKind {
  USER = 'USER',
  GROUP = 'GROUP',
  ROLE = 'ROLE',
  GUESTS = 'GUESTS',
}

registerEnumType(MfaEnforcementLevel, {
  name: 'MfaEnforcementLevel',
  description: 'How far MFA is enforced for an app by enabled conditional-access policies.',
  valuesConfig: {
    ALL_USERS: { description: 'Every user must pass MFA or is blocked, with no exclusion left open.' },
    SOME_USERS: { description: 'MFA is required of some users only: narrow targeting or open exclusions.' },
    NONE: { description: 'No enabled policy requires MFA for the app.' },
  },
});

registerEnumType(MfaGrantKind, {
  name: 'MfaGrantKind',
  description: "What a policy's grant controls demand, as far as MFA goes.",
  valuesConfig: {
    MFA: { description: 'MFA is required (the mfa control or an MFA-grade authentication strength).' },
    MFA_OR_OTHER: { description: 'MFA is one alternative: another control (e.g. a compliant device) can be used instead.' },
    BLOCK: { description: 'Sign-in is refused.' },
    OTHER: {
      description:
        'Neither MFA nor a block: other controls only (e.g. a compliant device, terms of use, a custom control) or no grant controls at all. Listed only for report-only and disabled policies.',
    },
    UNREADABLE: { description: 'The grant controls could not be read (e.g. an authentication strength missing from the read); not counted.' },
  },
});

registerEnumType(MfaPrincipalKind, {
  name: 'MfaPrincipalKind',
  description: 'Whom an MFA exclusion names.',
  valuesConfig: {
    USER: { description: 'One user (by object id).' },
    GROUP: { description: 'The members of a group (by object id).' },
    ROLE: { description: 'The holders of a directory role (by role template id).' },
    GUESTS: { description: 'Guests and external users.' },
  },
});

@ObjectType({ description: 'A user, group, role or "guests" named by a policy.' })
export class MfaPrincipal {
  @Field(() => MfaPrincipalKind, { description: 'What kind of principal.' })
  kind!: MfaPrincipalKind;

  @Field(() => ID, { nullable: true, description: 'Object id (user, group) or role template id; null for GUESTS.' })
  id!: string | null;
}

@ObjectType({ description: 'A gap only for people in every principal listed at once (e.g. members of both group X and group Y).' })
export class MfaOverlap {
  @Field(() => [MfaPrincipal], { description: 'The principals whose intersection is left out; it may well be empty, only membership can tell.' })
  principals!: MfaPrincipal[];
}

@ObjectType({ description: 'One conditional-access policy and, in a sentence, what it does for the app.' })
export class MfaPolicyFinding {
  @Field(() => ID, { description: 'The policy id.' })
  policyId!: string;

  @Field({ description: 'The policy name.' })
  displayName!: string;

  @Field(() => PolicyState, { description: 'The policy state.' })
  state!: PolicyState;

  @Field(() => MfaGrantKind, { description: 'What it demands (or, report-only or disabled, would demand).' })
  grant!: MfaGrantKind;

  @Field({ description: 'Why it is listed where it is, e.g. "requires MFA (mfa) for All users except groups <id>".' })
  reason!: string;
}

@ObjectType({ description: 'Whom the deciding policies target, before exclusions.' })
export class MfaCoverage {
  @Field({ description: 'A deciding policy targets all users (guests included).' })
  allUsers!: boolean;

  @Field(() => [ID], { description: 'Users targeted by id.' })
  users!: string[];

  @Field(() => [ID], { description: 'Groups targeted.' })
  groups!: string[];

  @Field(() => [ID], { description: 'Directory role template ids targeted.' })
  roles!: string[];

  @Field({ description: 'A deciding policy targets guests and external users.' })
  guests!: boolean;
}

@ObjectType({ description: 'Who is left without MFA: excluded by a deciding or blocking policy and covered by no other.' })
export class MfaExclusions {
  @Field(() => [ID], { description: 'Users left out, by id.' })
  users!: string[];

  @Field(() => [ID], { description: 'Groups left out (their members), e.g. break-glass accounts.' })
  groups!: string[];

  @Field(() => [ID], { description: 'Directory role template ids left out (their holders).' })
  roles!: string[];

  @Field({ description: 'Guests and external users are left out.' })
  guests!: boolean;

  @Field(() => [MfaOverlap], { description: 'Gaps only for people in several excluded principals at once.' })
  overlaps!: MfaOverlap[];

  @Field(() => [MfaPolicyFinding], { description: 'Enabled policies that would require MFA but exclude this app.' })
  appExcludedBy!: MfaPolicyFinding[];
}

@ObjectType({
  description:
    "Is MFA enforced for one app's sign-ins, for whom, and which policies decide it. Read from the policies alone: where group membership or role holders would decide, a gap is reported rather than hidden.",
})
export class MfaEnforcement {
  @Field(() => ID, { description: 'The app id analysed.' })
  appId!: string;

  @Field(() => MfaEnforcementLevel, { description: 'ALL_USERS, SOME_USERS or NONE.' })
  enforced!: MfaEnforcementLevel;

  @Field(() => MfaCoverage, { description: 'Whom the deciding policies target.' })
  coverage!: MfaCoverage;

  @Field(() => MfaExclusions, { description: 'Who is left out.' })
  exclusions!: MfaExclusions;

  @Field(() => [MfaPolicyFinding], { description: 'Enabled policies that require MFA for the app on every sign-in of their users.' })
  decidingPolicies!: MfaPolicyFinding[];

  @Field(() => [MfaPolicyFinding], { description: 'Enabled policies that block the app for their users: no MFA, but no gap either.' })
  blockingPolicies!: MfaPolicyFinding[];

  @Field(() => [MfaPolicyFinding], {
    description: 'Enabled policies that apply but do not count: MFA is optional, conditions limit them, their grant is unreadable, or they target no one.',
  })
  partialPolicies!: MfaPolicyFinding[];

  @Field(() => [MfaPolicyFinding], {
    description: 'Report-only policies that target the app (All apps or its id, not excluded), whatever their grant, with what they would do: reported, never counted.',
  })
  reportOnlyPolicies!: MfaPolicyFinding[];

  @Field(() => [MfaPolicyFinding], {
    description: 'Disabled policies (or in an unknown state) that target the app, whatever their grant, with what they would do: reported, never counted.',
  })
  disabledPolicies!: MfaPolicyFinding[];
}
