/**
 * The national clouds of the Microsoft identity platform (graph-facts §10) and `custom` endpoints (the simulator).
 * A cloud fixes both the login host and the Graph host; a tenant's tokens are requested, cached and used within
 * one cloud only, so a token for graph.microsoft.us can never be sent to graph.microsoft.com.
 */

export type CloudName = 'global' | 'usgov-l4' | 'usgov-l5' | 'china' | 'custom';

export interface Cloud {
  name: CloudName;
  /** Origin of the identity platform, e.g. https://login.microsoftonline.com (no trailing slash). */
  loginBaseUrl: string;
  /** Origin of Microsoft Graph, e.g. https://graph.microsoft.com (no trailing slash). */
  graphBaseUrl: string;
  /** The resource identifier Graph scopes are qualified with: `<graphResource>/User.Read.All`. */
  graphResource: string;
}

const NATIONAL_CLOUDS: Record<Exclude<CloudName, 'custom'>, Cloud> = {
  global: cloud('global', 'https://login.microsoftonline.com', 'https://graph.microsoft.com'),
  'usgov-l4': cloud('usgov-l4', 'https://login.microsoftonline.us', 'https://graph.microsoft.us'),
  'usgov-l5': cloud('usgov-l5', 'https://login.microsoftonline.us', 'https://dod-graph.microsoft.us'),
  china: cloud('china', 'https://login.partner.microsoftonline.cn', 'https://microsoftgraph.chinacloudapi.cn'),
};

/**
 * The Graph resource a custom (simulated) identity platform issues tokens for: the simulator mints tokens with
 * aud https://graph.microsoft.com whatever host it serves Graph on.
 */
const CUSTOM_GRAPH_RESOURCE = 'https://graph.microsoft.com';

function cloud(name: CloudName, loginBaseUrl: string, graphBaseUrl: string): Cloud {
  return Object.freeze({ name, loginBaseUrl, graphBaseUrl, graphResource: graphBaseUrl });
}

export type CloudSpec =
  | { name: Exclude<CloudName, 'custom'> }
  | { name: 'custom'; loginBaseUrl: string; graphBaseUrl: string };

/** Resolves a cloud by name; `custom` needs explicit HTTPS login and Graph base URLs. */
export function resolveCloud(spec: CloudSpec): Cloud {
  if (spec.name !== 'custom') {
    const known = NATIONAL_CLOUDS[spec.name];
    if (!known) {
      throw new Error(`Unknown cloud: expected one of ${cloudNames().join(', ')}, got ${JSON.stringify(spec.name)}`);
    }
    return known;
  }
  return Object.freeze({
    name: 'custom',
    loginBaseUrl: httpsOrigin('loginBaseUrl', spec.loginBaseUrl),
    graphBaseUrl: httpsOrigin('graphBaseUrl', spec.graphBaseUrl),
    graphResource: CUSTOM_GRAPH_RESOURCE,
  });
}

export function cloudNames(): CloudName[] {
  return [...(Object.keys(NATIONAL_CLOUDS) as CloudName[]), 'custom'];
}

/** A fully qualified delegated or application permission: graphScope(global, 'User.Read.All'). */
export function graphScope(target: Cloud, permission: string): string {
  return `${target.graphResource}/${permission}`;
}

/**
 * A delegated permission as the authorize and token requests name it. In the global cloud (and the simulator)
 * Graph is the default resource and the platform answers with bare names (`User.Read.All`); requesting the bare
 * name keeps MSAL's cached token matching the request. National clouds get their own Graph host spelled out.
 */
export function delegatedScope(target: Cloud, permission: string): string {
  return target.graphResource === NATIONAL_CLOUDS.global.graphResource ? permission : graphScope(target, permission);
}

/** `<graph resource>/.default`: every permission consented for the app (client credentials, admin consent). */
export function defaultScope(target: Cloud): string {
  return graphScope(target, '.default');
}

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

/** The Graph permissions among granted scopes, as bare names (`User.Read.All`); the sign-in scopes dropped. */
export function permissionNames(target: Cloud, scopes: readonly string[]): string[] {
  const prefix = `${target.graphResource}/`;
  return scopes
    .filter((scope) => !OIDC_SCOPES.has(scope.toLowerCase()))
    .map((scope) => (scope.startsWith(prefix) ? scope.slice(prefix.length) : scope));
}

/** The host (with port, if any) of the cloud's identity platform, as MSAL's knownAuthorities expects it. */
export function loginHost(target: Cloud): string {
  return new URL(target.loginBaseUrl).host;
}

// MSAL refuses http:// authorities (authority_uri_insecure); failing here names the setting instead.
function httpsOrigin(setting: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`Custom cloud ${setting}: expected an absolute https URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'https:') {
    throw new Error(`Custom cloud ${setting}: expected an https URL, got ${url.protocol}//${url.host}`);
  }
  return url.origin;
}
