/**
 * Drift rules: what in a customer's tenant has moved away from what the product relies on. Pure functions over
 * plain inputs (no database, no Graph, no clock: `now` is an input), in the style of shouldRefreshCredentials:
 * the service gathers the facts, these decide, reconcile.ts stores.
 *
 * Every rule is evaluated only when its inputs are present. An absent input (policies not due on this round,
 * a Graph read that failed, a caller that knows nothing of sync failures) means "not evaluated", and findings
 * of rules not evaluated are left as they are: a failed read must never resolve a finding.
 */
import { summarizeCredentials, type GraphCredential } from '../../directory/credentials';
import type { MfaEnforcement, MfaEnforcementLevel } from '../../directory/mfa-analysis';
import { missingPermissions, type Feature } from '../../tenants/features';

export enum DriftRule {
  MAPPED_GROUP_DELETED = 'MAPPED_GROUP_DELETED',
  MAPPED_GROUP_RENAMED = 'MAPPED_GROUP_RENAMED',
  MAPPED_GROUP_DYNAMIC = 'MAPPED_GROUP_DYNAMIC',
  MFA_NOT_ENFORCED = 'MFA_NOT_ENFORCED',
  CREDENTIAL_EXPIRING = 'CREDENTIAL_EXPIRING',
  CONSENT_LOST = 'CONSENT_LOST',
  SCOPES_MISSING = 'SCOPES_MISSING',
  SYNC_FAILING = 'SYNC_FAILING',
  CHANGE_NOTIFICATIONS_FAILING = 'CHANGE_NOTIFICATIONS_FAILING',
}

export const ALL_DRIFT_RULES: readonly DriftRule[] = Object.values(DriftRule);

export enum DriftSeverity {
  INFO = 'INFO',
  WARNING = 'WARNING',
  CRITICAL = 'CRITICAL',
}

/** One thing found wrong now. (rule, subjectId) identifies it across evaluations. */
export interface DriftFinding {
  rule: DriftRule;
  /** What the finding is about: a group id, a credential key id, a permission, or a fixed word for the tenant. */
  subjectId: string;
  severity: DriftSeverity;
  summary: string;
  details: Record<string, unknown>;
}

/** Subject ids of findings about the tenant as a whole. */
export const TENANT_SUBJECT = {
  consent: 'consent',
  sync: 'sync',
  mfaEnforcement: 'enforcement',
} as const;

// ---- Mapped groups ---------------------------------------------------------------------------------------

/** A group as the directory (live read or snapshot) shows it now. */
export interface GroupState {
  displayName: string | null;
  groupTypes: readonly string[];
}

export interface MappedGroupInput {
  groupId: string;
  /** The name recorded when the group was mapped (tier_mappings.group_display_name). */
  recordedDisplayName: string;
  /** Null: the group no longer exists. */
  current: GroupState | null;
}

export function mappedGroupFindings(groups: readonly MappedGroupInput[]): DriftFinding[] {
  const findings: DriftFinding[] = [];
  for (const { groupId, recordedDisplayName, current } of groups) {
    const subjectId = groupId.toLowerCase();
    if (current === null) {
      findings.push({
        rule: DriftRule.MAPPED_GROUP_DELETED,
        subjectId,
        severity: DriftSeverity.CRITICAL,
        summary: `Mapped group "${recordedDisplayName}" (${groupId}) no longer exists: its members reach no tier through it`,
        details: { groupId: subjectId, recordedDisplayName },
      });
      continue;
    }
    if (current.displayName !== recordedDisplayName) {
      findings.push({
        rule: DriftRule.MAPPED_GROUP_RENAMED,
        subjectId,
        severity: DriftSeverity.WARNING,
        summary: `Mapped group "${recordedDisplayName}" (${groupId}) is now named "${current.displayName ?? ''}": check it still means the same people`,
        details: { groupId: subjectId, recordedDisplayName, currentDisplayName: current.displayName },
      });
    }
    if (current.groupTypes.some((type) => type.toLowerCase() === 'dynamicmembership')) {
      findings.push({
        rule: DriftRule.MAPPED_GROUP_DYNAMIC,
        subjectId,
        severity: DriftSeverity.WARNING,
        summary: `Mapped group "${current.displayName ?? recordedDisplayName}" (${groupId}) has dynamic membership: a rule, not an admin, decides who gets its tier`,
        details: { groupId: subjectId, displayName: current.displayName, groupTypes: [...current.groupTypes] },
      });
    }
  }
  return findings;
}

// ---- MFA for the product's app ---------------------------------------------------------------------------

/**
 * What MFA for the product's app was accepted as: set from the first analysis, then only ever tightened
 * (nextMfaBaseline). A finding opens when the analysis falls below it; it resolves when the tenant is back.
 */
