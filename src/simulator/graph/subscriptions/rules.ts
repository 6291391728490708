/**
 * Graph's rules for change-notification subscriptions on directory resources, as pure functions: what a
 * POST /subscriptions body must hold, how far expirationDateTime may reach, which permission a resource needs,
 * which change-log entry becomes which notification. The facts, with their sources:
 *
 * - Resources: `users` and `groups` (Create subscription, "Resources examples"; microsoft-graph-docs-contrib
 *   api-reference/v1.0/api/subscription-post-subscriptions.md). A leading "/" is accepted as Graph does.
 * - changeType: "User and group change notifications support `updated` and `deleted` changeType" (subscription
 *   resource type, api-reference/v1.0/resources/subscription.md). Learn's newer text adds: `updated` also fires
 *   when a user or group is created or soft-deleted, `deleted` when it is permanently deleted. A Microsoft Q&A
 *   thread (2026-03) reports that `created` alone is accepted with 201 but never fires; the simulator takes the
 *   stricter side and refuses `created` on users and groups with 400 [choice: stricter].
 * - expirationDateTime: required; at most 41760 minutes (under 29 days) from now for "user, group, other
 *   directory resources" (subscription resource type, "Maximum length of subscription per resource type").
 *   Beyond it, or in the past, Graph answers 400 [message wording unverified].
 * - clientState: optional, at most 128 characters (same page).
 * - notificationUrl / lifecycleNotificationUrl: "This URL must make use of the HTTPS protocol" (same page). The
 *   simulator also accepts http:// on localhost / 127.0.0.1 / [::1] so a developer's gateway can receive
 *   notifications; real Graph never does (and cannot reach a private address at all).
 * - Permissions (least privileged, application and delegated): users -> User.Read.All; groups -> Group.Read.All
 *   (Create subscription, "Permissions"). GroupMember.Read.All is NOT enough for a groups subscription.
 * - Membership changes are `updated` notifications on the group (members is a property of the group); the
 *   member user gets none [unverified: Graph documents no user notification for memberOf].
 */
import { badRequest, SimGraphError } from '../../errors';
import type { ChangeEntry } from '../../store';
import type { PermissionSet } from '../scopes';

export type SubscribedResource = 'users' | 'groups';
export type ChangeType = 'created' | 'updated' | 'deleted';
export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export const MAX_LIFETIME_MINUTES = 41_760;
export const MAX_CLIENT_STATE_LENGTH = 128;
const SUPPORTED_CHANGE_TYPES: Record<SubscribedResource, readonly ChangeType[]> = { users: ['updated', 'deleted'], groups: ['updated', 'deleted'] };

export const PERMISSION_FOR: Record<SubscribedResource, PermissionSet> = { users: 'subscribeUsers', groups: 'subscribeGroups' };

export interface SubscriptionRequest {
  resource: SubscribedResource;
  changeTypes: ChangeType[];
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expiresAt: number;
}

/** The resource of a POST body, for the permission check (before anything else is validated). */
export function requestedResource(body: unknown): SubscribedResource | null {
  const raw = (body as { resource?: unknown } | null)?.resource;
  if (typeof raw !== 'string') return null;
  const normalized = raw.replace(/^\/+/, '').toLowerCase();
  return normalized === 'users' || normalized === 'groups' ? normalized : null;
}

export function parseSubscriptionRequest(body: unknown, now: number): SubscriptionRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`Expected a JSON object (a subscription) as the request body, got ${Array.isArray(body) ? 'an array' : typeof body}.`);
  }
  const b = body as Record<string, unknown>;
  const resource = requestedResource(b);
  if (!resource) {
    throw new SimGraphError(400, 'InvalidRequest', `Resource '${String(b.resource ?? '')}' is not supported: the simulator supports subscriptions on 'users' and 'groups'.`);
  }
  const changeTypes = parseChangeType(b.changeType, resource);
  const notificationUrl = parseUrl(b.notificationUrl, 'notificationUrl', true)!;
  const lifecycleNotificationUrl = parseUrl(b.lifecycleNotificationUrl, 'lifecycleNotificationUrl', false);
  const clientState = parseClientState(b.clientState);
  const expiresAt = parseExpiration(b.expirationDateTime, now);
  return { resource, changeTypes, notificationUrl, lifecycleNotificationUrl, clientState, expiresAt };
}

