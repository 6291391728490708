/**
 * Provisioning's rows: the audit log (one row per write item) and idempotency records (the first result of a
 * keyed write). Table shapes come from migrations/1795800000000-Provisioning.ts; these classes only map them.
 */
import 'reflect-metadata';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export type AuditOperation =
  | 'CREATE_USER'
  | 'UPDATE_USER'
  | 'ADD_GROUP_MEMBER'
  | 'REMOVE_GROUP_MEMBER'
  // Mapping and tier changes (src/access/tier-events.ts) and changes made through the hosted portal (src/portal).
  | 'SET_TIER_MAPPING'
  | 'REMOVE_TIER_MAPPING'
  | 'DEFINE_ACCESS_TIER'
  | 'UPDATE_ACCESS_TIER'
  | 'DELETE_ACCESS_TIER'
  | 'REQUEST_CONSENT'
  | 'OPEN_PORTAL_SESSION'
  // restoreDeletedUser (POST /directory/deletedItems/{id}/restore).
  | 'RESTORE_USER';
export type AuditResult = 'SUCCESS' | 'NO_OP' | 'FAILED';

@Entity({ name: 'audit_log' })
export class AuditLogRecord {
  /** bigint: the pg driver returns it as a string, which is also what cursors hold. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  /** As describePrincipal names callers: "api_key:<id>", "jwt:<subject>", "bootstrap", "cli". */
  @Column({ type: 'text' })
  principal!: string;

  @Column({ type: 'text' })
  operation!: AuditOperation;

  /** What was written: "user:<id>", "user:<upn>" (a create that failed), "group:<id>/member:<id>". */
  @Column({ type: 'text' })
  target!: string;

  @Column({ type: 'text' })
  result!: AuditResult;

  /** The typed result's errorCode (UPN_CONFLICT ...) when result is FAILED. */
  @Column({ name: 'error_code', type: 'text', nullable: true })
  errorCode!: string | null;

  @Column({ name: 'graph_request_id', type: 'text', nullable: true })
  graphRequestId!: string | null;

  /** The gateway's request id (x-request-id), which the gateway's log lines carry too. */
  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey!: string | null;

  @Column({ type: 'timestamptz', insert: false, update: false })
  at!: Date;
}

@Entity({ name: 'idempotency_keys' })
export class IdempotencyRecord {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @PrimaryColumn({ type: 'text' })
  key!: string;

  @Column({ type: 'text' })
  operation!: string;

  /** sha256 of the operation's canonical input (passwords left out: see requestHash). */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  /** The first result without any password; null while the first request runs. */
  @Column({ type: 'jsonb', nullable: true })
  result!: unknown;

  @Column({ name: 'created_at', type: 'timestamptz', insert: false, update: false })
  createdAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}
