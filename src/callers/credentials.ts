/**
 * Where callers put their credential. HTTP: `Authorization: Bearer <API key | JWT>` or `x-api-key: <key>`.
 * WebSocket: the connection_init payload `{ authorization: "Bearer ..." }` or `{ apiKey: "..." }`.
 * Pure: headers or payload in, the presented credential out.
 */
import type { IncomingHttpHeaders } from 'node:http';

export type PresentedCredential =
  | { kind: 'none' }
  /** Something was presented but cannot be a credential of ours (another scheme, an empty value, ...). */
  | { kind: 'unusable'; reason: string }
  | { kind: 'secret'; secret: string };

const NONE: PresentedCredential = { kind: 'none' };
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function fromAuthorization(value: string): PresentedCredential {
  const match = BEARER.exec(value);
  return match ? { kind: 'secret', secret: match[1] } : { kind: 'unusable', reason: 'expected "Bearer <credential>"' };
}

function fromApiKey(value: string): PresentedCredential {
  const secret = value.trim();
  return secret ? { kind: 'secret', secret } : { kind: 'unusable', reason: 'an empty API key' };
}

export function credentialFromHeaders(headers: IncomingHttpHeaders): PresentedCredential {
  if (headers.authorization !== undefined) return fromAuthorization(headers.authorization);
  const apiKey = headers['x-api-key'];
  if (apiKey === undefined) return NONE;
  return typeof apiKey === 'string' ? fromApiKey(apiKey) : { kind: 'unusable', reason: 'x-api-key sent more than once' };
}

/** Sandbox and browsers may capitalise the name; any non-string value is unusable rather than ignored. */
export function credentialFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined): PresentedCredential {
  if (!params) return NONE;
  const authorization = params.authorization ?? params.Authorization;
  if (authorization !== undefined) {
    return typeof authorization === 'string' ? fromAuthorization(authorization) : { kind: 'unusable', reason: 'authorization is not a string' };
  }
  if (params.apiKey !== undefined) {
    return typeof params.apiKey === 'string' ? fromApiKey(params.apiKey) : { kind: 'unusable', reason: 'apiKey is not a string' };
  }
  return NONE;
}
