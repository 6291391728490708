/**
 * Is MFA enforced for one application, for whom, and who is left out? A pure reading of a tenant's
 * conditional-access policies (Graph's conditionalAccessPolicy JSON), for security reviews and the drift rule
 * "MFA for the product's app no longer enforced".
 *
 * The answer errs on the side of reporting a gap: where the policies alone cannot tell (group membership, role
 * holders, a custom control, a grant Graph did not fully return), a user is assumed NOT to be covered. A false
 * "enforced" misleads a reviewer; a false gap only costs a second look.
 *
 * Policy data comes from customers' tenants: every field may be missing, null or of the wrong type, and
 * nothing here throws on it.
 */

type Ids = readonly string[] | null | undefined;

/** Graph's conditionalAccessPolicy, as much of it as the analysis reads. */
export interface CaPolicy {
  id: string;
  displayName?: string | null;
  /** enabled | disabled | enabledForReportingButNotEnforced */
  state?: string | null;
  conditions?: CaConditions | null;
  grantControls?: CaGrantControls | null;
}

export interface CaConditions {
  applications?: { includeApplications?: Ids; excludeApplications?: Ids } | null;
  users?: CaUsers | null;
  clientAppTypes?: Ids;
  platforms?: { includePlatforms?: Ids; excludePlatforms?: Ids } | null;
  locations?: { includeLocations?: Ids; excludeLocations?: Ids } | null;
  signInRiskLevels?: Ids;
  userRiskLevels?: Ids;
  devices?: { deviceFilter?: { mode?: string | null; rule?: string | null } | null } | null;
}

export interface CaUsers {
  includeUsers?: Ids;
  excludeUsers?: Ids;
  includeGroups?: Ids;
  excludeGroups?: Ids;
  includeRoles?: Ids;
  excludeRoles?: Ids;
  excludeGuestsOrExternalUsers?: { guestOrExternalUserTypes?: string | null } | null;
}

export interface CaGrantControls {
  operator?: string | null;
  builtInControls?: Ids;
  customAuthenticationFactors?: Ids;
  termsOfUse?: Ids;
  /** Graph may leave this out on read (see GrantKind UNREADABLE). */
  authenticationStrength?: { id?: string | null; displayName?: string | null; requirementsSatisfied?: string | null } | null;
}

/**
 * What a policy's grant controls demand of a sign-in it applies to.
 * - MFA: MFA is required (mfa or an MFA-grade authentication strength, alone, with AND, or OR'ed only with
 *   other MFA-grade controls).
 * - MFA_OR_OTHER: operator OR with a non-MFA alternative (mfa OR compliantDevice): MFA can be skipped.
 * - BLOCK: sign-in refused. Not "MFA enforced", but not a gap either.
 * - OTHER: controls that neither require MFA nor block (compliantDevice alone, terms of use, a custom control,
 *   a custom strength that does not satisfy MFA), or no grant controls at all (session controls only).
 * - UNREADABLE: grant controls with no control at all, or not an object (see classifyGrant).
 * Enabled OTHER policies do not bear on the MFA question and are left out of the result; report-only and
 * disabled policies are reported whatever their kind (see reportOnlyPolicies).
 */
export type GrantKind = 'MFA' | 'MFA_OR_OTHER' | 'BLOCK' | 'OTHER' | 'UNREADABLE';

/** One policy, and in a sentence what it does for the app. */
export interface PolicyFinding {
  id: string;
  displayName: string;
  state: string;
  grant: GrantKind;
  reason: string;
}

/**
 * Someone a policy can name. Role ids are directory role TEMPLATE ids, as Graph's policies use them. All ids
 * in the result are lower-cased (Graph GUIDs compare case-insensitively).
 */
export type Principal = { kind: 'USER' | 'GROUP' | 'ROLE'; id: string } | { kind: 'GUESTS' };

