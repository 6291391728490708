/** Opaque Relay cursors over tenants: a tenant id, wrapped so clients do not build them by hand. */
import { invalidInput, isTenantId } from './tenant-input';

const PREFIX = 'tenant:';

export function encodeTenantCursor(tenantId: string): string {
  return Buffer.from(`${PREFIX}${tenantId}`, 'utf8').toString('base64url');
}

/** The tenant id inside `cursor`; BAD_USER_INPUT naming `field` for anything this gateway did not issue. */
export function decodeTenantCursor(field: string, cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (!isTenantId(id)) throw invalidInput(field, 'expected a cursor from a previous page (pageInfo.endCursor)');
  return id;
}
