/**
 * Scope strings of the identity platform, as pure functions. Delegated requests name Microsoft Graph
 * permissions either short (`User.Read.All`) or resource-qualified (`https://graph.microsoft.com/User.Read.All`),
 * plus the OpenID Connect scopes. Every name is normalised to the permission table's spelling.
 */
import { GRAPH_PERMISSIONS, graphPermissionScopes } from '../generator/graph-permissions';
import { aad } from './aad-error';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_DEFAULT_SCOPE = `${GRAPH_RESOURCE}/.default`;
/** Scopes about the sign-in itself; MSAL adds openid, profile and offline_access to every request. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

const CANONICAL = new Map(Object.keys(GRAPH_PERMISSIONS).map((name) => [name.toLowerCase(), name]));
const ADMIN_ONLY = new Set(graphPermissionScopes().filter((s) => s.type === 'Admin').map((s) => s.value!));

export function splitScopes(raw: string): string[] {
  return raw.split(/\s+/).filter(Boolean);
}

/**
 * Delegated scopes of an authorize, code or refresh request, normalised and de-duplicated.
 * Stricter than Entra (noted): `/.default` in a delegated request is refused, because registered apps here
 * carry no static delegated permission list it could expand to; scopes of other resources are refused too.
 */
export function parseDelegatedScopes(raw: string): string[] {
  const out = new Set<string>();
  for (const item of splitScopes(raw)) {
    const short = item.toLowerCase().startsWith(`${GRAPH_RESOURCE}/`) ? item.slice(GRAPH_RESOURCE.length + 1) : item;
    if (short === '.default') {
      throw aad.invalidScope(item, 'The simulator needs explicit delegated scopes; /.default is for client credentials and admin consent.');
    }
    const name = CANONICAL.get(short.toLowerCase());
    if (!name) throw aad.invalidScope(item, `Known scopes: Microsoft Graph permissions (${[...CANONICAL.values()].join(', ')}).`);
    out.add(name);
  }
  return [...out];
}

/** Graph permissions only a Global Administrator may consent to (Graph's scope type "Admin"). */
export function adminOnlyScopes(scopes: string[]): string[] {
  return scopes.filter((s) => ADMIN_ONLY.has(s));
}

export function describeScope(scope: string): string {
  return GRAPH_PERMISSIONS[scope]?.description ?? scope;
}

/** Scopes that belong in an access token's `scp` and the response's `scope`: offline_access is about the grant. */
export function accessTokenScopes(scopes: string[]): string[] {
  return scopes.filter((s) => s !== 'offline_access');
}

/** Graph permissions the request asked for that the consent does not cover (the OIDC scopes need no consent). */
export function missingScopes(requested: string[], consented: ReadonlySet<string>): string[] {
  return requested.filter((s) => !OIDC_SCOPES.has(s) && !consented.has(s));
}
