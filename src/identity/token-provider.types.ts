/** The token provider's inputs and outputs, shared by its callers (consent routes, the Graph client). */
import type { CloudName } from './clouds';

export type TenantAuthMode = 'DELEGATED' | 'APPLICATION';

/** What the provider needs to know about a connected tenant. */
export interface TokenTenant {
  /** Our tenant id (tenants.id): keys the encrypted token cache. */
  id: string;
  /** The customer's Entra tenant id (GUID), as learned from the token at consent. */
  entraTenantId: string;
  authMode: TenantAuthMode;
  /** When given, checked against the provider's cloud: a tenant's tokens never cross clouds. */
  cloud?: CloudName;
  /** Delegated permissions consented (bare names, as redeemAuthCode returns them): the default token scopes. */
  grantedScopes?: readonly string[];
}

export interface GetAccessTokenOptions {
  /** Ask the identity platform even when a usable token is cached (delegated: redeem the refresh token). */
  forceRefresh?: boolean;
}

export interface AccessToken {
  accessToken: string;
  expiresOn: Date;
  scopes: string[];
}

export interface AuthCodeRequestInput {
  /** Entra tenant GUID, a verified domain, or `organizations` when the customer is not known yet. */
  tenant: string;
  scopes: string[];
  redirectUri: string;
  state: string;
  loginHint?: string;
  prompt?: 'login' | 'none' | 'consent' | 'select_account';
}

export interface AuthCodeRedemptionInput {
  ourTenantId: string;
  code: string;
  codeVerifier: string;
  redirectUri: string;
  scopes: string[];
  /** The authority the authorization request went to; default `organizations`. */
  tenant?: string;
}

export interface AuthCodeRedemption {
  entraTenantId: string;
  homeAccountId: string;
  grantedScopes: string[];
}
