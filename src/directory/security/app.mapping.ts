/** Graph's application, credentials, appRoleAssignment and oAuth2PermissionGrant JSON -> GraphQL types. Pure. */
import { summarizeCredentials, type CredentialsSummary, type GraphCredential } from '../credentials';
import { dateOrNull, enumOf, listOf, text, textOrNull, type Json } from './json';
import { ConsentType, type AppRoleAssignment, type OAuth2PermissionGrant } from './app.types';
import { Application } from './application.types';

/** An object with passwordCredentials/keyCredentials (application or service principal), as of `now`. */
export function credentialsOf(json: Json, now: Date): CredentialsSummary {
  return summarizeCredentials(
    { passwordCredentials: listOf(json.passwordCredentials) as GraphCredential[], keyCredentials: listOf(json.keyCredentials) as GraphCredential[] },
    now,
  );
}

/**
 * `resource` is the resource's service principal (id, appId, displayName, appRoles) when it could be read;
 * the permission name comes from its appRoles, never from a table of our own, so any API's roles read right.
 */
export function toAppRoleAssignment(json: Json, resource: Json | null): AppRoleAssignment {
  const appRoleId = text(json.appRoleId);
  const role = listOf(resource?.appRoles).find((candidate) => sameId(text(candidate.id), appRoleId));
  return {
    id: text(json.id),
    appRoleId,
    permission: textOrNull(role?.value),
    permissionDisplayName: textOrNull(role?.displayName),
    resourceId: text(json.resourceId),
    resourceDisplayName: textOrNull(json.resourceDisplayName) ?? textOrNull(resource?.displayName),
    resourceAppId: textOrNull(resource?.appId),
    principalId: text(json.principalId),
    principalType: textOrNull(json.principalType),
    principalDisplayName: textOrNull(json.principalDisplayName),
    grantedAt: dateOrNull(json.createdDateTime),
  };
}

const CONSENT_TYPES: Record<string, ConsentType> = { allprincipals: ConsentType.ALL_PRINCIPALS, principal: ConsentType.PRINCIPAL };

export function toOAuth2PermissionGrant(json: Json, resource: Json | null): OAuth2PermissionGrant {
  return {
    id: text(json.id),
    clientId: text(json.clientId),
    consentType: enumOf(CONSENT_TYPES, json.consentType, ConsentType.UNKNOWN),
    principalId: textOrNull(json.principalId),
    resourceId: text(json.resourceId),
    resourceDisplayName: textOrNull(resource?.displayName),
    // Graph's scope is space separated, and has been seen with leading, trailing and doubled spaces.
    scopes: text(json.scope).split(' ').filter(Boolean),
  };
}

function sameId(a: string, b: string): boolean {
  return a !== '' && a.toLowerCase() === b.toLowerCase();
}

export function toApplication(json: Json, tenantId: string): Application {
  return Object.assign(new Application(), {
    id: text(json.id),
    appId: textOrNull(json.appId),
    displayName: textOrNull(json.displayName),
    signInAudience: textOrNull(json.signInAudience),
    createdAt: dateOrNull(json.createdDateTime),
    tenantId,
    graph: json,
  });
}
