/**
 * Simulator helpers for the token path's integration tests: a TokenProvider wired to a running simulator, and
 * the consent flows driven over real HTTPS the way a browser would.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { resolveCloud } from '../../src/identity/clouds';
import type { Encryptor } from '../../src/identity/encryption';
import { TokenProvider } from '../../src/identity/token-provider';
import type { AuthCodeRedemption } from '../../src/identity/token-provider.types';
import { VERAFIELD } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import { TEST_ADMIN_REDIRECT_URI, TEST_REDIRECT_URI, answerConsentPage, redirectParams } from '../support/simulator';

export const DELEGATED_SCOPES = ['User.Read.All', 'GroupMember.Read.All'];
/** Fast back-off: the tests prove the number of attempts, not the waiting. */
export const TEST_RETRY = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

export function simulatorProvider(
  sim: RunningSimulator,
  dataSource: DataSource,
  encryptor: Encryptor,
  overrides: { clientSecret?: string; logger?: Logger; refreshLockTimeoutMs?: number } = {},
): TokenProvider {
  const app = sim.apps[0]!;
  return new TokenProvider({
    clientId: app.clientId,
    clientSecret: overrides.clientSecret ?? app.secrets[0]!.secretText,
    cloud: resolveCloud({ name: 'custom', loginBaseUrl: sim.baseUrl, graphBaseUrl: sim.baseUrl }),
    caPem: sim.caCertPem,
    dataSource,
    encryptor,
    retry: TEST_RETRY,
    logger: overrides.logger,
    refreshLockTimeoutMs: overrides.refreshLockTimeoutMs,
  });
}

/** The delegated code flow as Verafield's global admin: consent page, redirect captured, code redeemed. */
export async function consentDelegated(
  sim: RunningSimulator,
  provider: TokenProvider,
  ourTenantId: string,
): Promise<AuthCodeRedemption> {
  const state = randomUUID();
  const { url, codeVerifier } = await provider.createAuthCodeRequest({
    tenant: 'organizations',
    scopes: DELEGATED_SCOPES,
    redirectUri: TEST_REDIRECT_URI,
    state,
    loginHint: VERAFIELD.users.globalAdmin.userPrincipalName,
  });
  const decision = await answerConsentPage(sim, url, { login: VERAFIELD.users.globalAdmin.userPrincipalName });
  const params = redirectParams(decision);
  if (params.get('state') !== state) throw new Error(`expected state ${state} back, got ${params.get('state')}`);
  const code = params.get('code');
  if (!code) throw new Error(`expected a code in the redirect, got ${[...params.keys()].join(', ')}`);
  return provider.redeemAuthCode({ ourTenantId, code, codeVerifier, redirectUri: TEST_REDIRECT_URI, scopes: DELEGATED_SCOPES });
}

/** Admin consent for application permissions as Verafield's global admin; returns the redirect's parameters. */
export async function consentAsAdmin(sim: RunningSimulator, provider: TokenProvider): Promise<URLSearchParams> {
  const url = provider.getAdminConsentUrl({ tenant: VERAFIELD.tenantId, redirectUri: TEST_ADMIN_REDIRECT_URI, state: 'admin-state' });
  return redirectParams(await answerConsentPage(sim, url, { login: VERAFIELD.users.globalAdmin.userPrincipalName }));
}

/** The claims of a JWT, unverified (the simulator's own tests verify signatures). */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function tokenRequests(sim: RunningSimulator, grantType: string): number {
  return sim.ctx.counters.tokenRequests[grantType] ?? 0;
}
