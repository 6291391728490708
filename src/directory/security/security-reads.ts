/**
 * The Graph reads behind the security fields, all through the request's TenantDirectory loader: a path read
 * twice in one request (the policies for both conditionalAccessPolicies and mfaEnforcement, a resource
 * service principal for many assignments) is fetched once, and one tick's reads share `$batch` calls.
 */
import { filterEq, graphPath, queryString, type GraphPage } from '../../graph';
import { GROUP_PROPERTIES, SERVICE_PRINCIPAL_PROPERTIES, USER_PROPERTIES } from '../directory-object.types';
import { readPage, type TenantDirectory } from '../graph-access';
import { graphSelect } from '../select';
import type { Json } from './json';

/**
 * Every item of a collection, page after page. Graph's conditional-access endpoint allows 1 request per
 * second per tenant (and 429s without Retry-After), so its list must be read once per request: the loader's
 * cache sees to that as long as every caller asks for the same path.
 */
async function readAll(directory: TenantDirectory, path: string): Promise<Json[]> {
  const items: Json[] = [];
  for (let link: string | undefined = path; link !== undefined; ) {
    const page: GraphPage<Json> = readPage<Json>(await directory.load<unknown>(link), link);
    items.push(...page.items);
    link = page.nextLink;
  }
  return items;
}

const MAX_TOP = 999;

const POLICIES_PATH = `/identity/conditionalAccess/policies${queryString({ $top: MAX_TOP })}`;

export function readPolicies(directory: TenantDirectory): Promise<Json[]> {
  return readAll(directory, POLICIES_PATH);
}

/** Activated roles only, never paged (graph-facts §1, §7). */
export function readDirectoryRoles(directory: TenantDirectory): Promise<Json[]> {
  return readAll(directory, '/directoryRoles');
}

export function readDirectoryRoleMembers(directory: TenantDirectory, roleId: string, select: string): Promise<Json[]> {
  return readAll(directory, `${graphPath`/directoryRoles/${roleId}/members`}${queryString({ $select: select })}`);
}

/**
 * Every property the shared User, Group and ServicePrincipal types can show: an expanded principal would
 * otherwise come with Graph's defaults only (no accountEnabled or userType, which a review of admins needs).
 * Fixed rather than derived from the selection, so that roleAssignments and privilegedUsers read one path.
 */
const PRINCIPAL_SELECT = graphSelect(
  [USER_PROPERTIES, GROUP_PROPERTIES, SERVICE_PRINCIPAL_PROPERTIES].flatMap((properties) => Object.keys(properties)),
  USER_PROPERTIES,
  GROUP_PROPERTIES,
  SERVICE_PRINCIPAL_PROPERTIES,
);

/** Every assignment with its principal: roleAssignments and privilegedUsers read the same path, so it is read once. */
export function readRoleAssignments(directory: TenantDirectory): Promise<Json[]> {
  return readAll(directory, `/roleManagement/directory/roleAssignments${queryString({ $expand: `principal($select=${PRINCIPAL_SELECT})`, $top: MAX_TOP })}`);
}

/** PIM-eligible assignments with their principal (graph-facts §12); covered by RoleManagement.Read.Directory. */
export function readRoleEligibilitySchedules(directory: TenantDirectory): Promise<Json[]> {
  return readAll(directory, `/roleManagement/directory/roleEligibilitySchedules${queryString({ $expand: `principal($select=${PRINCIPAL_SELECT})` })}`);
}

/** Active assignments' schedules (Assigned or Activated, with start and end), matched to roleAssignments by holder and role. */
export function readRoleAssignmentSchedules(directory: TenantDirectory): Promise<Json[]> {
  return readAll(directory, `/roleManagement/directory/roleAssignmentSchedules${queryString({ $select: 'id,principalId,roleDefinitionId,directoryScopeId,memberType,assignmentType,scheduleInfo' })}`);
}

/** With isBuiltIn and rolePermissions: a custom role's privilege is judged from its permissions. */
export function readRoleDefinitions(directory: TenantDirectory): Promise<Json[]> {
  return readAll(directory, `/roleManagement/directory/roleDefinitions${queryString({ $select: 'id,templateId,displayName,isBuiltIn,rolePermissions', $top: MAX_TOP })}`);
}

/** The direct members of a role-assignable group that holds a role (they hold it too). */
export function readRoleGroupMembers(directory: TenantDirectory, groupId: string): Promise<Json[]> {
  return readAll(directory, `${graphPath`/groups/${groupId}/members`}${queryString({ $select: PRINCIPAL_SELECT, $top: MAX_TOP })}`);
}

/** A resource API's service principal, for the names of its app roles; one read per resource and request. */
export function readResource(directory: TenantDirectory, servicePrincipalId: string): Promise<Json> {
  return directory.load<Json>(`${graphPath`/servicePrincipals/${servicePrincipalId}`}${queryString({ $select: 'id,appId,displayName,appRoles' })}`);
}

export function readAppRoleAssignments(directory: TenantDirectory, servicePrincipalId: string): Promise<Json[]> {
  return readAll(directory, `${graphPath`/servicePrincipals/${servicePrincipalId}/appRoleAssignments`}${queryString({ $top: MAX_TOP })}`);
}

export function readOAuth2PermissionGrants(directory: TenantDirectory, servicePrincipalId: string): Promise<Json[]> {
  return readAll(directory, `${graphPath`/servicePrincipals/${servicePrincipalId}/oauth2PermissionGrants`}${queryString({ $top: MAX_TOP })}`);
}

/** The tenant's service principal of an application (by appId); null when the app has none in this tenant. */
export async function readServicePrincipalOfApp(directory: TenantDirectory, appId: string): Promise<Json | null> {
  const path = `/servicePrincipals${queryString({ $filter: filterEq('appId', appId), $select: 'id,appId,displayName' })}`;
  return (await readAll(directory, path))[0] ?? null;
}

/** A service principal's credentials, for one read outside a list that selected them already. */
export function readServicePrincipalCredentials(directory: TenantDirectory, servicePrincipalId: string): Promise<Json> {
  return directory.load<Json>(`${graphPath`/servicePrincipals/${servicePrincipalId}`}${queryString({ $select: 'id,passwordCredentials,keyCredentials' })}`);
}

/** Soft-deleted users of the last 30 days (Graph's deleted items), with every property the User type shows. */
export function readDeletedUsers(directory: TenantDirectory): Promise<Json[]> {
  const select = `${graphSelect(Object.keys(USER_PROPERTIES), USER_PROPERTIES)},deletedDateTime`;
  return readAll(directory, `/directory/deletedItems/microsoft.graph.user${queryString({ $select: select, $top: MAX_TOP })}`);
}
