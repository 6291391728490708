/**
 * The publisher's registered apps as the identity platform sees them: lookup by client id, exact-match
 * redirect URIs, and client authentication at the token endpoint (client_secret in the body or HTTP Basic).
 */
import { timingSafeEqual } from 'node:crypto';
import type { RegisteredApp, SimulatorContext } from '../context';
import { aad } from './aad-error';
import { optionalParam, type ParamSource } from './params';

export function findApp(ctx: SimulatorContext, clientId: string): RegisteredApp | undefined {
  return ctx.apps.get(clientId) ?? ctx.apps.get(clientId.toLowerCase());
}

/** Exact string match, as Entra does for web redirect URIs (no normalisation, no wildcard). */
export function requireRedirectUri(app: RegisteredApp, redirectUri: string): void {
  if (!app.redirectUris.includes(redirectUri)) throw aad.badRedirectUri(redirectUri, app.clientId);
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before being base64-encoded. */
function parseBasic(header: string | undefined): { clientId: string; secret: string } | undefined {
  if (!header?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw aad.invalidParameter('Authorization', 'Basic base64(client_id:client_secret)', 'a value without a colon');
  const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return { clientId: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The authenticated app, or an AadError naming what was wrong (unknown app, bad or expired secret). */
export function authenticateClient(ctx: SimulatorContext, body: ParamSource, authorization: string | undefined, tenantLabel: string): RegisteredApp {
  const basic = parseBasic(authorization);
  const bodyClientId = optionalParam(body, 'client_id');
  const bodySecret = optionalParam(body, 'client_secret');
  if (optionalParam(body, 'client_assertion')) throw aad.unsupportedClientAssertion();
  if (basic && bodySecret) throw aad.duplicateClientAuth();
  if (basic && bodyClientId && basic.clientId !== bodyClientId) {
    throw aad.invalidParameter('client_id', `the client id of the Authorization header ('${basic.clientId}')`, bodyClientId);
  }
  const clientId = basic?.clientId ?? bodyClientId;
  if (!clientId) throw aad.missingParameter('client_id');
  const app = findApp(ctx, clientId);
  if (!app) throw aad.unknownClient(clientId, tenantLabel);
  const secret = basic?.secret ?? bodySecret;
  if (!secret) throw aad.missingClientSecret();
  const match = app.secrets.find((s) => sameSecret(s.secretText, secret));
  if (!match) throw aad.badSecret(app.clientId);
  if (Date.parse(match.endDateTime) <= ctx.now()) throw aad.expiredSecret(app.clientId);
  return app;
}
