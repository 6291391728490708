/**
 * Finishes a consent at the OAuth callback. The state is used up first (single-use, atomic); then the
 * delegated flow redeems the code through MSAL and the application flow proves access with a client-credentials
 * token. The customer's Entra tenant id always comes from a token, never from the query string. Every outcome
 * with a valid state is a 303 to the state's (already allow-listed) returnUrl; everything else is refused.
 */
import type { DataSource } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import { IdentityError, TenantTokenCache, TransientIdentityError, type TokenProvider } from '../identity';
import type { Logger } from '../logging';
import { parseCallback, type MicrosoftError } from './callback-params';
import { consentAuthority, delegatedConsentScopes } from './consent-requests';
import type { AuthMode } from './features';
import type { ConsentRequest, OAuthStateStore } from './oauth-state.store';
import { withOutcome } from './return-url';
import { applyTenantEvent, TenantTransitionError } from './tenant-lifecycle';
import { Tenant } from './tenant.entity';
import { applicationTokenClaims } from './token-claims';

export type CallbackResult = { kind: 'redirect'; location: string } | { kind: 'refused'; reason: string };

const UNKNOWN_STATE = 'the consent request is unknown, has expired or was already used: start again from the application';

/** A consent that reached us but cannot make the tenant active; `error` goes into the redirect. */
class ConsentFailure extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

export interface ConsentCallbackDeps {
  dataSource: DataSource;
  tokens: TokenProvider;
  states: OAuthStateStore;
  logger: Logger;
}

export class ConsentCallbacks {
  constructor(private readonly deps: ConsentCallbackDeps) {}

  async handle(flow: AuthMode, query: Record<string, unknown>): Promise<CallbackResult> {
    const params = parseCallback(flow, query);
    if (params.kind === 'refused') return params;
    const request = await this.deps.states.consume(params.state, flow);
    if (!request) return { kind: 'refused', reason: UNKNOWN_STATE };

    const log = { tenantId: request.tenantId, flow };
    try {
      const tenant =
        params.kind === 'microsoft-error'
          ? await this.microsoftError(request, params.error)
          : params.kind === 'code'
            ? await this.redeemCode(request, params.code)
            : await this.proveApplicationAccess(request, params.tenant);
      this.deps.logger.info({ ...log, status: tenant.status }, 'consent completed');
      return redirect(request, { tenantId: tenant.id, status: tenant.status });
    } catch (err) {
      const failure = asFailure(err);
      if (failure === UNEXPECTED) this.deps.logger.error({ ...log, err }, 'consent failed unexpectedly');
      else this.deps.logger.warn({ ...log, error: failure.error, reason: failure.description }, 'consent failed');
      const status = await this.currentStatus(request.tenantId);
      return redirect(request, {
        tenantId: request.tenantId,
        ...(status ? { status } : {}),
        error: failure.error,
        error_description: failure.description,
      });
    }
  }

  private async microsoftError(request: ConsentRequest, error: MicrosoftError): Promise<never> {
    await applyTenantEvent(this.deps.dataSource, request.tenantId, 'CONSENT_FAILED', error.description);
    throw new ConsentFailure(error.error, error.description);
  }

  private async redeemCode(request: ConsentRequest, code: string): Promise<Tenant> {
    const tenant = await this.tenant(request.tenantId);
    const redemption = await this.deps.tokens.redeemAuthCode({
      ourTenantId: tenant.id,
      code,
      codeVerifier: request.codeVerifier!,
      redirectUri: request.redirectUri,
      scopes: delegatedConsentScopes(this.deps.tokens.cloud, tenant.features),
      tenant: consentAuthority(tenant),
    });
    try {
      return await this.activate(tenant, redemption.entraTenantId.toLowerCase(), redemption.grantedScopes, 'an administrator consented (delegated)');
    } catch (err) {
      // The redemption stored the signed-in account in this tenant's cache; it must not outlive a refused consent.
      await this.deps.dataSource.getRepository(TenantTokenCache).delete({ tenantId: tenant.id });
      throw err;
    }
  }

  private async proveApplicationAccess(request: ConsentRequest, reportedTenant: string): Promise<Tenant> {
    const tenant = await this.tenant(request.tenantId);
    // Re-consent goes to the tenant we already know; a first consent can only ask where Microsoft pointed, and
    // the token's own tid (issued only where our app is consented) is what we record.
    const authority = tenant.entraTenantId ?? reportedTenant;
    // Forced: the proof must come from the identity platform now, not from a token cached before the consent.
    const token = await this.deps.tokens.getAccessToken(
      { id: tenant.id, entraTenantId: authority, authMode: 'APPLICATION', cloud: tenant.cloud },
      undefined,
      { forceRefresh: true },
    );
    const claims = applicationTokenClaims(token.accessToken);
    return this.activate(tenant, claims.tid, claims.roles, 'an administrator granted admin consent; a client-credentials token was issued');
  }

  private async activate(tenant: Tenant, entraTenantId: string, grantedScopes: string[], reason: string): Promise<Tenant> {
    if (tenant.entraTenantId && tenant.entraTenantId.toLowerCase() !== entraTenantId) {
      throw new ConsentFailure('wrong_tenant', `the consent came from another Entra tenant than ${tenant.entraTenantId}`);
    }
    try {
      return await applyTenantEvent(this.deps.dataSource, tenant.id, 'CONSENT_GRANTED', reason, { entraTenantId, grantedScopes });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ConsentFailure('tenant_already_connected', `Entra tenant ${entraTenantId} is already connected to this gateway`);
      }
      throw err;
    }
  }

  private async tenant(id: string): Promise<Tenant> {
    return this.deps.dataSource.getRepository(Tenant).findOneByOrFail({ id });
  }

  private async currentStatus(id: string): Promise<string | undefined> {
    return (await this.deps.dataSource.getRepository(Tenant).findOneBy({ id }))?.status;
  }
}

function redirect(request: ConsentRequest, outcome: Record<string, string>): CallbackResult {
  return { kind: 'redirect', location: withOutcome(request.returnUrl, outcome) };
}

/** What the customer's browser learns of a failure of ours: nothing but that it happened (the log has the rest). */
const UNEXPECTED = new ConsentFailure('server_error', 'the gateway failed to finish the consent; try again later');

/** Identity errors carry our own wording (no token, code or raw platform text), so they may be passed on. */
function asFailure(err: unknown): ConsentFailure {
  if (err instanceof ConsentFailure) return err;
  if (err instanceof TransientIdentityError) return new ConsentFailure('temporarily_unavailable', err.message);
  if (err instanceof IdentityError) return new ConsentFailure('consent_failed', err.message);
  if (err instanceof TenantTransitionError) return new ConsentFailure('tenant_unavailable', err.message);
  return UNEXPECTED;
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string } | undefined)?.code === '23505';
}
