/**
 * Which permissions suffice for each kind of Graph operation (Microsoft's permission reference, graph-facts
 * §11). A token qualifies with any one of them, from `scp` (delegated) or `roles` (application).
 */
import { accessDenied } from '../errors';
import type { AccessTokenClaims } from '../tokens';

const DIRECTORY_READ = ['Directory.Read.All', 'Directory.ReadWrite.All'];

export const PERMISSIONS = {
  readUsers: ['User.Read.All', 'User.ReadWrite.All', 'User.ReadBasic.All', ...DIRECTORY_READ],
  readGroups: ['GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All', ...DIRECTORY_READ],
  readRoles: ['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'RoleManagement.Read.All', ...DIRECTORY_READ],
  /** PIM schedules: their own read permissions or role management's (not Directory.Read.All). */
  readRoleEligibility: ['RoleEligibilitySchedule.Read.Directory', 'RoleEligibilitySchedule.ReadWrite.Directory', 'RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'RoleManagement.Read.All'],
  readRoleAssignmentSchedules: ['RoleAssignmentSchedule.Read.Directory', 'RoleAssignmentSchedule.ReadWrite.Directory', 'RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'RoleManagement.Read.All'],
  readPolicies: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess'],
  readApps: ['Application.Read.All', 'Application.ReadWrite.All', ...DIRECTORY_READ],
  /** User.Read is delegated-only: any signed-in user may read their organization. */
  readOrganization: ['Organization.Read.All', 'Organization.ReadWrite.All', 'User.Read', ...DIRECTORY_READ],
  readDirectoryObjects: [...DIRECTORY_READ],
  writeUsers: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  writeMembers: ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  writeGroups: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  /** Change-notification subscriptions (Create subscription, "Permissions"): users need User.Read.All, groups
   * Group.Read.All (GroupMember.Read.All is not enough); the broader permissions that cover them also do. */
  subscribeUsers: ['User.Read.All', 'User.ReadWrite.All', ...DIRECTORY_READ],
  subscribeGroups: ['Group.Read.All', 'Group.ReadWrite.All', ...DIRECTORY_READ],
  /** directory/deletedItems (List/Get/Restore deleted item, "Permissions"): per kind of object; the unions
   * let a route through before the object's kind is known, then the handler checks the kind's own set. */
  readDeletedUsers: ['User.Read.All', 'User.ReadWrite.All', ...DIRECTORY_READ],
  readDeletedGroups: ['Group.Read.All', 'Group.ReadWrite.All', ...DIRECTORY_READ],
  readDeletedItems: ['User.Read.All', 'User.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All', ...DIRECTORY_READ],
  restoreUsers: ['User.DeleteRestore.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  restoreGroups: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  restoreDeletedItems: ['User.DeleteRestore.All', 'User.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  /** $batch itself needs none: each sub-request is checked on its own. */
  none: [],
} as const satisfies Record<string, readonly string[]>;

export type PermissionSet = keyof typeof PERMISSIONS;

export function grantedPermissions(claims: AccessTokenClaims): string[] {
  return [...(claims.scp?.split(' ').filter(Boolean) ?? []), ...(claims.roles ?? [])];
}

export function requirePermission(claims: AccessTokenClaims, set: PermissionSet): void {
  const needed: readonly string[] = PERMISSIONS[set];
  if (needed.length === 0) return;
  const granted = grantedPermissions(claims);
  if (!needed.some((p) => granted.includes(p))) throw accessDenied();
}