export function parseChangeType(value: unknown, resource: SubscribedResource): ChangeType[] {
  if (typeof value !== 'string' || value.trim() === '') {
    throw badRequest(`changeType is required: expected a comma-separated list of created, updated, deleted; got ${JSON.stringify(value)}.`);
  }
  const parts = value.split(',').map((p) => p.trim());
  const supported = SUPPORTED_CHANGE_TYPES[resource];
  for (const part of parts) {
    if (!['created', 'updated', 'deleted'].includes(part)) {
      throw badRequest(`changeType '${part}' is not valid: expected created, updated or deleted.`);
    }
    if (!supported.includes(part as ChangeType)) {
      throw badRequest(`changeType '${part}' is not supported for resource '${resource}': expected any of ${supported.join(', ')}.`);
    }
  }
  return [...new Set(parts as ChangeType[])];
}

/** HTTPS, or http on a loopback host (the simulator's development allowance; real Graph requires HTTPS). */
export function parseUrl(value: unknown, name: string, required: boolean): string | null {
  if (value === undefined || value === null) {
    if (required) throw badRequest(`${name} is required: expected an https URL, got none.`);
    return null;
  }
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw badRequest(`${name} is not a valid URL: got ${JSON.stringify(value)}.`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw badRequest(`${name} must use the HTTPS protocol: got '${url.protocol}//${url.host}'.`);
  }
  return url.toString();
}

export function parseClientState(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > MAX_CLIENT_STATE_LENGTH) {
    throw badRequest(`clientState must be a string of at most ${MAX_CLIENT_STATE_LENGTH} characters, got ${typeof value === 'string' ? `${value.length} characters` : typeof value}.`);
  }
  return value;
}

export function parseExpiration(value: unknown, now: number): number {
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) throw badRequest(`expirationDateTime is required: expected an ISO 8601 date-time, got ${JSON.stringify(value)}.`);
  if (at <= now) throw badRequest(`Subscription expiration date time '${value}' is in the past: it must be later than ${new Date(now).toISOString()}.`);
  if (at > now + MAX_LIFETIME_MINUTES * 60_000) {
    throw badRequest(`Subscription expiration can only be ${MAX_LIFETIME_MINUTES} minutes in the future: got ${value}, the latest allowed is ${new Date(now + MAX_LIFETIME_MINUTES * 60_000).toISOString()}.`);
  }
  return at;
}

export interface NotificationTarget {
  resource: SubscribedResource;
  changeType: ChangeType;
  id: string;
  /** Group membership changes: Graph adds members@delta to the group's resourceData. */
  membersDelta?: Array<{ id: string; removed: boolean }>;
}

/**
 * What a change-log entry notifies: creations and updates and soft deletions are `updated`, permanent deletions
 * `deleted`, a membership change is `updated` on the group.
 */
export function notificationFor(entry: ChangeEntry): NotificationTarget {
  if (entry.kind === 'member') {
    return { resource: 'groups', changeType: 'updated', id: entry.groupId, membersDelta: [{ id: entry.memberId, removed: entry.op === 'remove' }] };
  }
  return { resource: entry.kind === 'user' ? 'users' : 'groups', changeType: entry.op === 'hardDelete' ? 'deleted' : 'updated', id: entry.id };
}

/** Back-off between delivery attempts: base * 2^(attempt-1), capped; Graph gives up after 4 hours. */
export const DELIVERY_GIVE_UP_MS = 4 * 60 * 60 * 1000;
export function deliveryDelayMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
