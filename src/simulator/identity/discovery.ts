/**
 * Discovery (graph-facts §9): the OpenID configuration per tenant, instance discovery and the signing keys.
 * The simulator serves login and Graph from one host, so msgraph_host is the simulator's host:port.
 */
import { Router, type Request, type Response } from 'express';
import type { SimulatorContext } from '../context';
import { publicJwk } from '../tokens';
import { aad } from './aad-error';
import { jsonErrorHandler } from './error-handlers';
import { issuerOf } from './issue';
import { optionalParam } from './params';
import { resolveTenantPath, type TenantPath } from './tenant-path';

/** The literal placeholder Entra puts in the issuer of the multi-tenant documents. */
const TENANT_PLACEHOLDER = '{tenantid}';

export function openIdConfiguration(baseUrl: string, path: TenantPath): Record<string, unknown> {
  // Entra answers a domain-named document with the tenant's GUID in every endpoint.
  const segment = path.kind === 'tenant' ? path.tenant.id : path.segment;
  const issuerTenant = path.kind === 'tenant' ? path.tenant.id : TENANT_PLACEHOLDER;
  const host = new URL(baseUrl).host;
  return {
    token_endpoint: `${baseUrl}/${segment}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    jwks_uri: `${baseUrl}/${segment}/discovery/v2.0/keys`,
    response_modes_supported: ['query'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: issuerOf(baseUrl, issuerTenant),
    request_uri_parameter_supported: false,
    authorization_endpoint: `${baseUrl}/${segment}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${baseUrl}/${segment}/oauth2/v2.0/logout`,
    code_challenge_methods_supported: ['S256'],
    http_logout_supported: false,
    frontchannel_logout_supported: false,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'nonce', 'name', 'preferred_username', 'oid', 'tid', 'ver'],
    tenant_region_scope: 'NA',
    cloud_instance_name: host,
    cloud_graph_host_name: host,
    msgraph_host: host,
  };
}

/**
 * Instance discovery answers for the tenant named in `authorization_endpoint` when it points at this host,
 * else for `common`; the simulator is its own only alias.
 */
export function instanceDiscovery(baseUrl: string, authorizationEndpoint: string | undefined): Record<string, unknown> {
  const host = new URL(baseUrl).host;
  let tenant = 'common';
  if (authorizationEndpoint) {
    if (!URL.canParse(authorizationEndpoint)) throw aad.invalidParameter('authorization_endpoint', 'an absolute URL', authorizationEndpoint);
    const url = new URL(authorizationEndpoint);
    const first = url.pathname.split('/').filter(Boolean)[0];
    if (url.host === host && first) tenant = first;
  }
  return {
    tenant_discovery_endpoint: `${baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}

export function discoveryRouter(ctx: SimulatorContext): Router {
  const router = Router();
  router.get('/common/discovery/instance', (req: Request, res: Response) => {
    res.json(instanceDiscovery(ctx.settings.baseUrl, optionalParam(req.query, 'authorization_endpoint')));
  });
  router.get('/:tenant/v2.0/.well-known/openid-configuration', (req: Request<{ tenant: string }>, res: Response) => {
    res.json(openIdConfiguration(ctx.settings.baseUrl, resolveTenantPath(ctx.store, req.params.tenant)));
  });
  router.get('/:tenant/discovery/v2.0/keys', async (req: Request<{ tenant: string }>, res: Response) => {
    resolveTenantPath(ctx.store, req.params.tenant);
    res.json({ keys: [await publicJwk(ctx)] });
  });
  router.use(jsonErrorHandler(ctx));
  return router;
}
