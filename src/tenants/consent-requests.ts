/**
 * Builds the Microsoft consent URL for a tenant (first connection or re-consent) and stores the pending
 * request its callback will finish: authorization code with PKCE for delegated tenants, the v2 admin-consent
 * endpoint for application tenants.
 */
import type { EntityManager } from 'typeorm';
import type { Cloud, TokenProvider } from '../identity';
import { consentScopes, type Feature } from './features';
import { newStateValue, type OAuthStateStore } from './oauth-state.store';
import type { Tenant } from './tenant.entity';

export const CALLBACK_PATHS = { DELEGATED: '/oauth/callback', APPLICATION: '/oauth/admin-callback' } as const;

/** The redirect URIs to register on the app registration, from the gateway's public URL. */
export function callbackUris(publicUrl: string): Record<keyof typeof CALLBACK_PATHS, string> {
  const base = publicUrl.replace(/\/$/, '');
  return { DELEGATED: `${base}${CALLBACK_PATHS.DELEGATED}`, APPLICATION: `${base}${CALLBACK_PATHS.APPLICATION}` };
}

/**
 * Before Microsoft has told us who the customer is, `organizations` lets any work account's admin answer;
 * afterwards the request goes to the customer's own tenant, so a consent from another tenant cannot be redeemed.
 */
export function consentAuthority(tenant: Pick<Tenant, 'entraTenantId'>): string {
  return tenant.entraTenantId ?? 'organizations';
}

export function delegatedConsentScopes(cloud: Cloud, features: readonly `${Feature}`[]): string[] {
  return consentScopes(features as Feature[], 'DELEGATED', cloud.graphResource);
}

export interface ConsentRequestInput {
  returnUrl: string;
  createdBy: string;
  loginHint?: string | null;
}

export class ConsentRequests {
  private readonly redirectUris: Record<keyof typeof CALLBACK_PATHS, string>;

  constructor(
    private readonly tokens: TokenProvider,
    private readonly states: OAuthStateStore,
    publicUrl: string,
  ) {
    this.redirectUris = callbackUris(publicUrl);
  }

  /**
   * A fresh consent URL for `tenant`; `input.returnUrl` must already be checked against the allow-list. The
   * pending request is stored through `manager` when given (inside the caller's transaction).
   */
  async consentUrl(tenant: Tenant, input: ConsentRequestInput, manager?: EntityManager): Promise<string> {
    const state = newStateValue();
    const redirectUri = this.redirectUris[tenant.authMode];
    const authority = consentAuthority(tenant);
    const request = { tenantId: tenant.id, flow: tenant.authMode, redirectUri, returnUrl: input.returnUrl, createdBy: input.createdBy };
    if (tenant.authMode === 'APPLICATION') {
      const url = this.tokens.getAdminConsentUrl({ tenant: authority, redirectUri, state });
      await this.states.save(state, { ...request, codeVerifier: null }, manager);
      return url;
    }
    const { url, codeVerifier } = await this.tokens.createAuthCodeRequest({
      tenant: authority,
      scopes: delegatedConsentScopes(this.tokens.cloud, tenant.features),
      redirectUri,
      state,
      loginHint: input.loginHint ?? undefined,
    });
    await this.states.save(state, { ...request, codeVerifier }, manager);
    return url;
  }
}
