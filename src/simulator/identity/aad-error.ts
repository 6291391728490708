/**
 * The identity platform's OAuth errors (graph-facts §9): HTTP 400 (401 for invalid_client) with
 * {error, error_description "AADSTSnnnn: ...", error_codes:[n], timestamp, trace_id, correlation_id, suberror?}.
 * Handlers throw AadError; the router turns it into a JSON body, an error page or an error redirect.
 * The catalogue below is the one place that pairs an AADSTS code with its OAuth error and wording.
 */
import { randomUUID } from 'node:crypto';

export class AadError extends Error {
  constructor(
    readonly error: string,
    readonly code: number,
    readonly description: string,
    readonly status: number = error === 'invalid_client' ? 401 : 400,
    readonly suberror?: string,
  ) {
    super(`AADSTS${code}: ${description}`);
    this.name = 'AadError';
  }
}

export interface AadErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
}

/** Entra's timestamp format in error bodies: "2026-11-27 11:55:21Z". */
export function aadTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Entra echoes the caller's client-request-id (MSAL sends one) as correlation_id, and repeats the trace
 * details at the end of error_description.
 */
export function aadErrorBody(err: AadError, nowMs: number, baseUrl: string, clientRequestId?: string): AadErrorBody {
  const traceId = randomUUID();
  const correlationId = clientRequestId ?? randomUUID();
  const timestamp = aadTimestamp(nowMs);
  const body: AadErrorBody = {
    error: err.error,
    error_description: `${err.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [err.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${baseUrl}/error?code=${err.code}`,
  };
  if (err.suberror) body.suberror = err.suberror;
  return body;
}

export const aad = {
  /**
   * AADSTS90002. The OAuth error differs by endpoint: discovery (and the front channel) answer `invalid_tenant`,
   * the token endpoint answers `invalid_request` with the same code and wording.
   */
  tenantNotFound: (tenant: string, error: 'invalid_tenant' | 'invalid_request' = 'invalid_tenant') =>
    new AadError(error, 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`),
  /** Client credentials and admin consent need a concrete tenant. [unverified] code for /common with client credentials. */
  tenantRequired: (tenant: string, flow: string) =>
    new AadError('invalid_request', 50059, `No tenant-identifying information found in the request: '${tenant}' cannot be used with ${flow}; use the tenant id or a verified domain.`),
  missingParameter: (name: string) =>
    new AadError('invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  invalidParameter: (name: string, expected: string, got: string) =>
    new AadError('invalid_request', 90023, `Invalid value for parameter '${name}': expected ${expected}, got '${got}'.`),
  unknownClient: (clientId: string, tenant: string) =>
    new AadError('invalid_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`),
  badRedirectUri: (redirectUri: string, clientId: string, error = 'invalid_request') =>
    new AadError(error, 50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`),
  missingClientSecret: () =>
    new AadError('invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  unsupportedClientAssertion: () =>
    new AadError('invalid_client', 7000218, 'This simulator authenticates clients by client_secret only; client_assertion is not supported.'),
  duplicateClientAuth: () =>
    new AadError('invalid_request', 9002313, 'Invalid request: the client authenticated twice (HTTP Basic and client_secret in the body); use one.'),
  badSecret: (clientId: string) =>
    new AadError('invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`),
  expiredSecret: (clientId: string) =>
    new AadError('invalid_client', 7000222, `The provided client secret keys for app '${clientId}' are expired. Create new keys for your app.`),
  unsupportedResponseType: (responseType: string) =>
    new AadError('unsupported_response_type', 700054, `response_type '${responseType}' is not supported; this simulator implements the authorization code flow ('code').`),
  unsupportedGrantType: (grantType: string) =>
    new AadError('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'; supported: authorization_code, refresh_token, client_credentials.`),
  invalidScope: (scope: string, why: string) =>
    new AadError('invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid: '${scope}'. ${why}`),
  clientCredentialsScope: (scope: string) =>
    new AadError('invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`),
  codeInvalid: (why: string) => new AadError('invalid_grant', 70000, `The provided authorization code or refresh token is invalid: ${why}.`),
  codeRedeemed: () => new AadError('invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'),
  codeExpired: () =>
    new AadError('invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'),
  codeOtherTenant: () => new AadError('invalid_grant', 700005, 'Provided Authorization Code is intended to use against other tenant, thus rejected.'),
  pkceMismatch: () =>
    new AadError('invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  refreshInvalid: (why: string) => new AadError('invalid_grant', 70000, `The provided value for the input parameter 'refresh_token' is not valid: ${why}.`),
  refreshIdle: (days: number) =>
    new AadError('invalid_grant', 700082, `The refresh token has expired due to inactivity. The token was issued more than ${days} days ago and was inactive for ${days} days.`),
  refreshRevoked: () =>
    new AadError('invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password, or an administrator revoked the consent.', 400, 'bad_token'),
  consentMissing: (scopes: string[], clientId: string) =>
    new AadError('invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${clientId}' for: ${scopes.join(' ')}. Send an interactive authorization request for this user and resource.`, 400, 'consent_required'),
  userDisabled: () => new AadError('invalid_grant', 50057, 'The user account is disabled.'),
  transactionExpired: () =>
    new AadError('invalid_request', 90023, 'This sign-in page has expired or was already used. Start the sign-in again from the application.'),
  loginRequired: () => new AadError('login_required', 50058, 'A silent sign-in request was sent but no user is signed in.'),
  userDeclined: () => new AadError('access_denied', 65004, 'User declined to consent to access the app.'),
  adminConsentRequired: (scopes: string[]) =>
    new AadError('consent_required', 65004, `Only an administrator (Global Administrator) of this tenant can consent to: ${scopes.join(' ')}.`),
  temporarilyUnavailable: () =>
    new AadError('temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.', 503),
};
