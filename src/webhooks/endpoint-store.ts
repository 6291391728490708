/** Rows of webhook_endpoints and their plain shape; SQL shared by the management service and the delivery worker. */
import type { DirectoryEventType } from '../events/event.types';

export type WebhookEndpointStatus = 'ENABLED' | 'DISABLED';

export interface WebhookEndpointRecord {
  id: string;
  url: string;
  /** Null: every tenant, now and later. */
  tenantIds: string[] | null;
  /** Empty: every type. */
  types: DirectoryEventType[];
  status: WebhookEndpointStatus;
  consecutiveFailures: number;
  nextAttemptAt: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
  previousSecretExpiresAt: Date | null;
  startSequence: string;
  createdAt: Date;
  createdBy: string;
  /** Encrypted (Encryptor, AAD secretAad(id)). */
  secret: string;
  previousSecret: string | null;
}

export const ENDPOINT_COLUMNS =
  'id, url, tenant_ids, types, status, consecutive_failures, next_attempt_at, disabled_at, disabled_reason, previous_secret_expires_at, start_sequence, created_at, created_by, secret, previous_secret';

export function secretAad(endpointId: string): string {
  return `webhook_endpoints:${endpointId}:secret`;
}

export function toEndpoint(row: any): WebhookEndpointRecord {
  return {
    id: row.id,
    url: row.url,
    tenantIds: row.tenant_ids,
    types: row.types ?? [],
    status: row.status,
    consecutiveFailures: Number(row.consecutive_failures),
    nextAttemptAt: row.next_attempt_at,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    startSequence: String(row.start_sequence),
    createdAt: row.created_at,
    createdBy: row.created_by,
    secret: row.secret,
    previousSecret: row.previous_secret,
  };
}

/** TypeORM's query() answers an UPDATE ... RETURNING with [rows, affected count]; an INSERT or SELECT with rows. */
export function returnedRows(result: any): any[] {
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result;
}
