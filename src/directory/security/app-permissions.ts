/**
 * A service principal's application permissions and delegated grants, with readable names read from each
 * resource API's own service principal (appRoles), once per resource and request through the loader. The
 * gateway keeps no table of Graph's permission ids: the tenant's Microsoft Graph service principal says them.
 */
import { ErrorCode, GatewayError } from '../../core/errors';
import type { TenantDirectory } from '../graph-access';
import { toAppRoleAssignment, toOAuth2PermissionGrant } from './app.mapping';
import type { AppRoleAssignment, OAuth2PermissionGrant } from './app.types';
import { text, type Json } from './json';
import { readAppRoleAssignments, readOAuth2PermissionGrants, readResource } from './security-reads';

export async function appRoleAssignmentsOf(directory: TenantDirectory, servicePrincipalId: string): Promise<AppRoleAssignment[]> {
  const assignments = await readAppRoleAssignments(directory, servicePrincipalId);
  const resources = await resourcesOf(directory, assignments);
  return assignments.map((json) => toAppRoleAssignment(json, resources.get(text(json.resourceId)) ?? null));
}

export async function oauth2PermissionGrantsOf(directory: TenantDirectory, servicePrincipalId: string): Promise<OAuth2PermissionGrant[]> {
  const grants = await readOAuth2PermissionGrants(directory, servicePrincipalId);
  const resources = await resourcesOf(directory, grants);
  return grants.map((json) => toOAuth2PermissionGrant(json, resources.get(text(json.resourceId)) ?? null));
}

/** The resources named by `items` (resourceId), read together; a resource deleted since the grant maps to null. */
async function resourcesOf(directory: TenantDirectory, items: readonly Json[]): Promise<Map<string, Json | null>> {
  const ids = [...new Set(items.map((item) => text(item.resourceId)).filter(Boolean))];
  const resources = await Promise.all(
    ids.map((id) =>
      readResource(directory, id).catch((err: unknown) => {
        if (err instanceof GatewayError && err.extensions.code === ErrorCode.NOT_FOUND) return null;
        throw err;
      }),
    ),
  );
  return new Map(ids.map((id, i) => [id, resources[i]]));
}
