/**
 * The store's input validation, as pure functions: what Microsoft Graph checks on POST/PATCH of users, groups,
 * group members and conditional access policies, and the error messages it answers with (graph-facts §7-8).
 * Every check throws SimGraphError (400 unless said otherwise); the store calls them before it changes
 * anything, in the order Graph reports them.
 */
import { badRequest, notFound } from './errors';
import type { SimConditionalAccessPolicy, SimGroup, SimUser } from './model';
import type { CreateGroupInput, CreateUserInput } from './store';

/** How a writable property must look in a request body; anything else is "Invalid value specified". */
type PropType = 'string' | 'string?' | 'boolean' | 'string[]' | 'object' | 'object[]' | 'readOnly';

const USER_PROPS: Record<keyof SimUser, PropType> = {
  id: 'readOnly',
  createdDateTime: 'readOnly',
  displayName: 'string',
  givenName: 'string?',
  surname: 'string?',
  userPrincipalName: 'string',
  mail: 'string?',
  mailNickname: 'string',
  department: 'string?',
  jobTitle: 'string?',
  officeLocation: 'string?',
  mobilePhone: 'string?',
  businessPhones: 'string[]',
  preferredLanguage: 'string?',
  usageLocation: 'string?',
  accountEnabled: 'boolean',
  userType: 'string',
  assignedLicenses: 'object[]',
  passwordProfile: 'object',
};

const GROUP_PROPS: Record<keyof SimGroup, PropType> = {
  id: 'readOnly',
  createdDateTime: 'readOnly',
  displayName: 'string',
  description: 'string?',
  mailNickname: 'string',
  mail: 'string?',
  mailEnabled: 'boolean',
  securityEnabled: 'boolean',
  groupTypes: 'string[]',
  membershipRule: 'string?',
  membershipRuleProcessingState: 'string?',
  visibility: 'string?',
  isAssignableToRole: 'boolean',
};

const POLICY_PROPS: Record<keyof SimConditionalAccessPolicy, PropType> = {
  id: 'readOnly',
  createdDateTime: 'readOnly',
  modifiedDateTime: 'readOnly',
  displayName: 'string',
  state: 'string',
  conditions: 'object',
  grantControls: 'object',
  sessionControls: 'object',
};

