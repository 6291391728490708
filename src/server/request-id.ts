/**
 * The id that ties a request's log lines together. A caller (or a proxy in front of us) may send one in
 * x-request-id; it is kept only when it is a short, safe token, because it is echoed into headers and logs.
 */
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

const SAFE_TOKEN = /^[A-Za-z0-9._:-]{1,64}$/;

export function resolveRequestId(header: string | string[] | undefined): string {
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && SAFE_TOKEN.test(candidate) ? candidate : randomUUID();
}
