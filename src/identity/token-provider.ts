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
import { adminConsentUrl, authorityOptions } from './authority';
import { TenantCachePlugin } from './cache-plugin';
import { classifyTokenError, toIdentityError } from './classify-token-error';
import { defaultScope, delegatedScope, permissionNames, type Cloud } from './clouds';
import type { Encryptor } from './encryption';
import { IdentityConfigurationError, ReconsentRequiredError, UnexpectedIdentityError } from './identity.errors';
import { HttpsNetworkClient } from './network-client';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry';
import { SingleFlight } from './single-flight';
import { TokenCacheStore } from './token-cache.store';
import type {
  AccessToken,
  AuthCodeRedemption,
  AuthCodeRedemptionInput,
  AuthCodeRequestInput,
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
}

const ORGANIZATIONS = 'organizations';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class TokenProvider {
  private readonly apps = new Map<string, ConfidentialClientApplication>();
  private readonly flights = new SingleFlight<AccessToken>();
  private readonly network: HttpsNetworkClient;
  private readonly store: TokenCacheStore;
  private readonly crypto = new CryptoProvider();
  private readonly retryPolicy: RetryPolicy;
  /** MSAL's own warnings and errors, into our log; with PII logging off MSAL leaves out tokens and user data. */
  private readonly msalLoggerOptions: NonNullable<NodeSystemOptions['loggerOptions']>;

  constructor(private readonly options: TokenProviderOptions) {
    this.network = new HttpsNetworkClient({ caPem: options.caPem, timeoutMs: options.httpTimeoutMs });
    this.store = new TokenCacheStore(options.dataSource);
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
    const app = this.createApp(input.tenant ?? ORGANIZATIONS, input.ourTenantId);
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
   * An access token for Graph. Delegated: from memory, else refreshed through the cached refresh token; scopes
   * default to the tenant's granted ones. Application: client credentials against the tenant's own authority,
   * scope `<graph>/.default`. Concurrent calls for one tenant and scope set share one acquisition.
   */
  async getAccessToken(tenant: TokenTenant, requested?: string[]): Promise<AccessToken> {
    if (tenant.cloud !== undefined && tenant.cloud !== this.cloud.name) {
      throw new IdentityConfigurationError(
        `tenant ${tenant.id}: expected cloud ${this.cloud.name} (this provider's), got ${tenant.cloud}`,
      );
    }
    const scopes = requested ?? this.defaultScopes(tenant);
    const key = `${tenant.id}|${tenant.authMode}|${[...scopes].sort().join(' ')}`;
    return this.flights.run(key, async () => {
      const result = await this.acquire({ tenantId: tenant.id, mode: tenant.authMode }, () =>
        tenant.authMode === 'APPLICATION' ? this.applicationToken(tenant, scopes) : this.delegatedToken(tenant, scopes),
      );
      if (!result.expiresOn) throw new UnexpectedIdentityError('the token response had no expiry');
      return { accessToken: result.accessToken, expiresOn: result.expiresOn, scopes: result.scopes };
    });
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

  private async delegatedToken(tenant: TokenTenant, scopes: string[]): Promise<AuthenticationResult> {
    const app = this.app(tenant.entraTenantId, tenant.id);
    const accounts = await app.getTokenCache().getAllAccounts();
    const entraTenantId = tenant.entraTenantId.toLowerCase();
    const account = accounts.find((candidate) => candidate.tenantId.toLowerCase() === entraTenantId);
    if (!account) {
      throw new ReconsentRequiredError(tenant.id, 'no consented account is stored for the tenant');
    }
    return app.acquireTokenSilent({ account, scopes });
  }

  private async applicationToken(tenant: TokenTenant, scopes: string[]): Promise<AuthenticationResult> {
    const result = await this.app(tenant.entraTenantId).acquireTokenByClientCredential({ scopes });
    if (!result) throw new UnexpectedIdentityError('client credentials returned no token');
    return result;
  }

  private acquire<T>(context: { tenantId: string; mode: TenantAuthMode }, operation: () => Promise<T>): Promise<T> {
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

  /** Applications are kept per (authority tenant, our tenant): MSAL's in-memory state lives in them. */
  private app(authorityTenant: string, cacheTenantId?: string): ConfidentialClientApplication {
    const key = `${authorityTenant}|${cacheTenantId ?? ''}`;
    let app = this.apps.get(key);
    if (!app) {
      app = this.createApp(authorityTenant, cacheTenantId);
      this.apps.set(key, app);
    }
    return app;
  }

  /**
   * The authority and, for delegated tokens, the tenant's cache plugin are fixed at construction. Application
   * tokens get no plugin: nothing of them is persisted.
   */
  private createApp(authorityTenant: string, cacheTenantId?: string): ConfidentialClientApplication {
    const app: ConfidentialClientApplication = new ConfidentialClientApplication({
      auth: {
        clientId: this.options.clientId,
        clientSecret: this.options.clientSecret,
        ...authorityOptions(this.cloud, authorityTenant),
      },
      cache: cacheTenantId
        ? {
            cachePlugin: new TenantCachePlugin(cacheTenantId, this.store, this.options.encryptor, () =>
              app.clearCache(),
            ),
          }
        : undefined,
      system: { networkClient: this.network, loggerOptions: this.msalLoggerOptions },
    });
    return app;
  }
}