export interface MfaBaseline {
  level: MfaEnforcementLevel;
  /** A deciding policy targeted all users. */
  allUsers: boolean;
  /** Open exclusions accepted at baseline, as exclusionKeys gives them. */
  exclusions: string[];
}

const LEVEL_RANK: Record<MfaEnforcementLevel, number> = { NONE: 0, SOME_USERS: 1, ALL_USERS: 2 };

/** Every open exclusion of an analysis as a stable key: "user:<id>", "group:<id>", "role:<id>", "guests", ... */
export function exclusionKeys(enforcement: MfaEnforcement): string[] {
  const { exclusions } = enforcement;
  const keys = [
    ...exclusions.users.map((id) => `user:${id}`),
    ...exclusions.groups.map((id) => `group:${id}`),
    ...exclusions.roles.map((id) => `role:${id}`),
    ...(exclusions.guests ? ['guests'] : []),
    ...exclusions.overlaps.map((overlap) => `overlap:${overlap.map((p) => (p.kind === 'GUESTS' ? 'guests' : `${p.kind.toLowerCase()}:${p.id}`)).sort().join('+')}`),
    ...exclusions.appExcludedBy.map((policy) => `app-excluded-by:${policy.id}`),
  ];
  return [...new Set(keys)].sort();
}

export function nextMfaBaseline(baseline: MfaBaseline | null, enforcement: MfaEnforcement): MfaBaseline {
  const current = exclusionKeys(enforcement);
  if (!baseline) return { level: enforcement.enforced, allUsers: enforcement.coverage.allUsers, exclusions: current };
  return {
    level: LEVEL_RANK[enforcement.enforced] > LEVEL_RANK[baseline.level] ? enforcement.enforced : baseline.level,
    allUsers: baseline.allUsers || enforcement.coverage.allUsers,
    // An exclusion that went away is no longer accepted: adding it back is drift.
    exclusions: baseline.exclusions.filter((key) => current.includes(key)),
  };
}

/**
 * MFA_NOT_ENFORCED findings: "enforcement" when no enabled policy requires MFA for the app, or when it is
 * required of fewer people than at baseline (ALL_USERS -> SOME_USERS, or no policy for all users any more);
 * "exclusion:<key>" for each open exclusion the baseline did not have. Without a baseline (first evaluation)
 * only NONE is a finding: exclusions already there are the tenant's accepted state.
 */
export function mfaFindings(enforcement: MfaEnforcement, baseline: MfaBaseline | null): DriftFinding[] {
  const findings: DriftFinding[] = [];
  const level = enforcement.enforced;
  const details = {
    appId: enforcement.appId,
    enforced: level,
    baseline: baseline ? { level: baseline.level, allUsers: baseline.allUsers } : null,
    decidingPolicies: enforcement.decidingPolicies.map(({ id, displayName }) => ({ id, displayName })),
  };
  if (level === 'NONE') {
    findings.push({
      rule: DriftRule.MFA_NOT_ENFORCED,
      subjectId: TENANT_SUBJECT.mfaEnforcement,
      severity: DriftSeverity.CRITICAL,
      summary: `No enabled conditional-access policy requires MFA for the product's app (${enforcement.appId})`,
      details,
    });
  } else if (baseline && (LEVEL_RANK[level] < LEVEL_RANK[baseline.level] || (baseline.allUsers && !enforcement.coverage.allUsers))) {
    const { coverage } = enforcement;
    const now = coverage.allUsers
      ? 'all users, with exclusions'
      : [coverage.users.length && `${coverage.users.length} user(s)`, coverage.groups.length && `${coverage.groups.length} group(s)`, coverage.roles.length && `${coverage.roles.length} role(s)`, coverage.guests && 'guests']
          .filter(Boolean)
          .join(', ') || 'no one in particular';
    findings.push({
      rule: DriftRule.MFA_NOT_ENFORCED,
      subjectId: TENANT_SUBJECT.mfaEnforcement,
      severity: DriftSeverity.WARNING,
      summary: `MFA for the product's app is required of fewer people than before: was ${baseline.level}${baseline.allUsers ? ' (all users targeted)' : ''}, now ${level} (${now})`,
      details: { ...details, coverage },
    });
  }
  if (baseline) {
    const accepted = new Set(baseline.exclusions);
    for (const key of exclusionKeys(enforcement)) {
      if (accepted.has(key)) continue;
      findings.push({
        rule: DriftRule.MFA_NOT_ENFORCED,
        subjectId: `exclusion:${key}`,
        severity: DriftSeverity.WARNING,
        summary: `New exclusion from MFA for the product's app: ${key}`,
        details: { ...details, exclusion: key },
      });
    }
  }
  return findings;
}

