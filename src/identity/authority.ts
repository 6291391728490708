/**
 * MSAL authority settings for a cloud and a tenant. For custom clouds (the simulator) MSAL is told everything
 * up front, knownAuthorities and the endpoint metadata, so it never calls Microsoft's instance discovery.
 */
import type { NodeAuthOptions } from '@azure/msal-node';
import { loginHost, type Cloud } from './clouds';

/** An authority path segment: a tenant GUID, a verified domain, or organizations/common/consumers. */
const TENANT_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

export function authorityUrl(cloud: Cloud, tenant: string): string {
  if (!TENANT_SEGMENT.test(tenant)) {
    throw new Error(`Authority tenant: expected a GUID, domain or "organizations", got ${JSON.stringify(tenant)}`);
  }
  return `${cloud.loginBaseUrl}/${tenant}`;
}

export function authorityOptions(
  cloud: Cloud,
  tenant: string,
): Pick<NodeAuthOptions, 'authority' | 'knownAuthorities' | 'authorityMetadata'> {
  const authority = authorityUrl(cloud, tenant);
  if (cloud.name !== 'custom') return { authority };
  return {
    authority,
    knownAuthorities: [loginHost(cloud)],
    authorityMetadata: JSON.stringify({
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      issuer: `${authority}/v2.0`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
    }),
  };
}

/** The v2 admin-consent URL (graph-facts §9): application permissions are requested as `<graph>/.default`. */
export function adminConsentUrl(
  cloud: Cloud,
  input: { tenant: string; clientId: string; scope: string; redirectUri: string; state: string },
): string {
  if (input.tenant.toLowerCase() === 'common') {
    throw new Error('Admin consent: expected a tenant GUID, domain or "organizations", got "common"');
  }
  const url = new URL(`${authorityUrl(cloud, input.tenant)}/v2.0/adminconsent`);
  url.search = new URLSearchParams({
    client_id: input.clientId,
    scope: input.scope,
    redirect_uri: input.redirectUri,
    state: input.state,
  }).toString();
  return url.toString();
}
