/**
 * From Graph's answers to provisioning's typed results, as pure functions. Graph gives codes for a UPN
 * conflict and a bad domain (details[].code ObjectConflict / InvalidValue, target userPrincipalName), and we
 * branch on those. For "already a member" Graph gives only Request_BadRequest and a message (graph-facts §8),
 * recognised by its text, the one place here that reads a message. "Not a member" is a 404, like a missing
 * group or member (graph-facts §12), so the group and the member are read to tell which. Anything a typed
 * result cannot describe becomes a coded GraphQL error.
 */
import { GraphAuthError, GraphBadRequestError, GraphError, GraphForbiddenError, GraphNotFoundError, GraphThrottledError } from '../graph';
import { ErrorCode, GatewayError } from '../core/errors';
import { RECONSENT_HINT } from '../tenants/tenant-tokens';
import { upnProblem } from './upn';
import {
  FeatureDisabled,
  GroupIsDynamic,
  IdempotencyKeyReused,
  InvalidDomain,
  InvalidInput,
  MembershipChange,
  MembershipChangeKind,
  MissingPermission,
  NotFound,
  ProvisioningErrorCode,
  Throttled,
  UpnConflict,
} from './provisioning.types';

export const USER_WRITE_PERMISSION = 'User.ReadWrite.All';
export const MEMBER_WRITE_PERMISSION = 'GroupMember.ReadWrite.All';

// Graph answers these with Request_BadRequest and no details: only the text tells them apart (graph-facts §8;
// the second is what older answers and some SDK docs show for a removal; real Graph now answers 404).
const ALREADY_MEMBER = /added object references already exist/i;
const NOT_A_MEMBER = /removed object references do not exist/i;

export const upnConflict = (userPrincipalName: string): UpnConflict =>
  Object.assign(new UpnConflict(), {
    errorCode: ProvisioningErrorCode.UPN_CONFLICT,
    message: `another object in the tenant already has the userPrincipalName ${userPrincipalName}`,
    userPrincipalName,
  });

export const invalidDomain = (userPrincipalName: string): InvalidDomain => {
  const domain = userPrincipalName.slice(userPrincipalName.lastIndexOf('@') + 1);
  return Object.assign(new InvalidDomain(), {
    errorCode: ProvisioningErrorCode.INVALID_DOMAIN,
    message: `${domain} is not a verified domain of the tenant; use one of its verified domains in userPrincipalName`,
    userPrincipalName,
    domain,
  });
};

export const invalidInput = (field: string, message: string): InvalidInput =>
  Object.assign(new InvalidInput(), { errorCode: ProvisioningErrorCode.INVALID_INPUT, message: `${field}: ${message}`, field });

export const notFound = (objectId: string, objectKind: 'USER' | 'GROUP' | 'OBJECT'): NotFound =>
  Object.assign(new NotFound(), {
    errorCode: ProvisioningErrorCode.NOT_FOUND,
    message: `${objectKind === 'OBJECT' ? 'directory object' : objectKind.toLowerCase()} ${objectId} does not exist in the tenant (or was deleted)`,
    objectId,
    objectKind,
  });

/** The id is not among the tenant's deleted users (Graph keeps them 30 days) nor an active user. */
export const deletedUserNotFound = (userId: string): NotFound =>
  Object.assign(notFound(userId, 'USER'), {
    message: `user ${userId} is not among the tenant's deleted users (deleted more than 30 days ago, permanently deleted, or never a user) nor in the directory`,
  });

export const groupIsDynamic = (groupId: string): GroupIsDynamic =>
  Object.assign(new GroupIsDynamic(), {
    errorCode: ProvisioningErrorCode.GROUP_IS_DYNAMIC,
    message: `group ${groupId} has dynamic membership: its membership rule decides its members, which cannot be added or removed`,
    groupId,
  });

export const missingPermission = (permissions: string[], why: string): MissingPermission =>
  Object.assign(new MissingPermission(), {
    errorCode: ProvisioningErrorCode.MISSING_PERMISSION,
    message: `${why}: the tenant's consent lacks ${permissions.join(', ')}; ${RECONSENT_HINT}`,
    permissions,
    reconsent: RECONSENT_HINT,
  });

