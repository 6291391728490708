/**
 * The two claims of a Graph access token the application flow needs: `tid` (which tenant issued it) and
 * `roles` (the application permissions consented). The gateway is not Graph's audience, so it reads the
 * payload without verifying the signature: the token came straight from the identity platform over TLS.
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ApplicationTokenClaims {
  tid: string;
  roles: string[];
}

/** Throws an Error naming what was missing; the message never contains the token. */
export function applicationTokenClaims(accessToken: string): ApplicationTokenClaims {
  const payload = accessToken.split('.')[1];
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
  } catch {
    throw new Error('access token: expected a JWT with a JSON payload, got something else');
  }
  if (typeof claims !== 'object' || claims === null) throw new Error('access token: expected a JSON object payload');
  const { tid, roles } = claims as Record<string, unknown>;
  if (typeof tid !== 'string' || !GUID.test(tid)) throw new Error('access token: expected a tenant id (tid) claim');
  const granted = Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
  return { tid: tid.toLowerCase(), roles: [...new Set(granted)].sort() };
}