// ---- The product's credentials ---------------------------------------------------------------------------

/** An application or service principal of the product's app id in the tenant. */
export interface CredentialHolder {
  kind: 'APPLICATION' | 'SERVICE_PRINCIPAL';
  id: string;
  passwordCredentials?: readonly GraphCredential[] | null;
  keyCredentials?: readonly GraphCredential[] | null;
}

/**
 * One finding per credential expiring within `withinDays` or expired. An expired credential is CRITICAL when
 * its holder has no valid one left (the app cannot sign in with what it has), a WARNING otherwise.
 */
export function credentialFindings(holders: readonly CredentialHolder[], now: Date, withinDays: number): DriftFinding[] {
  const findings: DriftFinding[] = [];
  for (const holder of holders) {
    const { credentials } = summarizeCredentials(holder, now, withinDays);
    const someValid = credentials.some((credential) => credential.status !== 'EXPIRED');
    for (const credential of credentials) {
      if (credential.status === 'VALID') continue;
      const expired = credential.status === 'EXPIRED';
      const name = credential.displayName ? `"${credential.displayName}"` : (credential.keyId ?? 'without a name');
      const what = `${credential.type === 'PASSWORD' ? 'Secret' : 'Certificate'} ${name} of the product's ${holder.kind === 'APPLICATION' ? 'application' : 'service principal'}`;
      const days = credential.expiresInDays ?? 0;
      findings.push({
        rule: DriftRule.CREDENTIAL_EXPIRING,
        subjectId: credential.keyId ?? `${holder.id}:${credential.type}:${credential.endsAt?.toISOString() ?? ''}`,
        severity: expired && !someValid ? DriftSeverity.CRITICAL : DriftSeverity.WARNING,
        summary: expired ? `${what} expired ${-days === 0 ? 'today' : `${-days} day(s) ago`}` : `${what} expires in ${days} day(s)`,
        details: {
          holder: { kind: holder.kind, id: holder.id },
          type: credential.type,
          keyId: credential.keyId,
          displayName: credential.displayName,
          endsAt: credential.endsAt?.toISOString() ?? null,
          status: credential.status,
        },
      });
    }
  }
  return findings;
}

// ---- Consent, scopes, sync -------------------------------------------------------------------------------

export interface TenantFacts {
  status: string;
  features: readonly string[];
  grantedScopes: readonly string[];
}

export function consentFindings(tenant: TenantFacts): DriftFinding[] {
  if (tenant.status !== 'RECONSENT_REQUIRED') return [];
  return [
    {
      rule: DriftRule.CONSENT_LOST,
      subjectId: TENANT_SUBJECT.consent,
      severity: DriftSeverity.CRITICAL,
      summary: "Consent for the product's app was lost (revoked or expired): an administrator must consent again (Tenant.reconsentUrl)",
      details: { status: tenant.status },
    },
  ];
}

export function scopeFindings(tenant: TenantFacts): DriftFinding[] {
  return missingPermissions(tenant.features as Feature[], tenant.grantedScopes).map((permission) => ({
    rule: DriftRule.SCOPES_MISSING,
    subjectId: permission,
    severity: DriftSeverity.WARNING,
    summary: `Permission ${permission}, needed by the tenant's features, is not granted: consent again to grant it`,
    details: { permission, features: [...tenant.features] },
  }));
}

export function syncFindings(consecutiveFailures: number, threshold: number): DriftFinding[] {
  if (consecutiveFailures < threshold) return [];
  return [
    {
      rule: DriftRule.SYNC_FAILING,
      subjectId: TENANT_SUBJECT.sync,
      severity: DriftSeverity.CRITICAL,
      summary: `Directory sync failed ${consecutiveFailures} times in a row (threshold ${threshold})`,
      details: { consecutiveFailures, threshold },
    },
  ];
}

// ---- Graph change notifications (issue 16) ----------------------------------------------------------------

/** A tenant's Graph subscription as graph_subscriptions records it (src/notifications). */
export interface NotificationSubscriptionFacts {
  resource: string;
  consecutiveFailures: number;
  lastError: string | null;
}

/** One WARNING per subscription whose creation or renewal keeps failing: changes then wait for the poll. */
export function notificationFindings(subscriptions: readonly NotificationSubscriptionFacts[]): DriftFinding[] {
  return subscriptions
    .filter((s) => s.consecutiveFailures > 0)
    .map((s) => ({
      rule: DriftRule.CHANGE_NOTIFICATIONS_FAILING,
      subjectId: `notifications:${s.resource}`,
      severity: DriftSeverity.WARNING,
      summary: `Graph change notifications for ${s.resource} failed ${s.consecutiveFailures} time(s) in a row: changes arrive at the poll interval until they work again`,
      details: { resource: s.resource, consecutiveFailures: s.consecutiveFailures, lastError: s.lastError },
    }));
}