const POLICY_STATES = ['enabled', 'disabled', 'enabledForReportingButNotEnforced'];
export const DYNAMIC = 'DynamicMembership';
/** Characters Entra refuses in mailNickname. */
const MAIL_NICKNAME_FORBIDDEN = /[@()\\[\]";:<>,\s]/;

// ---- users -----------------------------------------------------------------------------------------------

/** POST /users: required properties, a password, property types, password complexity, mailNickname. */
export function validateNewUser(input: CreateUserInput): void {
  requireProperties(input, ['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName']);
  if (!input.passwordProfile?.password) throw badRequest('A password must be specified to create a new user.');
  checkTypes(input, USER_PROPS, 'User');
  checkPassword(input.passwordProfile.password);
  checkMailNickname(input.mailNickname!, 'User');
}

/** PATCH /users/{id}: property types, then the password and mailNickname when they are set. */
export function validateUserPatch(patch: Partial<SimUser>): void {
  checkTypes(patch, USER_PROPS, 'User');
  if (patch.passwordProfile?.password) checkPassword(patch.passwordProfile.password);
  if (patch.mailNickname !== undefined) checkMailNickname(patch.mailNickname, 'User');
}

/**
 * A userPrincipalName must end in one of the tenant's verified domains and must not be held by another live
 * user (`holder`: the id of the user holding it now, if any; `selfId`: the user being updated).
 */
export function checkUpn(upn: string, verifiedDomains: readonly { name: string }[], holder: string | undefined, selfId: string | undefined): void {
  const at = upn.lastIndexOf('@');
  const domain = upn.slice(at + 1).toLowerCase();
  if (at > 0 && !upnWellFormed(upn)) {
    // Graph's wording for a value its property rule refuses (as for mailNickname), with a property detail.
    const message = "Invalid value specified for property 'userPrincipalName' of resource 'User'.";
    throw badRequest(message, [{ code: 'InvalidValue', message, target: 'userPrincipalName' }]);
  }
  if (at <= 0 || !verifiedDomains.some((d) => d.name.toLowerCase() === domain)) {
    const message =
      'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.';
    throw badRequest(message, [{ code: 'InvalidValue', message, target: 'userPrincipalName' }]);
  }
  if (holder !== undefined && holder !== selfId) {
    const message = 'Another object with the same value for property userPrincipalName already exists.';
    throw badRequest(message, [{ code: 'ObjectConflict', message, target: 'userPrincipalName' }]);
  }
}

/**
 * Entra's userPrincipalName rule (graph-facts §12, the "password policies and account restrictions" page):
 * before the "@" only A-Z a-z 0-9 ' . - _ ! # ^ ~ (RFC 5322's / = ? { } | * + $ % & ` are refused), one "@",
 * no period right before it, at most 64 characters before it and 48 after.
 */
export function upnWellFormed(upn: string): boolean {
  const at = upn.indexOf('@');
  if (at <= 0 || upn.indexOf('@', at + 1) >= 0) return false;
  const local = upn.slice(0, at);
  const domain = upn.slice(at + 1);
  return local.length <= 64 && /^[A-Za-z0-9'.\-_!#^~]+$/.test(local) && !local.endsWith('.') && domain.length > 0 && domain.length <= 48;
}

// ---- groups ----------------------------------------------------------------------------------------------

/** POST /groups: required properties, property types, mailNickname. checkDynamic runs on the built group. */
export function validateNewGroup(input: CreateGroupInput): void {
  requireProperties(input, ['displayName', 'mailEnabled', 'mailNickname', 'securityEnabled']);
  checkTypes(input, GROUP_PROPS, 'Group');
  checkMailNickname(input.mailNickname!, 'Group');
  // group resource type, isAssignableToRole: "securityEnabled must also be set to true" and the group cannot be
  // dynamic ([unverified] messages).
  if (input.isAssignableToRole && !input.securityEnabled) throw badRequest("A group with isAssignableToRole true must have securityEnabled true.");
  if (input.isAssignableToRole && input.groupTypes?.includes(DYNAMIC)) throw badRequest('A group with isAssignableToRole true cannot be a dynamic group.');
}

/** PATCH /groups/{id}: property types and mailNickname. checkDynamic runs on the merged group. */
export function validateGroupPatch(patch: Partial<SimGroup>): void {
  checkTypes(patch, GROUP_PROPS, 'Group');
  // Set at creation only (group resource type) [unverified message].
  if (patch.isAssignableToRole !== undefined) throw badRequest("Property 'isAssignableToRole' can only be set when the group is created.");
  if (patch.mailNickname !== undefined) checkMailNickname(patch.mailNickname, 'Group');
}

/** [unverified] messages; the rules themselves (rule required, no manual membership) are Entra's. */
export function checkDynamic(group: SimGroup): void {
  if (group.groupTypes.includes(DYNAMIC) && !group.membershipRule) {
    throw badRequest("Property membershipRule value is required but is empty or missing when groupTypes contains 'DynamicMembership'.");
  }
}

export function checkStaticMembership(group: SimGroup): void {
  if (group.groupTypes.includes(DYNAMIC)) {
    throw badRequest(`Members of the dynamic group '${group.id}' are managed by its membershipRule and cannot be added or removed.`);
  }
}

/** Adding `memberId` to `groupId` whose direct members are `members`. */
export function checkMemberAdd(groupId: string, memberId: string, members: ReadonlySet<string>): void {
  // [unverified] message; Entra refuses a group as its own member.
  if (memberId === groupId) throw badRequest('A group cannot be added as a member of itself.');
  if (members.has(memberId)) {
    throw badRequest("One or more added object references already exist for the following modified properties: 'members'.");
  }
}

/**
 * Removing an object that is not a direct member: real Graph answers 404 Request_ResourceNotFound (a real
 * response is quoted in microsoft-graph-docs issue 18714; graph-facts §12), not the 400 "One or more removed
 * object references do not exist" that graph-facts §8 once recorded. It is the same answer as for a member
 * that does not exist at all.
 */
export function checkMemberRemove(memberId: string, members: ReadonlySet<string>): void {
  if (!members.has(memberId)) throw notFound(memberId);
}

// ---- policies --------------------------------------------------------------------------------------------

/** PATCH /identity/conditionalAccess/policies/{id}: property types and a known state. */
export function validatePolicyPatch(patch: Partial<SimConditionalAccessPolicy>): void {
  checkTypes(patch, POLICY_PROPS, 'ConditionalAccessPolicy');
  if (patch.state !== undefined && !POLICY_STATES.includes(patch.state)) {
    throw badRequest(`Invalid value specified for property 'state' of resource 'ConditionalAccessPolicy': expected one of ${POLICY_STATES.join(', ')}, got '${patch.state}'.`);
  }
}

// ---- building blocks -------------------------------------------------------------------------------------

function requireProperties<T extends object>(body: T, names: (keyof T & string)[]): void {
  for (const name of names) {
    const value: unknown = body[name];
    if (value === undefined || value === null || value === '') {
      throw badRequest(`Property ${name} value is required but is empty or missing.`);
    }
  }
}

function checkTypes<T extends object>(
  body: Partial<T>,
  schema: Record<keyof T, PropType>,
  resource: string,
): void {
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    const type = (schema as Record<string, PropType>)[key];
    if (!type) throw badRequest(`Property '${key}' does not exist as a declared property or extension property.`);
    if (type === 'readOnly') throw badRequest(`Property '${key}' is read-only and cannot be set.`);
    if (!matches(type, value)) {
      throw badRequest(`Invalid value specified for property '${key}' of resource '${resource}'.`);
    }
  }
}

function matches(type: Exclude<PropType, 'readOnly'>, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'string?':
      return value === null || typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'object':
      return value === null || (typeof value === 'object' && !Array.isArray(value));
    case 'object[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null);
  }
}

/** Entra's default policy: 8 to 256 characters, three of lower case, upper case, digits, symbols. */
function checkPassword(password: unknown): void {
  if (typeof password !== 'string') throw badRequest("Invalid value specified for property 'passwordProfile' of resource 'User'.");
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
  if (password.length < 8 || password.length > 256 || classes < 3) {
    throw badRequest('The specified password does not comply with password complexity requirements. Please provide a different password.');
  }
}

function checkMailNickname(value: string, resource: 'User' | 'Group'): void {
  if (!value || value.length > 64 || MAIL_NICKNAME_FORBIDDEN.test(value)) {
    throw badRequest(`Invalid value specified for property 'mailNickname' of resource '${resource}'.`);
  }
}
