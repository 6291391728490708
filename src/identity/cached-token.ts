/**
 * Whether the tenant's stored cache already holds an access token that may be handed out, or the identity
 * platform must be asked. A pure decision over MSAL's serialized cache, so the token provider can take it before
 * and again under the refresh lock, and hand MSAL only the acquisitions that need the network.
 */
import type { JsonCache, SerializedAccessTokenEntity } from '@azure/msal-node';
import type { AccessToken } from './token-provider.types';

/**
 * A token with less left than this is refreshed (MSAL's own default margin): a Graph call, its retries and
 * paging must not outlive the token they started with.
 */
export const RENEWAL_MARGIN_SECONDS = 300;

export interface CachedTokenQuery {
  clientId: string;
  /** The customer's Entra tenant id: tokens are issued per tenant (MSAL's `realm`). */
  entraTenantId: string;
  scopes: readonly string[];
  nowSeconds: number;
}

/**
 * The access token to use: of the cache's bearer tokens for an account still in the cache, this client and
 * tenant, covering every requested scope (case-insensitive), the one that lives longest, provided it lives at
 * least RENEWAL_MARGIN_SECONDS more and the platform's suggested refresh time (refresh_on) has not come.
 * Null: ask the identity platform.
 */
export function usableAccessToken(cache: JsonCache | null, query: CachedTokenQuery): AccessToken | null {
  if (!cache) return null;
  const realm = query.entraTenantId.toLowerCase();
  const accounts = new Set(
    Object.values(cache.Account)
      .filter((account) => account.realm.toLowerCase() === realm)
      .map((account) => account.home_account_id),
  );
  const wanted = query.scopes.map((scope) => scope.toLowerCase());
  const best = Object.values(cache.AccessToken)
    .filter(
      (token) =>
        token.credential_type === 'AccessToken' &&
        token.client_id.toLowerCase() === query.clientId.toLowerCase() &&
        token.realm.toLowerCase() === realm &&
        accounts.has(token.home_account_id) &&
        coversScopes(token, wanted) &&
        Number(token.expires_on) - RENEWAL_MARGIN_SECONDS > query.nowSeconds &&
        (token.refresh_on === undefined || Number(token.refresh_on) > query.nowSeconds),
    )
    .sort((a, b) => Number(b.expires_on) - Number(a.expires_on))[0];
  return best
    ? { accessToken: best.secret, expiresOn: new Date(Number(best.expires_on) * 1000), scopes: best.target.split(' ') }
    : null;
}

function coversScopes(token: SerializedAccessTokenEntity, wanted: readonly string[]): boolean {
  const granted = new Set(token.target.toLowerCase().split(' '));
  return wanted.every((scope) => granted.has(scope));
}
