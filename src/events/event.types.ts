/**
 * The change events the gateway records and streams (issue 6). Every event is one row of the event log with a
 * global, increasing sequence, written in the SAME transaction as the change that caused it (an outbox) and
 * published to subscribers after commit.
 */
export enum DirectoryEventType {
  USER_CREATED = 'USER_CREATED',
  USER_UPDATED = 'USER_UPDATED',
  USER_DELETED = 'USER_DELETED',
  GROUP_CREATED = 'GROUP_CREATED',
  GROUP_UPDATED = 'GROUP_UPDATED',
  GROUP_DELETED = 'GROUP_DELETED',
  MEMBERSHIP_ADDED = 'MEMBERSHIP_ADDED',
  MEMBERSHIP_REMOVED = 'MEMBERSHIP_REMOVED',
  ACCESS_TIER_CHANGED = 'ACCESS_TIER_CHANGED',
  DRIFT_DETECTED = 'DRIFT_DETECTED',
  DRIFT_RESOLVED = 'DRIFT_RESOLVED',
  TENANT_STATUS_CHANGED = 'TENANT_STATUS_CHANGED',
  SYNC_COMPLETED = 'SYNC_COMPLETED',
  /** A webhook endpoint covering the tenant was disabled after a run of failed deliveries (src/webhooks). */
  WEBHOOK_ENDPOINT_DISABLED = 'WEBHOOK_ENDPOINT_DISABLED',
}

/** What a writer hands to the event log; the log assigns the sequence and the time. */
export interface NewDirectoryEvent {
  tenantId: string;
  type: DirectoryEventType;
  /** The Entra object the event is about (user id, group id), when there is one. */
  subjectId?: string | null;
  /** Type-specific details, JSON-serialisable. Never a secret. Shapes are documented in events/payloads.ts. */
  payload: Record<string, unknown>;
}
