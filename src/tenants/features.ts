/**
 * What a tenant connection is for decides what it asks Microsoft for. Each feature maps to the least-privileged
 * Microsoft Graph permissions of graph-facts §11; the consent URL asks for exactly the union, and a tenant's
 * missing scopes are the difference between that plan and what the token says was granted.
 */
export enum Feature {
  READ_DIRECTORY = 'READ_DIRECTORY',
  READ_ROLES = 'READ_ROLES',
  READ_POLICIES = 'READ_POLICIES',
  READ_APPS = 'READ_APPS',
  PROVISIONING = 'PROVISIONING',
  /** Near-real-time changes: Graph subscriptions on users and groups (Graph requires Group.Read.All for groups). */
  CHANGE_NOTIFICATIONS = 'CHANGE_NOTIFICATIONS',
}

export type AuthMode = 'DELEGATED' | 'APPLICATION';

const PERMISSIONS: Record<Feature, readonly string[]> = {
  [Feature.READ_DIRECTORY]: ['User.Read.All', 'GroupMember.Read.All'],
  [Feature.READ_ROLES]: ['RoleManagement.Read.Directory'],
  [Feature.READ_POLICIES]: ['Policy.Read.All'],
  [Feature.READ_APPS]: ['Application.Read.All'],
  [Feature.PROVISIONING]: ['User.ReadWrite.All', 'GroupMember.ReadWrite.All'],
  [Feature.CHANGE_NOTIFICATIONS]: ['User.Read.All', 'Group.Read.All'],
};

/**
 * A granted permission that covers another: a token holding the right-hand side satisfies the left.
 * (Graph accepts the broader permission wherever the narrower one suffices.)
 */
const COVERED_BY: Record<string, readonly string[]> = {
  'User.Read.All': ['User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'GroupMember.Read.All': ['GroupMember.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All'],
  'GroupMember.ReadWrite.All': ['Group.ReadWrite.All'],
  'Group.Read.All': ['Group.ReadWrite.All', 'Directory.Read.All'],
  'RoleManagement.Read.Directory': ['RoleManagement.ReadWrite.Directory', 'Directory.Read.All'],
  'Application.Read.All': ['Application.ReadWrite.All', 'Directory.Read.All'],
};

/** Graph permission names the features need, sorted and without duplicates. */
export function permissionsFor(features: readonly Feature[]): string[] {
  const set = new Set<string>();
  for (const f of features) for (const p of PERMISSIONS[f]) set.add(p);
  // Provisioning's write permissions include the matching reads; asking for both would widen nothing.
  if (set.has('User.ReadWrite.All')) set.delete('User.Read.All');
  if (set.has('GroupMember.ReadWrite.All')) set.delete('GroupMember.Read.All');
  return [...set].sort();
}

/** Permissions required by `features` that `granted` does not cover. */
export function missingPermissions(features: readonly Feature[], granted: readonly string[]): string[] {
  const have = new Set(granted.map((g) => g.toLowerCase()));
  const covered = (p: string) =>
    have.has(p.toLowerCase()) || (COVERED_BY[p] ?? []).some((broader) => have.has(broader.toLowerCase()));
  return permissionsFor(features).filter((p) => !covered(p));
}

/**
 * Scopes for the consent request. Delegated: each permission as a Graph scope plus offline_access (so a
 * refresh token is issued); application: the single `/.default` scope, which asks for the app's configured
 * application permissions.
 */
export function consentScopes(features: readonly Feature[], mode: AuthMode, graphResource: string): string[] {
  if (mode === 'APPLICATION') return [`${graphResource}/.default`];
  return [...permissionsFor(features).map((p) => `${graphResource}/${p}`), 'offline_access'];
}

export function parseFeatures(values: readonly string[]): Feature[] {
  const known = new Set<string>(Object.values(Feature));
  const unknown = values.filter((v) => !known.has(v));
  if (unknown.length > 0) {
    throw new Error(`unknown feature(s) ${unknown.join(', ')}; expected any of ${[...known].join(', ')}`);
  }
  return [...new Set(values)] as Feature[];
}