export interface MfaCoverage {
  /** A deciding policy targets "All" users (guests included), before exclusions. */
  allUsers: boolean;
  users: string[];
  groups: string[];
  roles: string[];
  /** A deciding policy targets "GuestsOrExternalUsers". */
  guests: boolean;
}

/**
 * Who is left out: principals excluded by a deciding or blocking policy and not covered by any other policy
 * that targets them (see openExclusions for what "targets" can mean without group membership).
 */
export interface MfaExclusions {
  users: string[];
  groups: string[];
  roles: string[];
  guests: boolean;
  /**
   * Gaps that exist only for people in ALL principals of an entry at once: [[group X, group Y]] means
   * "members of both X and Y" (policy A excludes X, policy B excludes Y). Whether anyone is in both needs the
   * membership, which the policies do not hold.
   */
  overlaps: Principal[][];
  /** Enabled policies that would require MFA for the app but name it in excludeApplications. */
  appExcludedBy: PolicyFinding[];
}

export type MfaEnforcementLevel = 'ALL_USERS' | 'SOME_USERS' | 'NONE';

export interface MfaEnforcement {
  appId: string;
  /**
   * ALL_USERS: every user must pass MFA or is blocked, with no exclusion left open; SOME_USERS: MFA is
   * required of some users only (narrow targeting or open exclusions); NONE: no enabled policy requires it.
   */
  enforced: MfaEnforcementLevel;
  /** Whom the deciding policies target, before exclusions. */
  coverage: MfaCoverage;
  exclusions: MfaExclusions;
  /** Enabled policies that require MFA for the app on every sign-in of the users they target. */
  decidingPolicies: PolicyFinding[];
  /** Enabled policies that block the app for the users they target; they close gaps but enforce no MFA. */
  blockingPolicies: PolicyFinding[];
  /**
   * Enabled policies that apply to the app but do not count: MFA is one alternative among others,
   * conditions (locations, platforms, risk, client app types, device filters) limit when they apply, their
   * grant could not be read, or they target no one.
   */
  partialPolicies: PolicyFinding[];
  /**
   * Report-only policies (enabledForReportingButNotEnforced) that target the app (All apps or its id, not
   * excluded), whatever their grant, with what they would do. Never counted: they close no gap.
   */
  reportOnlyPolicies: PolicyFinding[];
  /** Disabled policies (or in an unknown state) that target the app, whatever their grant. Never counted. */
  disabledPolicies: PolicyFinding[];
}

