import { AuthError, ClientConfigurationError, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { classifyTokenError, toIdentityError } from '../../src/identity/classify-token-error';
import {
  IdentityConfigurationError,
  ReconsentRequiredError,
  TokenCacheCorruptError,
  TransientIdentityError,
} from '../../src/identity/identity.errors';

/** What MSAL throws for a token-endpoint error body: ServerError, or InteractionRequiredAuthError for some. */
function tokenEndpointError(error: string, aadsts: number, status = 400, suberror?: string): ServerError {
  return new ServerError(
    error,
    'corr-1',
    `Error(s): ${aadsts} - Timestamp: 2026-11-27 - Description: AADSTS${aadsts}: something happened. - Trace ID: t`,
    suberror,
    String(aadsts),
    status,
  );
}

describe('classifyTokenError', () => {
  it.each([
    ['invalid refresh token', 'reconsent_required', 70000, tokenEndpointError('invalid_grant', 70000)],
    ['expired or revoked refresh token', 'reconsent_required', 70008, tokenEndpointError('invalid_grant', 70008)],
    ['inactive refresh token', 'reconsent_required', 700082, tokenEndpointError('invalid_grant', 700082)],
    ['password reset', 'reconsent_required', 50173, tokenEndpointError('invalid_grant', 50173, 400, 'bad_token')],
    ['consent missing', 'reconsent_required', 65001, tokenEndpointError('invalid_grant', 65001)],
    ['bad client secret', 'configuration', 7000215, tokenEndpointError('invalid_client', 7000215, 401)],
    ['expired client secret', 'configuration', 7000222, tokenEndpointError('invalid_client', 7000222, 401)],
    ['token endpoint 503', 'transient', 50000, tokenEndpointError('temporarily_unavailable', 50000, 503)],
    ['unlisted invalid_grant (code reused)', 'reconsent_required', 54005, tokenEndpointError('invalid_grant', 54005)],
    ['invalid scope', 'unknown', 70011, tokenEndpointError('invalid_scope', 70011)],
  ])('%s -> %s (AADSTS%s)', (_case, kind, aadsts, err) => {
    expect(classifyTokenError(err)).toMatchObject({ kind, aadsts });
  });

  it('reads the code from the description when MSAL dropped errorNo (interaction-required path)', () => {
    const err = new InteractionRequiredAuthError('invalid_grant', 'c', 'AADSTS50173: The provided grant has expired.', 'bad_token');
    expect(classifyTokenError(err)).toMatchObject({ kind: 'reconsent_required', aadsts: 50173 });
  });

  it('treats app-not-in-tenant (700016) as re-consent for application tenants only', () => {
    const err = tokenEndpointError('unauthorized_client', 700016);
    expect(classifyTokenError(err, 'APPLICATION')).toMatchObject({ kind: 'reconsent_required', aadsts: 700016 });
    expect(classifyTokenError(err, 'DELEGATED')).toMatchObject({ kind: 'configuration', aadsts: 700016 });
  });

  it.each([
    ['network failure', 'transient', new AuthError('network_error', '', 'POST https://login/token failed: ECONNREFUSED')],
    ['HTTP 500 without an error body', 'transient', new ServerError('server_error', '', 'answered HTTP 500', undefined, undefined, 500)],
    ['HTTP 429', 'transient', new ServerError('throttled', '', 'answered HTTP 429', undefined, undefined, 429)],
    ['no refresh token cached', 'reconsent_required', new InteractionRequiredAuthError('no_tokens_found', '')],
    ['MSAL configuration', 'configuration', new ClientConfigurationError('invalid_authority_metadata', '')],
    ['a plain Error', 'unknown', new Error('boom')],
    ['a thrown string', 'unknown', 'boom'],
  ])('%s -> %s', (_case, kind, err) => {
    const classification = classifyTokenError(err);
    expect(classification.kind).toBe(kind);
    expect(classification.aadsts).toBeUndefined();
  });

  it('never copies the platform description into the reason', () => {
    const err = tokenEndpointError('invalid_grant', 70008);
    expect(classifyTokenError(err).reason).toBe('the refresh token has expired or was revoked');
  });
});

describe('toIdentityError', () => {
  const context = { tenantId: 't-1', mode: 'DELEGATED' as const, attempts: 3 };

  it('maps each kind to its typed error, carrying the AADSTS code', () => {
    const reconsent = toIdentityError(tokenEndpointError('invalid_grant', 70008), context);
    expect(reconsent).toBeInstanceOf(ReconsentRequiredError);
    expect(reconsent).toMatchObject({ tenantId: 't-1', aadsts: 70008, code: 'RECONSENT_REQUIRED' });
    expect(reconsent.message).toBe('Tenant t-1 needs consent again: the refresh token has expired or was revoked (AADSTS70008)');

    const transient = toIdentityError(new AuthError('network_error', '', 'x'), context);
    expect(transient).toBeInstanceOf(TransientIdentityError);
    expect(transient).toMatchObject({ attempts: 3 });

    expect(toIdentityError(tokenEndpointError('invalid_client', 7000215, 401), context)).toBeInstanceOf(
      IdentityConfigurationError,
    );
  });

  it('passes our own errors through unchanged', () => {
    const own = new TokenCacheCorruptError('t-1', 'decryption failed');
    expect(toIdentityError(own, context)).toBe(own);
  });
});
