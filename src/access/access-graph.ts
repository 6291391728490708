/**
 * The live Graph reads tier decisions need, through the directory part's per-request TenantDirectory (its
 * $batch loader, paging, and Graph-error mapping). A 404 is re-worded to name the group or user asked for.
 */
import { MAX_PAGE_SIZE } from '../directory/connection';
import type { TenantDirectory } from '../directory/graph-access';
import { graphPath, queryString } from '../graph';
import { ErrorCode, GatewayError } from '../core/errors';
import type { UserRef } from './access-input';

export interface LiveGroup {
  id: string;
  displayName: string | null;
  /** Membership computed by a rule; such groups can be mapped (their members change without an admin). */
  dynamic: boolean;
}

export interface LiveUser {
  id: string;
  displayName: string | null;
  userPrincipalName: string | null;
  accountEnabled: boolean | null;
}

type Json = Record<string, unknown>;

const USER_SELECT = 'id,displayName,userPrincipalName,accountEnabled';
const str = (value: unknown) => (typeof value === 'string' ? value : null);

async function renamingNotFound<T>(read: Promise<T>, rename: (err: GatewayError) => GatewayError): Promise<T> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof GatewayError && err.extensions.code === ErrorCode.NOT_FOUND) throw rename(err);
    throw err;
  }
}

const groupNotFound = (directory: TenantDirectory, groupId: string) => (err: GatewayError) =>
  new GatewayError(ErrorCode.NOT_FOUND, `group ${groupId} does not exist in tenant ${directory.tenantId} (Microsoft Graph answered 404)`, {
    ...err.extensions,
    groupId,
  });

function toLiveUser(json: Json): LiveUser {
  return {
    id: String(json.id).toLowerCase(),
    displayName: str(json.displayName),
    userPrincipalName: str(json.userPrincipalName),
    accountEnabled: typeof json.accountEnabled === 'boolean' ? json.accountEnabled : null,
  };
}

/** GET /groups/{id}: that it exists, its name and whether it is dynamic. */
export async function readGroup(directory: TenantDirectory, groupId: string): Promise<LiveGroup> {
  const link = `${graphPath`/groups/${groupId}`}${queryString({ $select: 'id,displayName,groupTypes' })}`;
  const json = await renamingNotFound(directory.load<Json>(link), groupNotFound(directory, groupId));
  const groupTypes = Array.isArray(json.groupTypes) ? json.groupTypes : [];
  return { id: String(json.id).toLowerCase(), displayName: str(json.displayName), dynamic: groupTypes.includes('DynamicMembership') };
}

/**
 * The users among a group's transitive members, paged to the end. Graph can cast the collection
 * (`/transitiveMembers/microsoft.graph.user`), which the simulator does not serve yet; the type check below keeps
 * the answer right either way (nested groups, devices and service principals are dropped).
 */
export async function transitiveUsers(directory: TenantDirectory, groupId: string): Promise<LiveUser[]> {
  const link = `${graphPath`/groups/${groupId}`}/transitiveMembers${queryString({ $select: USER_SELECT, $top: MAX_PAGE_SIZE })}`;
  const members = await renamingNotFound(directory.all<Json>(link, { batched: true }), groupNotFound(directory, groupId));
  return members.filter((json) => json['@odata.type'] === '#microsoft.graph.user').map(toLiveUser);
}

/** The user and every group they reach directly or through nesting (directory roles left out). */
export async function readUserWithGroups(directory: TenantDirectory, ref: UserRef): Promise<{ user: LiveUser; groups: Array<{ id: string; displayName: string | null }> }> {
  const userPath = graphPath`/users/${ref.value}`;
  const notFound = (err: GatewayError) =>
    new GatewayError(ErrorCode.NOT_FOUND, `no user with ${ref.kind} ${ref.value} in tenant ${directory.tenantId}`, { ...err.extensions, [ref.kind]: ref.value });
  // Both loads in one tick: one $batch call.
  const [user, memberOf] = await renamingNotFound(
    Promise.all([
      directory.load<Json>(`${userPath}${queryString({ $select: USER_SELECT })}`),
      directory.all<Json>(`${userPath}/transitiveMemberOf${queryString({ $select: 'id,displayName', $top: MAX_PAGE_SIZE })}`, { batched: true }),
    ]),
    notFound,
  );
  const groups = memberOf
    .filter((json) => json['@odata.type'] === '#microsoft.graph.group')
    .map((json) => ({ id: String(json.id).toLowerCase(), displayName: str(json.displayName) }));
  return { user: toLiveUser(user), groups };
}