export function analyzeMfaEnforcement(input: { appId: string; policies: readonly CaPolicy[] }): MfaEnforcement {
  const appId = normalize(input.appId);
  const result: MfaEnforcement = {
    appId: input.appId,
    enforced: 'NONE',
    coverage: { allUsers: false, users: [], groups: [], roles: [], guests: false },
    exclusions: { users: [], groups: [], roles: [], guests: false, overlaps: [], appExcludedBy: [] },
    decidingPolicies: [],
    blockingPolicies: [],
    partialPolicies: [],
    reportOnlyPolicies: [],
    disabledPolicies: [],
  };
  const deciding: ReadPolicy[] = [];
  const protecting: ReadPolicy[] = [];

  for (const raw of Array.isArray(input.policies) ? input.policies : []) {
    if (!raw || typeof raw !== 'object') continue;
    const policy = readPolicy(raw, appId);
    const { grant } = policy;
    if (policy.app === 'NOT_TARGETED') continue;
    const finding = (reason: string): PolicyFinding => ({ ...policy.ref, grant: grant.kind, reason });
    const does = `${grant.description} for ${describeAudience(policy.include, policy.exclude)}`;

    if (policy.state !== 'enabled') {
      // Reported whatever the grant, so a reviewer sees what the policy would do once switched on.
      if (policy.app !== 'APPLIES') continue;
      const list = policy.state === 'enabledForReportingButNotEnforced' ? result.reportOnlyPolicies : result.disabledPolicies;
      list.push(finding(`${does}${describeLimits(policy.limits)}`));
    } else if (grant.kind === 'OTHER') {
      // Neither requires MFA nor blocks: an enabled policy of this kind does not bear on the answer.
      continue;
    } else if (policy.app === 'APP_EXCLUDED') {
      if (grant.kind === 'MFA') result.exclusions.appExcludedBy.push(finding(`${does}, but excludes this app`));
    } else if (!targetsAnyone(policy)) {
      result.partialPolicies.push(finding(`${grant.description}, but targets no users`));
    } else if ((grant.kind === 'MFA' || grant.kind === 'BLOCK') && policy.limits.length === 0) {
      protecting.push(policy);
      if (grant.kind === 'MFA') {
        deciding.push(policy);
        result.decidingPolicies.push(finding(does));
      } else {
        result.blockingPolicies.push(finding(does));
      }
    } else {
      result.partialPolicies.push(finding(`${does}${describeLimits(policy.limits)}`));
    }
  }

  for (const policy of deciding) {
    const { coverage } = result;
    coverage.allUsers ||= policy.include.allUsers;
    coverage.guests ||= policy.include.guests;
    addAll(coverage.users, policy.include.users);
    addAll(coverage.groups, policy.include.groups);
    addAll(coverage.roles, policy.include.roles);
  }

  for (const gap of openExclusions(protecting)) {
    if (gap.length > 1) {
      result.exclusions.overlaps.push(gap.map(principalOf));
      continue;
    }
    const principal = principalOf(gap[0]);
    if (principal.kind === 'GUESTS') result.exclusions.guests = true;
    else if (principal.kind === 'USER') result.exclusions.users.push(principal.id);
    else if (principal.kind === 'GROUP') result.exclusions.groups.push(principal.id);
    else result.exclusions.roles.push(principal.id);
  }

  if (deciding.length > 0) {
    const someoneTargetsAll = protecting.some((policy) => policy.include.allUsers);
    const open = result.exclusions;
    const noGap = !open.guests && open.users.length + open.groups.length + open.roles.length + open.overlaps.length === 0;
    result.enforced = someoneTargetsAll && noGap ? 'ALL_USERS' : 'SOME_USERS';
  }
  return result;
}

// ---- Reading one policy ---------------------------------------------------------------------------------

/** Who a policy names in include or exclude. Ids are lower-cased: Graph GUIDs compare case-insensitively. */
interface Audience {
  allUsers: boolean;
  users: string[];
  groups: string[];
  roles: string[];
  guests: boolean;
}

interface Grant {
  kind: GrantKind;
  /** A verb phrase: "requires MFA (mfa AND compliantDevice)", "blocks access", "requires compliantDevice (no MFA)". */
  description: string;
}

interface ReadPolicy {
  ref: { id: string; displayName: string; state: string };
  state: string;
  app: 'APPLIES' | 'APP_EXCLUDED' | 'NOT_TARGETED';
  include: Audience;
  exclude: Audience;
  grant: Grant;
  /** Conditions that limit which sign-ins the policy applies to, in words; empty when it applies to all. */
  limits: string[];
}

function readPolicy(policy: CaPolicy, appId: string): ReadPolicy {
  const id = text(policy.id);
  const state = text(policy.state);
  const conditions = objectOr(policy.conditions);
  const users = objectOr(conditions.users);
  return {
    ref: { id, displayName: text(policy.displayName) || id, state },
    state,
    app: appTargeting(objectOr(conditions.applications), appId),
    include: audience(users.includeUsers, users.includeGroups, users.includeRoles, false),
    // excludeGuestsOrExternalUsers may name only some guest types; it is reported as "guests" all the same,
    // which can only overstate the gap.
    exclude: audience(users.excludeUsers, users.excludeGroups, users.excludeRoles, users.excludeGuestsOrExternalUsers != null),
    grant: classifyGrant(policy.grantControls),
    limits: limitingConditions(conditions),
  };
}

