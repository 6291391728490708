/**
 * The only part of the gateway that talks to the Microsoft identity platform: consent URLs, code redemption,
 * and access tokens for Graph, delegated (refresh token from the tenant's encrypted cache) or application
 * (client credentials against the customer tenant's authority).
 */
import {
  ConfidentialClientApplication,
  CryptoProvider,
  LogLevel,
  type AccountInfo,
  type AuthenticationResult,
  type IdTokenClaims,
  type NodeSystemOptions,
} from '@azure/msal-node';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { chargeOperation } from '../core/operation-budget';
import { recordTokenRequest } from '../observability/metrics';
import { inSpan, SpanKind } from '../observability/tracing';
import { adminConsentUrl, authorityOptions } from './authority';
import { TenantCachePlugin } from './cache-plugin';
import { usableAccessToken } from './cached-token';
import { classifyTokenError, toIdentityError } from './classify-token-error';
import { defaultScope, delegatedScope, permissionNames, type Cloud } from './clouds';
import type { Encryptor } from './encryption';
import { IdentityConfigurationError, ReconsentRequiredError, TransientIdentityError, UnexpectedIdentityError } from './identity.errors';
import { HttpsNetworkClient } from './network-client';
import { RefreshLock } from './refresh-lock';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry';
import { SingleFlight } from './single-flight';
import { TokenCacheStore } from './token-cache.store';
import type {
  AccessToken,
  AuthCodeRedemption,
  AuthCodeRedemptionInput,
  AuthCodeRequestInput,
  GetAccessTokenOptions,
  TenantAuthMode,
  TokenTenant,
} from './token-provider.types';

export interface TokenProviderOptions {
  clientId: string;
  clientSecret: string;
  /** The cloud every tenant of this provider lives in (see resolveCloud). */
  cloud: Cloud;
  /** Extra CA to trust for the identity platform (the simulator's certificate). */
  caPem?: string;
  dataSource: DataSource;
  encryptor: Encryptor;
  logger?: Logger;
  retry?: RetryPolicy;
  httpTimeoutMs?: number;
  /** How long a delegated refresh waits for another instance refreshing the same tenant (default 30 s). */
  refreshLockTimeoutMs?: number;
}

/** A delegated tenant's MSAL application and the plugin that keeps its cache in the tenant's row. */
interface DelegatedClient {
  app: ConfidentialClientApplication;
  cache: TenantCachePlugin;
}

