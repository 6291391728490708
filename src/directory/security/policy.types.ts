/**
 * Conditional-access policies as GraphQL types: state, conditions and grant controls typed, Graph's keywords
 * ("All", "GuestsOrExternalUsers", ...) turned into flags, everything else as Graph names it.
 */
import 'reflect-metadata';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum PolicyState {
  ENABLED = 'ENABLED',
  REPORT_ONLY = 'REPORT_ONLY',
  DISABLED = 'DISABLED',
  UNKNOWN = 'UNKNOWN',
}

export enum GrantOperator {
  AND = 'AND',
  OR = 'OR',
}

export enum BuiltInControl {
  BLOCK = 'BLOCK',
  MFA = 'MFA',
  COMPLIANT_DEVICE = 'COMPLIANT_DEVICE',
  DOMAIN_JOINED_DEVICE = 'DOMAIN_JOINED_DEVICE',
  APPROVED_APPLICATION = 'APPROVED_APPLICATION',
  COMPLIANT_APPLICATION = 'COMPLIANT_APPLICATION',
  PASSWORD_CHANGE = 'PASSWORD_CHANGE',
  UNKNOWN = 'UNKNOWN',
}

export enum ClientAppType {
  ALL = 'ALL',
  BROWSER = 'BROWSER',
  MOBILE_APPS_AND_DESKTOP_CLIENTS = 'MOBILE_APPS_AND_DESKTOP_CLIENTS',
  EXCHANGE_ACTIVE_SYNC = 'EXCHANGE_ACTIVE_SYNC',
  EASY_SUPPORTED = 'EASY_SUPPORTED',
  OTHER = 'OTHER',
  UNKNOWN = 'UNKNOWN',
}

registerEnumType(PolicyState, {
  name: 'ConditionalAccessPolicyState',
  description: "Whether a conditional-access policy is enforced (Graph's conditionalAccessPolicy.state).",
  valuesConfig: {
    ENABLED: { description: 'Enforced (enabled).' },
    REPORT_ONLY: { description: 'Evaluated and logged, not enforced (enabledForReportingButNotEnforced).' },
    DISABLED: { description: 'Not evaluated (disabled).' },
    UNKNOWN: { description: 'A state this gateway does not know; treated as not enforced.' },
  },
});

registerEnumType(GrantOperator, {
  name: 'GrantOperator',
  description: 'How several grant controls combine.',
  valuesConfig: { AND: { description: 'Every control is required.' }, OR: { description: 'Any one control suffices.' } },
});

registerEnumType(BuiltInControl, {
  name: 'BuiltInControl',
  description: 'A built-in grant control of a conditional-access policy.',
  valuesConfig: {
    BLOCK: { description: 'Sign-in is refused (block).' },
    MFA: { description: 'Multifactor authentication (mfa).' },
    COMPLIANT_DEVICE: { description: 'A device marked compliant by Intune (compliantDevice).' },
    DOMAIN_JOINED_DEVICE: { description: 'A hybrid Entra joined device (domainJoinedDevice).' },
    APPROVED_APPLICATION: { description: 'An approved client app (approvedApplication).' },
    COMPLIANT_APPLICATION: { description: 'An app protection policy (compliantApplication).' },
    PASSWORD_CHANGE: { description: 'A password change (passwordChange).' },
    UNKNOWN: { description: 'A control this gateway does not know.' },
  },
});

registerEnumType(ClientAppType, {
  name: 'ClientAppType',
  description: 'A kind of client a policy applies to.',
  valuesConfig: {
    ALL: { description: 'Every client (all).' },
    BROWSER: { description: 'Browsers (browser).' },
    MOBILE_APPS_AND_DESKTOP_CLIENTS: { description: 'Modern-authentication mobile and desktop apps (mobileAppsAndDesktopClients).' },
    EXCHANGE_ACTIVE_SYNC: { description: 'Exchange ActiveSync, legacy authentication (exchangeActiveSync).' },
    EASY_SUPPORTED: { description: 'Exchange ActiveSync on supported platforms (easSupported).' },
    OTHER: { description: 'Other legacy-authentication clients (other).' },
    UNKNOWN: { description: 'A client type this gateway does not know.' },
  },
});

@ObjectType({ description: 'Which applications a policy covers.' })
export class ConditionalAccessApplications {
  @Field({ description: 'The policy covers every application ("All" in includeApplications).' })
  includesAllApplications!: boolean;

  @Field(() => [String], { description: 'Included app ids, or Graph keywords: All, Office365, MicrosoftAdminPortals, None.' })
  includeApplications!: string[];

  @Field(() => [String], { description: 'Excluded app ids (or keywords).' })
  excludeApplications!: string[];
}

@ObjectType({ description: 'Which users a policy covers: by id, group, directory role (template id) and guest status.' })
export class ConditionalAccessUsers {
  @Field({ description: 'Every user, guests included ("All" in includeUsers).' })
  includesAllUsers!: boolean;

