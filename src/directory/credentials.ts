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
   * The next credential to expire: the earliest end still ahead of now. Expired ones are left out, since
   * apps often keep old, unused secrets around, and an expiry long past says nothing about the next outage.
   */
  soonestExpiry: CredentialSummary | null;
}

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
  return { credentials, soonestExpiry: credentials.find((credential) => credential.status !== 'EXPIRED') ?? null };
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
