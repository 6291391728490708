/**
 * Advisory lock keys of per-tenant work: the first 8 bytes of SHA-256 over `<namespace>:<tenant id>`, as the signed
 * 64-bit integer pg_advisory_xact_lock takes (decimal text, so no precision is lost on the way). The namespace keeps
 * each kind of work (token refresh, search-words build) apart from the others keyed by the same tenant.
 */
import { createHash } from 'node:crypto';

export function tenantLockKey(namespace: string, tenantId: string): string {
  return createHash('sha256').update(`${namespace}:${tenantId.toLowerCase()}`).digest().readBigInt64BE(0).toString();
}