/**
 * "All" covers every app, the app id itself covers it; "Office365" and "MicrosoftAdminPortals" are
 * Microsoft's own app groups and never contain a third-party app; "None" covers nothing.
 */
function appTargeting(applications: NonNullable<CaConditions['applications']>, appId: string): ReadPolicy['app'] {
  const include = ids(applications.includeApplications);
  if (!include.includes('all') && !include.includes(appId)) return 'NOT_TARGETED';
  return ids(applications.excludeApplications).includes(appId) ? 'APP_EXCLUDED' : 'APPLIES';
}

function audience(users: unknown, groups: unknown, roles: unknown, guests: boolean): Audience {
  const userIds = ids(users);
  return {
    allUsers: userIds.includes('all'),
    // "None" names no one and drops out here.
    users: userIds.filter((user) => user !== 'all' && user !== 'none' && user !== 'guestsorexternalusers'),
    groups: ids(groups),
    roles: ids(roles),
    guests: guests || userIds.includes('guestsorexternalusers'),
  };
}

function targetsAnyone(policy: ReadPolicy): boolean {
  const { include, exclude } = policy;
  // Graph refuses "All" in excludeUsers; should it arrive anyway, the policy covers no one.
  if (exclude.allUsers) return false;
  return include.allUsers || include.guests || include.users.length + include.groups.length + include.roles.length > 0;
}

/**
 * Reads grantControls. Graph's rules: "block" stands alone; with several controls, operator AND requires all
 * of them and OR any one. A single control needs no operator; a missing operator with several controls is read
 * as OR, the weaker reading. Custom controls (customAuthenticationFactors, e.g. a third-party MFA provider) and
 * terms of use are not MFA as far as the policy can show. Graph returns null grantControls for a policy with
 * session controls only.
 */
function classifyGrant(value: CaGrantControls | null | undefined): Grant {
  if (value == null) return { kind: 'OTHER', description: 'has no grant controls (session controls at most)' };
  if (typeof value !== 'object' || Array.isArray(value)) return { kind: 'UNREADABLE', description: 'has grant controls that could not be read' };
  const builtIn = strings(value.builtInControls);
  if (builtIn.some((control) => control.toLowerCase() === 'block')) return { kind: 'BLOCK', description: 'blocks access' };

  const strength = objectOr(value.authenticationStrength);
  // Built-in strengths all satisfy MFA; a custom strength says so in requirementsSatisfied ("mfa" | "none")
  // when Graph returns it.
  const strengthIsMfa = text(strength.requirementsSatisfied).toLowerCase() !== 'none';
  const controls: { name: string; mfa: boolean }[] = [
    ...builtIn.map((control) => ({ name: control, mfa: control.toLowerCase() === 'mfa' })),
    ...(strength.id || strength.displayName
      ? [{ name: `authentication strength "${text(strength.displayName) || text(strength.id)}"`, mfa: strengthIsMfa }]
      : []),
    ...strings(value.customAuthenticationFactors).map((factor) => ({ name: `custom control "${factor}"`, mfa: false })),
    ...strings(value.termsOfUse).map((terms) => ({ name: `terms of use "${terms}"`, mfa: false })),
  ];
  if (controls.length === 0) {
    // Entra refuses a grant with no control, so an empty one is a read that lost something: typically the
    // authentication strength, which Graph may leave out. It might require MFA; it cannot be counted.
    return { kind: 'UNREADABLE', description: 'has grant controls with no control that could be read (an authentication strength may be missing from the read)' };
  }
  const and = text(value.operator).toUpperCase() === 'AND';
  const listed = controls.map((control) => control.name).join(and ? ' AND ' : ' OR ');
  if (!controls.some((control) => control.mfa)) return { kind: 'OTHER', description: `requires ${listed} (no MFA)` };
  if (and || controls.every((control) => control.mfa)) return { kind: 'MFA', description: `requires MFA (${listed})` };
  const alternatives = controls.filter((control) => !control.mfa).map((control) => control.name);
  return { kind: 'MFA_OR_OTHER', description: `accepts ${alternatives.join(' or ')} instead of MFA (${listed})` };
}

