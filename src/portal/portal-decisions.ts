/**
 * The hosted admin portal's decisions, as pure functions: link tokens and session secrets (random, stored only
 * as SHA-256), whether a link may be opened, the session cookie and its CSRF token, the rights a portal session
 * holds, the portal pages' Content-Security-Policy, and what each Graph permission means in words for the admin.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiScope, PortalStep } from '../core/auth/principal';
import { permissionsFor, type Feature } from '../tenants/features';

export { PortalStep };
export const ALL_PORTAL_STEPS: readonly PortalStep[] = [PortalStep.CONNECT, PortalStep.MAP_GROUPS, PortalStep.STATUS];

/** 256 random bits, base64url (43 characters): a link token or a session secret. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;
export function looksLikeSecret(value: unknown): value is string {
  return typeof value === 'string' && SECRET_SHAPE.test(value);
}

/** The steps of a link: at least one, each once, in wizard order. */
export function normaliseSteps(steps: readonly PortalStep[]): PortalStep[] | { problem: string } {
  if (steps.length === 0) return { problem: `expected at least one of ${ALL_PORTAL_STEPS.join(', ')}` };
  return ALL_PORTAL_STEPS.filter((step) => steps.includes(step));
}

/** What the link allows, in scopes: CONNECT alone reads the tenant and asks for consent; the others read its directory. */
export function scopesForSteps(steps: ReadonlySet<PortalStep>): Set<ApiScope> {
  const scopes = new Set<ApiScope>([ApiScope.TENANTS_ADMIN]);
  if (steps.has(PortalStep.MAP_GROUPS) || steps.has(PortalStep.STATUS)) scopes.add(ApiScope.DIRECTORY_READ);
  return scopes;
}

export interface StoredLink {
  tenantId: string;
  expiresAt: Date;
  usedAt: Date | null;
}

export type LinkRefusal = { status: 404 | 403 | 410; title: string; message: string };

/**
 * Whether `link` (found by its token's hash; null when none matched) may be opened now for the tenant named in
 * the URL. A link opens once: the caller claims it atomically after this check.
 */
export function linkRefusal(link: StoredLink | null, tenantInUrl: string, now: Date): LinkRefusal | null {
  if (!link) return { status: 404, title: 'This link is not valid', message: 'The portal link is unknown. Ask the application for a new link.' };
  if (link.tenantId !== tenantInUrl.toLowerCase()) {
    return { status: 403, title: 'This link is for another organisation', message: 'The portal link does not belong to the organisation in the address. Ask the application for a new link.' };
  }
  if (link.usedAt) return { status: 410, title: 'This link was already used', message: 'Each portal link opens once. Ask the application for a new link.' };
  if (link.expiresAt.getTime() <= now.getTime()) return { status: 410, title: 'This link has expired', message: 'Portal links are short-lived. Ask the application for a new link.' };
  return null;
}

/** The session cookie's name: the __Host- prefix (Secure, Path=/, no Domain) wherever cookies are Secure. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-portal_session' : 'portal_session';
}

/** HttpOnly (no script reads it), SameSite=Lax (sent on the top-level return from Microsoft's consent, never on cross-site POSTs). */
export function sessionCookie(secret: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return [`${sessionCookieName(options.secure)}=${secret}`, 'Path=/', `Max-Age=${options.maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax', ...(options.secure ? ['Secure'] : [])].join('; ');
}

/** A cookie's value from a Cookie header; undefined when absent or sent more than once (ambiguous). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const values = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1));
  return values.length === 1 ? values[0] : undefined;
}

export const CSRF_HEADER = 'x-portal-csrf';

/** The CSRF token for a session: derived from its secret, put in the portal page, sent back as x-portal-csrf. */
export function csrfTokenFor(sessionSecret: string): string {
  return createHash('sha256').update(`portal-csrf:${sessionSecret}`, 'utf8').digest('base64url');
}

export function csrfMatches(sessionSecret: string, presented: string | string[] | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(sessionSecret));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The portal pages' policy: scripts and styles from the gateway only (no inline script, no eval), the product's
 * logo origin for images, GraphQL calls to the gateway itself, no framing, forms only back to the gateway.
 */
export function portalContentSecurityPolicy(logoUrl: string | null): string {
  const images = ["'self'", 'data:', ...(logoUrl ? [new URL(logoUrl).origin] : [])];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${images.join(' ')}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** What each Graph permission lets the product do, in the words the Connect step shows the administrator. */
export const PERMISSION_MEANINGS: Record<string, string> = {
  'User.Read.All': "Read every user's profile (name, email, department, account state).",
  'GroupMember.Read.All': 'Read the groups and who is a member of them.',
  'Group.Read.All': "Read every group's properties and members (needed to be told of changes as they happen).",
  'RoleManagement.Read.Directory': 'Read who holds which directory role (such as Global Administrator).',
  'Policy.Read.All': "Read your conditional-access policies, to check that sign-ins to the product require MFA.",
  'Application.Read.All': 'Read app registrations and their credentials, to warn before a secret or certificate expires.',
  'User.ReadWrite.All': 'Create and update user accounts (provisioning).',
  'GroupMember.ReadWrite.All': 'Add people to groups and remove them (provisioning).',
};

export interface PermissionExplanation {
  permission: string;
  meaning: string;
}

export function explainPermissions(features: readonly Feature[]): PermissionExplanation[] {
  return permissionsFor(features).map((permission) => ({ permission, meaning: PERMISSION_MEANINGS[permission] ?? 'A Microsoft Graph permission the product needs.' }));
}

/**
 * What the consent's return to the portal means, in plain words (the callback's error codes, consent-callbacks.ts
 * and callback-params.ts). Null: nothing to say (no consent outcome in the address).
 */
export function consentOutcomeMessage(outcome: { status?: string; error?: string }): { ok: boolean; message: string } | null {
  if (!outcome.error) return outcome.status === 'ACTIVE' ? { ok: true, message: 'Connected: Microsoft granted the permissions.' } : null;
  const messages: Record<string, string> = {
    access_denied: 'The permissions were declined on Microsoft\'s screen, so nothing was connected. Choose "Connect" again and accept to continue.',
    consent_required: 'An administrator of your organisation must grant these permissions. Sign in as a Global Administrator (or Privileged Role Administrator) and try again.',
    wrong_tenant: 'You signed in with an account from another organisation than the one already connected. Sign in with an administrator account of this organisation.',
    tenant_already_connected: 'This Microsoft organisation is already connected to the application under another record. Contact the application\'s support.',
    temporarily_unavailable: 'Microsoft was temporarily unavailable. Try again in a minute.',
  };
  return { ok: false, message: messages[outcome.error] ?? `Microsoft did not complete the consent (${outcome.error}). Try again, or contact the application's support.` };
}
