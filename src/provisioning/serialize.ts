/**
 * Results as stored in idempotency records and back. A stored result never holds a password: CreatedUser is
 * kept without initialPassword, and a replay says the password was shown only once.
 */
import { AssignedLicense, User } from '../directory/directory-object.types';
import {
  CreatedUser,
  FeatureDisabled,
  GroupIsDynamic,
  IdempotencyKeyReused,
  InvalidDomain,
  InvalidInput,
  MembershipChange,
  MissingPermission,
  NotFound,
  ProvisionedUserItem,
  ProvisionedUsers,
  Throttled,
  UpnConflict,
} from './provisioning.types';

export const PASSWORD_SHOWN_ONCE = 'The initial password was shown only once, in the first response to this idempotency key; it is not stored. Reset it if it was lost.';

const PLAIN: Record<string, new () => object> = {
  UpnConflict,
  InvalidDomain,
  InvalidInput,
  GroupIsDynamic,
  NotFound,
  MissingPermission,
  FeatureDisabled,
  Throttled,
  IdempotencyKeyReused,
  MembershipChange,
};

type Stored = Record<string, unknown> & { __typename: string };

export function storeResult(result: object): Stored {
  const typename = result.constructor.name;
  if (result instanceof CreatedUser) {
    const { tenantId: _tenant, ...user } = result.user;
    return { __typename: typename, user };
  }
  if (result instanceof ProvisionedUsers) {
    return {
      __typename: typename,
      created: result.created,
      failed: result.failed,
      membershipFailures: result.membershipFailures,
      items: result.items.map((item) => ({
        index: item.index,
        userPrincipalName: item.userPrincipalName,
        result: storeResult(item.result),
        memberships: item.memberships.map(storeResult),
      })),
    };
  }
  if (!(typename in PLAIN)) throw new Error(`storeResult: expected a provisioning result, got ${typename}`);
  return { __typename: typename, ...result };
}

export function restoreResult(stored: unknown, tenantId: string): object {
  const { __typename, ...fields } = stored as Stored;
  if (__typename === 'CreatedUser') {
    const user = fields.user as Record<string, unknown>;
    return Object.assign(new CreatedUser(), {
      user: Object.assign(new User(), {
        ...user,
        tenantId,
        createdAt: typeof user.createdAt === 'string' ? new Date(user.createdAt) : null,
        assignedLicenses: Array.isArray(user.assignedLicenses) ? user.assignedLicenses.map((l) => Object.assign(new AssignedLicense(), l)) : null,
      }),
      initialPassword: null,
      replayed: true,
      passwordNote: PASSWORD_SHOWN_ONCE,
    });
  }
  if (__typename === 'ProvisionedUsers') {
    const items = fields.items as Array<{ index: number; userPrincipalName: string; result: unknown; memberships: unknown[] }>;
    return Object.assign(new ProvisionedUsers(), {
      created: fields.created,
      failed: fields.failed,
      membershipFailures: fields.membershipFailures,
      replayed: true,
      items: items.map((item) =>
        Object.assign(new ProvisionedUserItem(), {
          index: item.index,
          userPrincipalName: item.userPrincipalName,
          result: restoreResult(item.result, tenantId),
          memberships: item.memberships.map((m) => restoreResult(m, tenantId)),
        }),
      ),
    });
  }
  const type = PLAIN[__typename];
  if (!type) throw new Error(`restoreResult: expected a stored provisioning result, got ${JSON.stringify(__typename)}`);
  return Object.assign(new type(), fields);
}
