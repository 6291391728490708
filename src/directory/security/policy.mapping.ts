/** Graph's conditionalAccessPolicy JSON -> the ConditionalAccessPolicy GraphQL type. Pure. */
import { dateOrNull, enumOf, objectOf, objectOrNull, strings, text, textOrNull, type Json } from './json';
import {
  BuiltInControl,
  ClientAppType,
  GrantOperator,
  PolicyState,
  type ConditionalAccessConditions,
  type ConditionalAccessGrantControls,
  type ConditionalAccessIncludeExclude,
  type ConditionalAccessPolicy,
  type ConditionalAccessUsers,
} from './policy.types';

const STATES: Record<string, PolicyState> = {
  enabled: PolicyState.ENABLED,
  enabledforreportingbutnotenforced: PolicyState.REPORT_ONLY,
  disabled: PolicyState.DISABLED,
};

const CONTROLS: Record<string, BuiltInControl> = {
  block: BuiltInControl.BLOCK,
  mfa: BuiltInControl.MFA,
  compliantdevice: BuiltInControl.COMPLIANT_DEVICE,
  domainjoineddevice: BuiltInControl.DOMAIN_JOINED_DEVICE,
  approvedapplication: BuiltInControl.APPROVED_APPLICATION,
  compliantapplication: BuiltInControl.COMPLIANT_APPLICATION,
  passwordchange: BuiltInControl.PASSWORD_CHANGE,
};

const CLIENT_APP_TYPES: Record<string, ClientAppType> = {
  all: ClientAppType.ALL,
  browser: ClientAppType.BROWSER,
  mobileappsanddesktopclients: ClientAppType.MOBILE_APPS_AND_DESKTOP_CLIENTS,
  exchangeactivesync: ClientAppType.EXCHANGE_ACTIVE_SYNC,
  eassupported: ClientAppType.EASY_SUPPORTED,
  other: ClientAppType.OTHER,
};

export function policyState(value: unknown): PolicyState {
  return enumOf(STATES, value, PolicyState.UNKNOWN);
}

export function toConditionalAccessPolicy(json: Json): ConditionalAccessPolicy {
  const id = text(json.id);
  return {
    id,
    displayName: text(json.displayName) || id,
    state: policyState(json.state),
    createdAt: dateOrNull(json.createdDateTime),
    modifiedAt: dateOrNull(json.modifiedDateTime),
    conditions: toConditions(objectOf(json.conditions)),
    grantControls: toGrantControls(objectOrNull(json.grantControls)),
  };
}

function toConditions(conditions: Json): ConditionalAccessConditions {
  const applications = objectOf(conditions.applications);
  const includeApplications = strings(applications.includeApplications);
  return {
    applications: {
      includesAllApplications: hasKeyword(includeApplications, 'All'),
      includeApplications,
      excludeApplications: strings(applications.excludeApplications),
    },
    users: toUsers(objectOf(conditions.users)),
    clientAppTypes: strings(conditions.clientAppTypes).map((type) => enumOf(CLIENT_APP_TYPES, type, ClientAppType.UNKNOWN)),
    platforms: toIncludeExclude(objectOrNull(conditions.platforms), 'includePlatforms', 'excludePlatforms'),
    locations: toIncludeExclude(objectOrNull(conditions.locations), 'includeLocations', 'excludeLocations'),
    signInRiskLevels: strings(conditions.signInRiskLevels),
    userRiskLevels: strings(conditions.userRiskLevels),
  };
}

const USER_KEYWORDS = ['All', 'None', 'GuestsOrExternalUsers'];

/** includeUsers/excludeUsers mix object ids with keywords; the keywords become flags, the ids stay. */
function toUsers(users: Json): ConditionalAccessUsers {
  const includeUsers = strings(users.includeUsers);
  const excludeUsers = strings(users.excludeUsers);
  const ids = (values: string[]) => values.filter((value) => !USER_KEYWORDS.some((keyword) => sameText(value, keyword)));
  return {
    includesAllUsers: hasKeyword(includeUsers, 'All'),
    includesGuestsOrExternalUsers: hasKeyword(includeUsers, 'GuestsOrExternalUsers') || objectOrNull(users.includeGuestsOrExternalUsers) !== null,
    excludesGuestsOrExternalUsers: hasKeyword(excludeUsers, 'GuestsOrExternalUsers') || objectOrNull(users.excludeGuestsOrExternalUsers) !== null,
    includeUsers: ids(includeUsers),
    excludeUsers: ids(excludeUsers),
    includeGroups: strings(users.includeGroups),
    excludeGroups: strings(users.excludeGroups),
    includeRoles: strings(users.includeRoles),
    excludeRoles: strings(users.excludeRoles),
  };
}

function toIncludeExclude(value: Json | null, include: string, exclude: string): ConditionalAccessIncludeExclude | null {
  return value && { include: strings(value[include]), exclude: strings(value[exclude]) };
}

function toGrantControls(grant: Json | null): ConditionalAccessGrantControls | null {
  if (!grant) return null;
  const strength = objectOrNull(grant.authenticationStrength);
  return {
    operator: sameText(text(grant.operator), 'AND') ? GrantOperator.AND : GrantOperator.OR,
    builtInControls: strings(grant.builtInControls).map((control) => enumOf(CONTROLS, control, BuiltInControl.UNKNOWN)),
    authenticationStrength: strength && { id: textOrNull(strength.id), displayName: textOrNull(strength.displayName) },
    customAuthenticationFactors: strings(grant.customAuthenticationFactors),
    termsOfUse: strings(grant.termsOfUse),
  };
}

function hasKeyword(values: readonly string[], keyword: string): boolean {
  return values.some((value) => sameText(value, keyword));
}

function sameText(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.toLowerCase();
}