export const featureDisabled = (feature: string): FeatureDisabled =>
  Object.assign(new FeatureDisabled(), {
    errorCode: ProvisioningErrorCode.FEATURE_DISABLED,
    message: `the tenant's connection does not have the ${feature} feature; a tenants:admin caller enables it (updateTenant), then the customer consents to its permissions`,
    feature,
  });

export const throttled = (retryAfterMs: number | undefined): Throttled => {
  const retryAfterSeconds = retryAfterMs === undefined ? null : Math.ceil(retryAfterMs / 1000);
  return Object.assign(new Throttled(), {
    errorCode: ProvisioningErrorCode.THROTTLED,
    message: `Microsoft Graph throttled the tenant beyond the gateway's retries; nothing was written; ${retryAfterSeconds === null ? 'retry later' : `retry after ${retryAfterSeconds} s`}`,
    retryAfterSeconds,
  });
};

export const idempotencyKeyReused = (idempotencyKey: string, operation: string): IdempotencyKeyReused =>
  Object.assign(new IdempotencyKeyReused(), {
    errorCode: ProvisioningErrorCode.IDEMPOTENCY_KEY_REUSED,
    message: `idempotency key ${JSON.stringify(idempotencyKey)} was first used for a different ${operation} request; use a new key for a new request`,
    idempotencyKey,
    operation,
  });

export const membershipChange = (groupId: string, memberId: string, change: MembershipChangeKind, noOp: boolean): MembershipChange =>
  Object.assign(new MembershipChange(), { groupId, memberId, change, noOp });

/** Failures every write shares: refused permission, throttling. Null for anything else. */
function commonFailure(err: GraphError, permission: string, what: string): MissingPermission | Throttled | null {
  if (err instanceof GraphForbiddenError) return missingPermission([permission], `Microsoft Graph refused to ${what} (${err.code})`);
  if (err instanceof GraphThrottledError) return throttled(err.retryAfterMs);
  return null;
}

function detail(err: GraphError, code: string, target: string): boolean {
  return err.details.some((d) => d.code === code && d.target === target);
}

/** A failed POST /users or PATCH /users/{id} as a typed result; null when no typed result fits. */
export function userWriteFailure(err: unknown, userPrincipalName: string | null, what: string): UpnConflict | InvalidDomain | InvalidInput | NotFound | MissingPermission | Throttled | null {
  if (!(err instanceof GraphError)) return null;
  const common = commonFailure(err, USER_WRITE_PERMISSION, what);
  if (common) return common;
  if (err instanceof GraphBadRequestError) {
    if (userPrincipalName !== null && detail(err, 'ObjectConflict', 'userPrincipalName')) return upnConflict(userPrincipalName);
    if (userPrincipalName !== null && detail(err, 'InvalidValue', 'userPrincipalName')) {
      // Graph gives the same code and target for a refused local part and an unverified domain; only the
      // value tells them apart: a UPN that passes Entra's character rule was refused for its domain.
      const problem = upnProblem(userPrincipalName);
      return problem ? invalidInput('input.userPrincipalName', `Microsoft Graph refused the value (${err.code}): ${problem}`) : invalidDomain(userPrincipalName);
    }
    const target = err.details.find((d) => d.target)?.target;
    // Graph's own sentence (e.g. password complexity) is the useful part; it names no secret.
    return invalidInput(target ? `input.${target}` : 'input', `Microsoft Graph refused the value (${err.code}): ${graphText(err)}`);
  }
  return null;
}

export type MemberFailure =
  | { kind: 'result'; result: MembershipChange | MissingPermission | Throttled }
  /**
   * A 404 or an unexplained 400: which object is missing, or whether the group is dynamic, needs a look.
   * `absentMember`: a removal Graph refused because the member is not there (404 Request_ResourceNotFound as
   * real Graph answers, or the 400 "removed object references do not exist" of graph-facts §8): a no-op when
   * the group and the member both exist, NotFound for whichever does not.
   */
  | { kind: 'inspect'; status: 404 | 400; error: GraphError; absentMember: boolean }
  | { kind: 'unexpected' };