/**
 * Conditions that make a policy apply to some sign-ins only. A policy that requires MFA "except from trusted
 * locations" or "only at high sign-in risk" does not enforce MFA, however its users and apps read.
 * Client app types: an OAuth app signs in through browsers and modern ("mobileAppsAndDesktopClients")
 * clients only; legacy types (exchangeActiveSync, other) cannot do MFA and do not matter for it.
 */
function limitingConditions(conditions: CaConditions): string[] {
  const limits: string[] = [];
  const clientAppTypes = ids(conditions.clientAppTypes);
  const allModernClients = clientAppTypes.includes('browser') && clientAppTypes.includes('mobileappsanddesktopclients');
  if (clientAppTypes.length > 0 && !clientAppTypes.includes('all') && !allModernClients) {
    limits.push(`client app types ${strings(conditions.clientAppTypes).join(', ')}`);
  }
  const platforms = objectOr(conditions.platforms);
  const includePlatforms = ids(platforms.includePlatforms);
  const excludePlatforms = strings(platforms.excludePlatforms);
  if ((includePlatforms.length > 0 && !includePlatforms.includes('all')) || excludePlatforms.length > 0) {
    limits.push(`device platforms ${describeIncludeExclude(strings(platforms.includePlatforms), excludePlatforms)}`);
  }
  const locations = objectOr(conditions.locations);
  const includeLocations = ids(locations.includeLocations);
  const excludeLocations = strings(locations.excludeLocations);
  if ((includeLocations.length > 0 && !includeLocations.includes('all')) || excludeLocations.length > 0) {
    limits.push(`locations ${describeIncludeExclude(strings(locations.includeLocations), excludeLocations)}`);
  }
  const signInRisk = strings(conditions.signInRiskLevels);
  if (signInRisk.length > 0) limits.push(`sign-in risk ${signInRisk.join(', ')}`);
  const userRisk = strings(conditions.userRiskLevels);
  if (userRisk.length > 0) limits.push(`user risk ${userRisk.join(', ')}`);
  const deviceFilter = objectOr(objectOr(conditions.devices).deviceFilter);
  if (text(deviceFilter.rule)) limits.push(`devices where filter (${text(deviceFilter.mode) || 'include'}) ${text(deviceFilter.rule)}`);
  return limits;
}

// ---- Exclusions across policies -------------------------------------------------------------------------

/** A principal as a set element: "user:<id>", "group:<id>", "role:<id>" or "guests". */
type Atom = string;
/** People in every atom of the term at once. */
type Term = Atom[];

/** Beyond this many terms for one exclusion, the exclusion is reported whole (overstating, never hiding). */
const MAX_TERMS_PER_EXCLUSION = 64;

/**
 * The exclusions left open by the protecting (MFA or block) policies together, as a union of terms.
 *
 * A person in exclusion e of policy A is still protected by any policy B that targets e directly (B targets
 * All users, or names e itself) unless they are also in one of B's exclusions. So the open part of e is
 *   e ∩ ⋂_{B targets e} (⋃ exclusions of B)
 * expanded into terms and simplified: a term with two different users is empty (a user is one person), and a
 * term containing another term adds nothing. A policy B that excludes e itself leaves e wholly open.
 *
 * What cannot be known without expanding membership, and is therefore reported as open (overstated):
 * - a user excluded by A but included by B only through a group or a role (e.g. a user excluded via group X
 *   but included via group Y, or excluded by id but holding a role B targets);
 * - a group excluded by A whose members B targets through other groups or roles;
 * - whether an excluded user is a guest (the term [user, guests] stays as an overlap).
 * And overlaps such as "members of both X and Y" may well be empty; only the membership can tell.
 */
