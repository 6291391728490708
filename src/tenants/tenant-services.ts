/**
 * The tenant part's process-wide services, wired from configuration: the token provider (null without an
 * Entra app registration), the encryptor for secrets at rest, the consent machinery and the tenant service.
 */
import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { encryptorFromKeys, resolveCloud, TokenProvider, type CloudSpec, type Encryptor } from '../identity';
import type { Logger } from '../logging';
import type { InvalidationBus } from '../core/invalidation';
import { ConsentCallbacks } from './consent-callbacks';
import { ConsentRequests } from './consent-requests';
import { OAuthStateStore } from './oauth-state.store';
import { TenantService } from './tenant.service';
import { TenantTokens } from './tenant-tokens';

export interface TenantServices {
  /** Null when config.entra has no credentials: then no tenant can be consented or used. */
  tokens: TokenProvider | null;
  encryptor: Encryptor;
  tenants: TenantService;
  /** The one way to get a Graph token for a tenant. */
  tenantTokens: TenantTokens;
  /** What the OAuth callback routes run; null without a token provider. */
  consentCallbacks: ConsentCallbacks | null;
}

export interface TenantServiceConfig {
  config: Readonly<Config>;
  dataSource: DataSource;
  logger: Logger;
  /** Keeps TenantService's cache of tenant records true across instances. */
  invalidation?: InvalidationBus;
}

export function createTenantServices({ config, dataSource, logger, invalidation }: TenantServiceConfig): TenantServices {
  if (!config.encryption.keys) {
    throw new Error('Encryption keys: expected config.encryption.keys (main.ts supplies the development key), got none');
  }
  const encryptor = encryptorFromKeys(config.encryption.keys);
  const tokens = createTokenProvider(config, dataSource, encryptor, logger.child({ component: 'identity' }));
  const states = new OAuthStateStore(dataSource, encryptor);
  const consent = tokens && new ConsentRequests(tokens, states, config.server.publicUrl);
  const tenantLogger = logger.child({ component: 'tenants' });
  const tenants = new TenantService({
    dataSource,
    states,
    consent,
    invalidation,
    rules: { cloud: config.entra.cloud, allowedReturnOrigins: config.server.allowedReturnOrigins },
  });
  return {
    tokens,
    encryptor,
    tenants,
    // Every Graph call asks for a token: the tenant's record comes from the invalidated per-process cache.
    tenantTokens: new TenantTokens(dataSource, tokens, tenantLogger, (id) => tenants.getCached(id)),
    consentCallbacks: tokens && new ConsentCallbacks({ dataSource, tokens, states, logger: tenantLogger }),
  };
}

function createTokenProvider(config: Readonly<Config>, dataSource: DataSource, encryptor: Encryptor, logger: Logger): TokenProvider | null {
  const { credentials, cloud, loginUrl, graphUrl, caCertPath } = config.entra;
  if (!credentials) return null;
  const spec: CloudSpec = cloud === 'custom' ? { name: 'custom', loginBaseUrl: loginUrl ?? '', graphBaseUrl: graphUrl ?? '' } : { name: cloud };
  return new TokenProvider({
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    cloud: resolveCloud(spec),
    caPem: caCertPath ? readFileSync(caCertPath, 'utf8') : undefined,
    dataSource,
    encryptor,
    logger,
  });
}