  @Field({ description: 'Guests and external users are included ("GuestsOrExternalUsers" in includeUsers, or includeGuestsOrExternalUsers).' })
  includesGuestsOrExternalUsers!: boolean;

  @Field({ description: 'Guests and external users are excluded ("GuestsOrExternalUsers" in excludeUsers, or excludeGuestsOrExternalUsers).' })
  excludesGuestsOrExternalUsers!: boolean;

  @Field(() => [ID], { description: 'User object ids included by id.' })
  includeUsers!: string[];

  @Field(() => [ID], { description: 'User object ids excluded by id.' })
  excludeUsers!: string[];

  @Field(() => [ID], { description: 'Group object ids included.' })
  includeGroups!: string[];

  @Field(() => [ID], { description: 'Group object ids excluded.' })
  excludeGroups!: string[];

  @Field(() => [ID], { description: 'Directory role TEMPLATE ids included (every holder of the role).' })
  includeRoles!: string[];

  @Field(() => [ID], { description: 'Directory role TEMPLATE ids excluded.' })
  excludeRoles!: string[];
}

@ObjectType({ description: 'An include/exclude pair of a condition (platforms, named locations).' })
export class ConditionalAccessIncludeExclude {
  @Field(() => [String], { description: 'Included values as Graph names them (e.g. "All", "android", a named-location id, "AllTrusted").' })
  include!: string[];

  @Field(() => [String], { description: 'Excluded values as Graph names them.' })
  exclude!: string[];
}

@ObjectType({ description: 'When a policy applies: to which apps, users, clients, platforms, locations and risk levels.' })
export class ConditionalAccessConditions {
  @Field(() => ConditionalAccessApplications, { description: 'The applications covered.' })
  applications!: ConditionalAccessApplications;

  @Field(() => ConditionalAccessUsers, { description: 'The users covered.' })
  users!: ConditionalAccessUsers;

  @Field(() => [ClientAppType], { description: 'Client app types; empty means all.' })
  clientAppTypes!: ClientAppType[];

  @Field(() => ConditionalAccessIncludeExclude, { nullable: true, description: 'Device platforms; null when not a condition.' })
  platforms!: ConditionalAccessIncludeExclude | null;

  @Field(() => ConditionalAccessIncludeExclude, { nullable: true, description: 'Named locations; null when not a condition.' })
  locations!: ConditionalAccessIncludeExclude | null;

  @Field(() => [String], { description: 'Sign-in risk levels (low, medium, high, none); empty means any.' })
  signInRiskLevels!: string[];

  @Field(() => [String], { description: 'User risk levels; empty means any.' })
  userRiskLevels!: string[];
}

@ObjectType({ description: 'An authentication strength a policy requires.' })
export class AuthenticationStrength {
  @Field(() => ID, { nullable: true, description: 'The authentication strength policy id.' })
  id!: string | null;

  @Field(() => String, { nullable: true, description: 'Its name (e.g. "Multifactor authentication", "Phishing-resistant MFA").' })
  displayName!: string | null;
}

@ObjectType({ description: 'What a policy demands of the sign-ins it applies to.' })
export class ConditionalAccessGrantControls {
  @Field(() => GrantOperator, { description: 'How the controls combine (OR when Graph gave none).' })
  operator!: GrantOperator;

  @Field(() => [BuiltInControl], { description: 'Built-in controls.' })
  builtInControls!: BuiltInControl[];

  @Field(() => AuthenticationStrength, {
    nullable: true,
    description: 'The required authentication strength; null when none is required or Graph left it out of the read.',
  })
  authenticationStrength!: AuthenticationStrength | null;

  @Field(() => [String], { description: 'Custom controls (third-party providers) by id.' })
  customAuthenticationFactors!: string[];

  @Field(() => [String], { description: 'Terms of use by id.' })
  termsOfUse!: string[];
}

@ObjectType({ description: "A conditional-access policy of the tenant (Graph's /identity/conditionalAccess/policies)." })
export class ConditionalAccessPolicy {
  @Field(() => ID, { description: 'The policy id.' })
  id!: string;

  @Field({ description: 'Its name.' })
  displayName!: string;

  @Field(() => PolicyState, { description: 'Whether it is enforced, report-only or disabled.' })
  state!: PolicyState;

  @Field(() => Date, { nullable: true, description: 'When it was created.' })
  createdAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it last changed; null if never.' })
  modifiedAt!: Date | null;

  @Field(() => ConditionalAccessConditions, { description: 'When it applies.' })
  conditions!: ConditionalAccessConditions;

  @Field(() => ConditionalAccessGrantControls, { nullable: true, description: 'What it demands; null for a policy with session controls only.' })
  grantControls!: ConditionalAccessGrantControls | null;
}