// ---- All rules -------------------------------------------------------------------------------------------

export interface DriftInputs {
  now: Date;
  tenant: TenantFacts;
  /** Absent: the group rules are not evaluated. */
  mappedGroups?: readonly MappedGroupInput[];
  /** Absent: MFA_NOT_ENFORCED is not evaluated. */
  mfa?: { enforcement: MfaEnforcement; baseline: MfaBaseline | null };
  /** Absent: CREDENTIAL_EXPIRING is not evaluated. */
  credentials?: readonly CredentialHolder[];
  /** Absent: SYNC_FAILING is not evaluated. */
  syncFailures?: number;
  /** Absent: CHANGE_NOTIFICATIONS_FAILING is not evaluated. */
  notificationSubscriptions?: readonly NotificationSubscriptionFacts[];
  settings: { credentialDays: number; syncFailureThreshold: number };
}

export interface DriftEvaluation {
  findings: DriftFinding[];
  /** The rules whose findings are complete: reconcile resolves only these rules' vanished findings. */
  evaluated: DriftRule[];
  /** The MFA baseline to keep; absent when MFA was not evaluated. */
  mfaBaseline?: MfaBaseline;
}

export function evaluateDriftRules(inputs: DriftInputs): DriftEvaluation {
  const findings: DriftFinding[] = [];
  const evaluated: DriftRule[] = [DriftRule.CONSENT_LOST, DriftRule.SCOPES_MISSING];
  findings.push(...consentFindings(inputs.tenant), ...scopeFindings(inputs.tenant));
  if (inputs.mappedGroups) {
    evaluated.push(DriftRule.MAPPED_GROUP_DELETED, DriftRule.MAPPED_GROUP_RENAMED, DriftRule.MAPPED_GROUP_DYNAMIC);
    findings.push(...mappedGroupFindings(inputs.mappedGroups));
  }
  let mfaBaseline: MfaBaseline | undefined;
  if (inputs.mfa) {
    evaluated.push(DriftRule.MFA_NOT_ENFORCED);
    findings.push(...mfaFindings(inputs.mfa.enforcement, inputs.mfa.baseline));
    mfaBaseline = nextMfaBaseline(inputs.mfa.baseline, inputs.mfa.enforcement);
  }
  if (inputs.credentials) {
    evaluated.push(DriftRule.CREDENTIAL_EXPIRING);
    findings.push(...credentialFindings(inputs.credentials, inputs.now, inputs.settings.credentialDays));
  }
  if (inputs.syncFailures !== undefined) {
    evaluated.push(DriftRule.SYNC_FAILING);
    findings.push(...syncFindings(inputs.syncFailures, inputs.settings.syncFailureThreshold));
  }
  if (inputs.notificationSubscriptions) {
    evaluated.push(DriftRule.CHANGE_NOTIFICATIONS_FAILING);
    findings.push(...notificationFindings(inputs.notificationSubscriptions));
  }
  return { findings, evaluated, ...(mfaBaseline ? { mfaBaseline } : {}) };
}

// ---- Reconciling with what is stored ---------------------------------------------------------------------

export interface OpenFindingRef {
  id: string;
  rule: string;
  subjectId: string;
}

export interface FindingsDiff<T extends OpenFindingRef> {
  open: DriftFinding[];
  keep: Array<{ stored: T; current: DriftFinding }>;
  resolve: T[];
}

export const findingKey = (finding: { rule: string; subjectId: string }) => `${finding.rule}\u0000${finding.subjectId}`;

/**
 * What reconciling `current` with the stored open findings does: open the new ones, keep the ones still
 * there, resolve the vanished ones of the evaluated rules. A (rule, subject) given twice counts once.
 */
export function diffFindings<T extends OpenFindingRef>(stored: readonly T[], current: readonly DriftFinding[], evaluated: readonly string[]): FindingsDiff<T> {
  const byKey = new Map<string, DriftFinding>();
  for (const finding of current) if (!byKey.has(findingKey(finding))) byKey.set(findingKey(finding), finding);
  const storedKeys = new Set(stored.map(findingKey));
  const evaluatedRules = new Set(evaluated);
  return {
    open: [...byKey.values()].filter((finding) => !storedKeys.has(findingKey(finding))),
    keep: stored.filter((s) => byKey.has(findingKey(s))).map((s) => ({ stored: s, current: byKey.get(findingKey(s))! })),
    resolve: stored.filter((s) => !byKey.has(findingKey(s)) && evaluatedRules.has(s.rule)),
  };
}