const ORGANIZATIONS = 'organizations';
const DEFAULT_REFRESH_LOCK_TIMEOUT_MS = 30_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class TokenProvider {
  private readonly apps = new Map<string, ConfidentialClientApplication>();
  private readonly delegatedClients = new Map<string, DelegatedClient>();
  private readonly flights = new SingleFlight<AccessToken>();
  private readonly network: HttpsNetworkClient;
  private readonly store: TokenCacheStore;
  private readonly refreshLock: RefreshLock;
  private readonly crypto = new CryptoProvider();
  private readonly retryPolicy: RetryPolicy;
  /** MSAL's own warnings and errors, into our log; with PII logging off MSAL leaves out tokens and user data. */
  private readonly msalLoggerOptions: NonNullable<NodeSystemOptions['loggerOptions']>;

  constructor(private readonly options: TokenProviderOptions) {
    this.network = new HttpsNetworkClient({ caPem: options.caPem, timeoutMs: options.httpTimeoutMs });
    this.store = new TokenCacheStore(options.dataSource);
    this.refreshLock = new RefreshLock(
      options.dataSource,
      this.store,
      options.refreshLockTimeoutMs ?? DEFAULT_REFRESH_LOCK_TIMEOUT_MS,
    );
    this.retryPolicy = options.retry ?? DEFAULT_RETRY_POLICY;
    const logger = options.logger;
    this.msalLoggerOptions = {
      logLevel: LogLevel.Warning,
      piiLoggingEnabled: false,
      loggerCallback: (level: LogLevel, message: string) => {
        if (level === LogLevel.Error) logger?.error({ source: 'msal' }, message);
        else logger?.warn({ source: 'msal' }, message);
      },
    };
  }

  get cloud(): Cloud {
    return this.options.cloud;
  }

  /** The authorization URL (code flow with PKCE S256) and the verifier the caller keeps for the redemption. */
  async createAuthCodeRequest(input: AuthCodeRequestInput): Promise<{ url: string; codeVerifier: string }> {
    const { verifier, challenge } = await this.crypto.generatePkceCodes();
    const url = await this.app(input.tenant).getAuthCodeUrl({
      scopes: input.scopes,
      redirectUri: input.redirectUri,
      state: input.state,
      loginHint: input.loginHint,
      prompt: input.prompt,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
    });
    return { url, codeVerifier: verifier };
  }

  /**
   * Redeems a code into the encrypted cache of `ourTenantId`, which from then on holds only this account.
   * The Entra tenant id is the id token's tid: the redirect's query parameters are the caller's to forge.
   */
  async redeemAuthCode(input: AuthCodeRedemptionInput): Promise<AuthCodeRedemption> {
    // A one-off application: consent happens once per tenant, and its authority may be `organizations`.
    const { app } = this.createDelegatedClient(input.tenant ?? ORGANIZATIONS, input.ourTenantId);
    const result = await this.acquire({ tenantId: input.ourTenantId, mode: 'DELEGATED' }, () =>
      app.acquireTokenByCode({
        code: input.code,
        codeVerifier: input.codeVerifier,
        redirectUri: input.redirectUri,
        scopes: input.scopes,
      }),
    );
    const entraTenantId = (result.idTokenClaims as IdTokenClaims).tid;
    if (!result.account || typeof entraTenantId !== 'string' || !GUID.test(entraTenantId)) {
      throw new UnexpectedIdentityError('the code redemption returned no id token with a tenant id (tid)');
    }
    await this.forgetOtherAccounts(app, result.account);
    return {
      entraTenantId,
      homeAccountId: result.account.homeAccountId,
      grantedScopes: permissionNames(this.cloud, result.scopes),
    };
  }

  /** Admin consent (v2 endpoint) for application permissions: scope `<graph>/.default`. */
  getAdminConsentUrl(input: { tenant: string; redirectUri: string; state: string }): string {
    return adminConsentUrl(this.cloud, {
      ...input,
      clientId: this.options.clientId,
      scope: defaultScope(this.cloud),
    });
  }

  /**
   * An access token for Graph. Delegated: the stored one while it lives long enough, else refreshed through the
   * stored refresh token, once across all instances (see delegatedToken); scopes default to the tenant's granted
   * ones. Application: client credentials against the tenant's own authority, scope `<graph>/.default`.
   * Concurrent calls for one tenant and scope set share one acquisition. `forceRefresh` skips every cache and
   * asks the identity platform (a connection check, a consent proof, a token Graph refused).
   */
  async getAccessToken(tenant: TokenTenant, requested?: string[], options: GetAccessTokenOptions = {}): Promise<AccessToken> {
    if (tenant.cloud !== undefined && tenant.cloud !== this.cloud.name) {
      throw new IdentityConfigurationError(
        `tenant ${tenant.id}: expected cloud ${this.cloud.name} (this provider's), got ${tenant.cloud}`,
      );
    }
    const scopes = requested ?? this.defaultScopes(tenant);
    const forceRefresh = options.forceRefresh === true;
    // A forced call always reaches the identity platform: charged to the operation (connection checks in 50
    // aliases are 50 token requests). An unforced one is charged only when it refreshes (delegatedToken).
    if (forceRefresh) chargeOperation('tokenRequests');
    // A forced call never joins one that may be answered from the cache: it must reach the identity platform.
    const key = `${tenant.id}|${tenant.authMode}|${[...scopes].sort().join(' ')}|${forceRefresh ? 'forced' : 'cached'}`;
    return this.flights.run(key, () =>
      tenant.authMode === 'APPLICATION'
        ? this.applicationToken(tenant, scopes, forceRefresh)
        : this.delegatedToken(tenant, scopes, forceRefresh),
    );
  }

  /** Closes pooled connections to the identity platform. */
  close(): void {
    this.network.close();
  }

  private defaultScopes(tenant: TokenTenant): string[] {
    if (tenant.authMode === 'APPLICATION') return [defaultScope(this.cloud)];
    if (!tenant.grantedScopes?.length) {
      throw new IdentityConfigurationError(
        `delegated tenant ${tenant.id}: expected scopes or the tenant's grantedScopes, got neither`,
      );
    }
    return tenant.grantedScopes.map((permission) => delegatedScope(this.cloud, permission));
  }

  /**
   * The stored access token if it is usable; else, under the tenant's refresh lock (one holder across all
   * instances), the cache is reloaded (another instance may have just refreshed: its token is used) and only
   * then is the refresh token redeemed. The lock is taken once per in-process flight, not once per caller.
   */
  private async delegatedToken(tenant: TokenTenant, scopes: string[], forceRefresh: boolean): Promise<AccessToken> {
    const client = this.delegatedClient(tenant.entraTenantId, tenant.id);
    const query = { clientId: this.options.clientId, entraTenantId: tenant.entraTenantId, scopes };
    const stored = async () =>
      forceRefresh ? null : usableAccessToken(await client.cache.load(), { ...query, nowSeconds: nowSeconds() });
    return (
      (await stored()) ??
      this.refreshLock.run(tenant.id, async () => {
        const refreshedMeanwhile = await stored();
        if (refreshedMeanwhile) return refreshedMeanwhile;
        if (!forceRefresh) chargeOperation('tokenRequests');
        const account = await this.consentedAccount(client.app, tenant);
        // Forced: the decision above already refused the cached token, and MSAL, left to judge by its own rules,
        // could still answer from it.
        const result = await this.acquire({ tenantId: tenant.id, mode: 'DELEGATED' }, () =>
          client.app.acquireTokenSilent({ account, scopes, forceRefresh: true }),
        );
        return accessToken(result);
      })
    );
  }

  private async consentedAccount(app: ConfidentialClientApplication, tenant: TokenTenant): Promise<AccountInfo> {
    const entraTenantId = tenant.entraTenantId.toLowerCase();
    const accounts = await app.getTokenCache().getAllAccounts();
    const account = accounts.find((candidate) => candidate.tenantId.toLowerCase() === entraTenantId);
    if (!account) throw new ReconsentRequiredError(tenant.id, 'no consented account is stored for the tenant');
    return account;
  }

  /**
   * Not persisted and not locked across instances: nothing secret per application tenant is stored, and a
   * client-credentials token rotates nothing, so an instance getting its own costs one request an hour.
   */
  private async applicationToken(tenant: TokenTenant, scopes: string[], forceRefresh: boolean): Promise<AccessToken> {
    const result = await this.acquire({ tenantId: tenant.id, mode: 'APPLICATION' }, () =>
      this.app(tenant.entraTenantId).acquireTokenByClientCredential({ scopes, skipCache: forceRefresh }),
    );
    if (!result) throw new UnexpectedIdentityError('client credentials returned no token');
    return accessToken(result);
  }

  /** One token request (its retries included): a span and the token metrics around acquireWithRetry. */
  private acquire<T>(context: { tenantId: string; mode: TenantAuthMode }, operation: () => Promise<T>): Promise<T> {
    const attributes = { 'gateway.tenant_id': context.tenantId, 'identity.auth_mode': context.mode };
    return inSpan('token request', { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const started = performance.now();
      try {
        const result = await this.acquireWithRetry(context, operation);
        recordTokenRequest(context.mode, (performance.now() - started) / 1000, null);
        return result;
      } catch (error) {
        const kind = failureKind(error);
        span.setAttribute('identity.failure_kind', kind);
        recordTokenRequest(context.mode, (performance.now() - started) / 1000, kind);
        throw error;
      }
    });
  }

  private acquireWithRetry<T>(context: { tenantId: string; mode: TenantAuthMode }, operation: () => Promise<T>): Promise<T> {
    return withRetry(operation, {
      policy: this.retryPolicy,
      isRetryable: (err) => classifyTokenError(err, context.mode).kind === 'transient',
      toError: (err, attempts) => toIdentityError(err, { ...context, attempts }),
      onRetry: (err, attempt, delayMs) => {
        const { reason, aadsts } = classifyTokenError(err, context.mode);
        const fields = { tenantId: context.tenantId, attempt, delayMs, reason, aadsts };
        this.options.logger?.warn(fields, 'token request retry');
      },
    });
  }

  // A re-consent by another admin leaves the previous account (and its dead refresh token) behind.
  private async forgetOtherAccounts(app: ConfidentialClientApplication, keep: AccountInfo): Promise<void> {
    const cache = app.getTokenCache();
    for (const account of await cache.getAllAccounts()) {
      if (account.homeAccountId !== keep.homeAccountId) await cache.removeAccount(account);
    }
  }

  /**
   * Applications are kept per authority (application tokens, auth code URLs) and per (authority, our tenant)
   * for delegated tokens: MSAL's in-memory state lives in them. Application tokens get no cache plugin: nothing
   * of them is persisted.
   */
  private app(authorityTenant: string): ConfidentialClientApplication {
    let app = this.apps.get(authorityTenant);
    if (!app) {
      app = this.createApp(authorityTenant);
      this.apps.set(authorityTenant, app);
    }
    return app;
  }

  private delegatedClient(authorityTenant: string, ourTenantId: string): DelegatedClient {
    const key = `${authorityTenant}|${ourTenantId}`;
    let client = this.delegatedClients.get(key);
    if (!client) {
      client = this.createDelegatedClient(authorityTenant, ourTenantId);
      this.delegatedClients.set(key, client);
    }
    return client;
  }

  private createDelegatedClient(authorityTenant: string, ourTenantId: string): DelegatedClient {
    const cache = new TenantCachePlugin(ourTenantId, this.store, this.options.encryptor, () => app.clearCache());
    const app = this.createApp(authorityTenant, cache);
    return { app, cache };
  }

  /** The authority and the cache plugin are fixed at construction. */
  private createApp(authorityTenant: string, cachePlugin?: TenantCachePlugin): ConfidentialClientApplication {
    return new ConfidentialClientApplication({
      auth: {
        clientId: this.options.clientId,
        clientSecret: this.options.clientSecret,
        ...authorityOptions(this.cloud, authorityTenant),
      },
      cache: cachePlugin ? { cachePlugin } : undefined,
      system: { networkClient: this.network, loggerOptions: this.msalLoggerOptions },
    });
  }
}

function accessToken(result: AuthenticationResult): AccessToken {
  if (!result.expiresOn) throw new UnexpectedIdentityError('the token response had no expiry');
  return { accessToken: result.accessToken, expiresOn: result.expiresOn, scopes: result.scopes };
}

/** The metric label of a failed acquisition, from the typed error acquire's retry loop ends with. */
function failureKind(error: unknown): string {
  if (error instanceof ReconsentRequiredError) return 'reconsent_required';
  if (error instanceof TransientIdentityError) return 'transient';
  if (error instanceof IdentityConfigurationError) return 'configuration';
  return 'unknown';
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