export function memberWriteFailure(err: unknown, groupId: string, memberId: string, change: MembershipChangeKind): MemberFailure {
  if (!(err instanceof GraphError)) return { kind: 'unexpected' };
  const common = commonFailure(err, MEMBER_WRITE_PERMISSION, change === MembershipChangeKind.ADDED ? 'add a group member' : 'remove a group member');
  if (common) return { kind: 'result', result: common };
  const removal = change === MembershipChangeKind.REMOVED;
  if (err instanceof GraphBadRequestError) {
    if (!removal && ALREADY_MEMBER.test(err.message)) return { kind: 'result', result: membershipChange(groupId, memberId, change, true) };
    return { kind: 'inspect', status: 400, error: err, absentMember: removal && NOT_A_MEMBER.test(err.message) };
  }
  // Real Graph answers a removal of a non-member with 404 (microsoft-graph-docs issue 18714), the same answer
  // as for a group or member that does not exist: only a look at both tells them apart.
  if (err instanceof GraphNotFoundError) return { kind: 'inspect', status: 404, error: err, absentMember: removal };
  return { kind: 'unexpected' };
}

/** A cheap read of one object (GET .../{id}?$select=id): found, absent (404), or refused/failed (another status). */
export type Probe = { ok: true; dynamic?: boolean } | { ok: false; status: number };

/**
 * What an inspected member write comes to, from reads of the group and (for an absent member) of the member
 * as a user and as a group. Null when the reads cannot decide (a refused or failed read): the caller raises.
 */
export function inspectedMemberOutcome(
  failure: Extract<MemberFailure, { kind: 'inspect' }>,
  groupId: string,
  memberId: string,
  change: MembershipChangeKind,
  group: Probe,
  member?: { asUser: Probe; asGroup: Probe },
): MembershipChange | NotFound | GroupIsDynamic | InvalidInput | null {
  if (!group.ok) return group.status === 404 ? notFound(groupId, 'GROUP') : null;
  if (group.dynamic) return groupIsDynamic(groupId);
  if (failure.absentMember && member) {
    if (member.asUser.ok || member.asGroup.ok) return membershipChange(groupId, memberId, change, true);
    // Members the gateway writes are users and groups; anything else (a service principal, a device) would
    // need read scopes provisioning does not ask for, and is reported as not found.
    if (member.asUser.status === 404 && member.asGroup.status === 404) return notFound(memberId, 'OBJECT');
    return null;
  }
  if (failure.status === 404) return notFound(memberId, 'OBJECT');
  return invalidInput('memberId', `Microsoft Graph refused the reference (${failure.error.code}): ${graphText(failure.error)}`);
}

/** Graph's message without our "Graph POST /x answered 400 Code: " prefix. */
export function graphText(err: GraphError): string {
  const at = err.message.indexOf(`${err.code}: `);
  return at >= 0 ? err.message.slice(at + err.code.length + 2) : err.message;
}

/**
 * What a failure without a typed result becomes: a coded GraphQL error naming the tenant and the call, never
 * a stack. Errors that are not Graph's (ours, the token provider's GatewayErrors) pass unchanged.
 */
export function unexpectedFailure(err: unknown, tenantId: string, call: string): unknown {
  if (!(err instanceof GraphError)) return err;
  const ids = { tenantId, ...(err.requestId ? { graphRequestId: err.requestId } : {}) };
  if (err instanceof GraphAuthError) {
    return new GatewayError(ErrorCode.RECONSENT_REQUIRED, `tenant ${tenantId}: Microsoft Graph ${call}: Graph refused the tenant's token even after a refresh; ${RECONSENT_HINT}`, ids);
  }
  return new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `tenant ${tenantId}: Microsoft Graph ${call} failed (${err.code}, HTTP ${err.status || 'none'}); try again later`, ids);
}
