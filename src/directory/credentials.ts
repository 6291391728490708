/**
 * An application's or service principal's secrets and certificates, as a reviewer reads them: what each is,
 * when it ends, how many days are left. A pure function of Graph's passwordCredentials/keyCredentials and
 * "now", shared by the Application and ServicePrincipal types and the drift rule "credentials expiring".
 */

/** Graph's passwordCredential / keyCredential: only the fields read here, any of them possibly missing. */
export interface GraphCredential {
  displayName?: string | null;
  keyId?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
}

export type CredentialType = 'PASSWORD' | 'CERTIFICATE';
export type CredentialStatus = 'VALID' | 'EXPIRING_SOON' | 'EXPIRED';

export interface CredentialSummary {
  type: CredentialType;
  displayName: string | null;
  keyId: string | null;
  startsAt: Date | null;
  /** Null when Graph gave no (readable) end: such a credential is reported VALID, and sorts last. */
  endsAt: Date | null;
  /** Whole days from now to endsAt, rounded down: negative once expired (-1 on the day after). */
  expiresInDays: number | null;
  status: CredentialStatus;
}

export interface CredentialsSummary {
  /** Soonest end first. */
  credentials: CredentialSummary[];
  /**
   * The next credential to expire: the earliest end still ahead of now. When none is ahead (every credential
   * has expired), the one that expired last, marked EXPIRED: an app whose only secret expired must not look
   * like an app with no secrets. Old expired secrets next to live ones are listed in `expired`, not here,
   * since an expiry long past says nothing about the next outage.
   */
  soonestExpiry: CredentialSummary | null;
  /** Credentials already expired, the most recently expired first. */
  expired: CredentialSummary[];
}

/** Which apps a list keeps: those with a credential ending within N days (not yet ended), or already expired. */
export interface CredentialFilter {
  expiringWithinDays?: number | null;
  expired?: boolean | null;
}

/** Largest expiringWithinDays accepted (ten years): Graph lets secrets last at most two, certificates longer. */
export const MAX_EXPIRING_WITHIN_DAYS = 3650;

export const DEFAULT_EXPIRING_WITHIN_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

export function summarizeCredentials(
  app: { passwordCredentials?: readonly GraphCredential[] | null; keyCredentials?: readonly GraphCredential[] | null },
  now: Date,
  expiringWithinDays: number = DEFAULT_EXPIRING_WITHIN_DAYS,
): CredentialsSummary {
  const summarize = (type: CredentialType) => (credential: GraphCredential | null | undefined) =>
    summarizeOne(type, credential ?? {}, now, expiringWithinDays);
  const credentials = [
    ...listOf(app.passwordCredentials).map(summarize('PASSWORD')),
    ...listOf(app.keyCredentials).map(summarize('CERTIFICATE')),
  ].sort((a, b) => endTime(a) - endTime(b));
  const expired = credentials.filter((credential) => credential.status === 'EXPIRED').reverse();
  const ahead = credentials.find((credential) => credential.status !== 'EXPIRED');
  return { credentials, soonestExpiry: ahead ?? expired[0] ?? null, expired };
}

/** What is wrong with a filter (for BAD_USER_INPUT), or null. */
export function credentialFilterProblem(filter: CredentialFilter): string | null {
  const days = filter.expiringWithinDays;
  if (days != null && (!Number.isInteger(days) || days < 0 || days > MAX_EXPIRING_WITHIN_DAYS)) {
    return `expiringWithinDays: expected a whole number of days from 0 to ${MAX_EXPIRING_WITHIN_DAYS}, got ${days}`;
  }
  return null;
}

/** Whether any filter is set: without one, every app is kept. */
export function credentialFilterActive(filter: CredentialFilter): boolean {
  return filter.expiringWithinDays != null || filter.expired === true;
}

/**
 * Whether an app's credentials pass the filter: one expired (with `expired`), or one that has not ended and
 * ends within `expiringWithinDays` days of now (the end itself included). Either condition suffices.
 */
export function matchesCredentialFilter(summary: CredentialsSummary, filter: CredentialFilter, now: Date): boolean {
  if (!credentialFilterActive(filter)) return true;
  if (filter.expired === true && summary.expired.length > 0) return true;
  const days = filter.expiringWithinDays;
  if (days == null) return false;
  const horizon = now.getTime() + days * DAY_MS;
  return summary.credentials.some((c) => c.status !== 'EXPIRED' && c.endsAt !== null && c.endsAt.getTime() <= horizon);
}

function summarizeOne(type: CredentialType, credential: GraphCredential, now: Date, expiringWithinDays: number): CredentialSummary {
  const endsAt = dateOf(credential.endDateTime);
  const remainingMs = endsAt ? endsAt.getTime() - now.getTime() : null;
  return {
    type,
    displayName: typeof credential.displayName === 'string' ? credential.displayName : null,
    keyId: typeof credential.keyId === 'string' ? credential.keyId : null,
    startsAt: dateOf(credential.startDateTime),
    endsAt,
    expiresInDays: remainingMs === null ? null : Math.floor(remainingMs / DAY_MS),
    // A credential stops working at endDateTime itself.
    status: remainingMs === null ? 'VALID' : remainingMs <= 0 ? 'EXPIRED' : remainingMs < expiringWithinDays * DAY_MS ? 'EXPIRING_SOON' : 'VALID',
  };
}

function listOf(value: readonly GraphCredential[] | null | undefined): readonly (GraphCredential | null | undefined)[] {
  return Array.isArray(value) ? value : [];
}

function dateOf(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function endTime(credential: CredentialSummary): number {
  // Later than any Date (and, unlike Infinity, Infinity minus itself is not NaN in the comparator).
  return credential.endsAt ? credential.endsAt.getTime() : Number.MAX_SAFE_INTEGER;
}