function openExclusions(protecting: readonly ReadPolicy[]): Term[] {
  const excluded = unique(protecting.flatMap((policy) => atomsOf(policy.exclude)));
  const terms = excluded.flatMap((atom) => {
    const factors = protecting.filter((policy) => targetsDirectly(policy.include, atom)).map((policy) => atomsOf(policy.exclude));
    return openPart(atom, factors);
  });
  return simplify(terms);
}

function openPart(atom: Atom, factors: readonly Atom[][]): Term[] {
  let terms: Term[] = [[atom]];
  for (const factor of factors) {
    // Every term already lies inside `atom`, so a factor that contains it changes nothing.
    if (factor.includes(atom)) continue;
    terms = simplify(terms.flatMap((term) => factor.map((other) => [...term, other])));
    if (terms.length === 0) return [];
    if (terms.length > MAX_TERMS_PER_EXCLUSION) return [[atom]];
  }
  return terms;
}

function simplify(terms: readonly Term[]): Term[] {
  const possible = terms
    .map((term) => unique(term))
    .filter((term) => term.filter((atom) => atom.startsWith('user:')).length <= 1);
  const distinct = possible.filter((term, index) => possible.findIndex((other) => sameSet(term, other)) === index);
  return distinct.filter((term) => !distinct.some((other) => other.length < term.length && other.every((atom) => term.includes(atom))));
}

function atomsOf(audience: Audience): Atom[] {
  return [
    ...audience.users.map((id) => `user:${id}`),
    ...audience.groups.map((id) => `group:${id}`),
    ...audience.roles.map((id) => `role:${id}`),
    ...(audience.guests ? ['guests'] : []),
  ];
}

function targetsDirectly(include: Audience, atom: Atom): boolean {
  return include.allUsers || atomsOf(include).includes(atom);
}

const ATOM_KINDS = { user: 'USER', group: 'GROUP', role: 'ROLE' } as const;

function principalOf(atom: Atom): Principal {
  if (atom === 'guests') return { kind: 'GUESTS' };
  const separator = atom.indexOf(':');
  return { kind: ATOM_KINDS[atom.slice(0, separator) as keyof typeof ATOM_KINDS], id: atom.slice(separator + 1) };
}

// ---- Words ----------------------------------------------------------------------------------------------

function describeAudience(include: Audience, exclude: Audience): string {
  const included = include.allUsers ? 'All users' : describePrincipals(include) || 'no users';
  const excluded = describePrincipals(exclude);
  return excluded ? `${included} except ${excluded}` : included;
}

function describePrincipals(audience: Audience): string {
  const parts: string[] = [];
  if (audience.users.length > 0) parts.push(`users ${audience.users.join(', ')}`);
  if (audience.groups.length > 0) parts.push(`groups ${audience.groups.join(', ')}`);
  if (audience.roles.length > 0) parts.push(`roles ${audience.roles.join(', ')}`);
  if (audience.guests) parts.push('guests or external users');
  return parts.join('; ');
}

function describeLimits(limits: readonly string[]): string {
  return limits.length > 0 ? `, only for ${limits.join('; ')}` : '';
}

function describeIncludeExclude(include: readonly string[], exclude: readonly string[]): string {
  return [include.length > 0 ? `include ${include.join(', ')}` : '', exclude.length > 0 ? `exclude ${exclude.join(', ')}` : '']
    .filter(Boolean)
    .join(', ');
}

// ---- Tolerant reading of untrusted JSON -----------------------------------------------------------------

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item.trim() !== '').map((item) => item.trim()) : [];
}

/** Strings lower-cased for comparison: keywords ("All", "None", ...) and GUIDs alike. */
function ids(value: unknown): string[] {
  return unique(strings(value).map(normalize));
}

function normalize(value: unknown): string {
  return typeof value === 'string' ? value.trim().toLowerCase() : '';
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function objectOr<T extends object>(value: T | null | undefined): Partial<T> {
  return value && typeof value === 'object' ? value : {};
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

function addAll(target: string[], items: readonly string[]): void {
  for (const item of items) if (!target.includes(item)) target.push(item);
}
