/**
 * The directory snapshot and each tenant's sync state (migrations/1795820000000-Snapshot.ts). The sync engine
 * writes these tables with set-based SQL (sync-engine.ts); these classes map them for reads and tests.
 */
import 'reflect-metadata';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'snapshot_users' })
export class SnapshotUser {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'display_name', type: 'text', nullable: true })
  displayName!: string | null;

  @Column({ name: 'user_principal_name', type: 'text', nullable: true })
  userPrincipalName!: string | null;

  @Column({ type: 'text', nullable: true })
  mail!: string | null;

  @Column({ type: 'text', nullable: true })
  department!: string | null;

  @Column({ name: 'job_title', type: 'text', nullable: true })
  jobTitle!: string | null;

  @Column({ name: 'account_enabled', type: 'boolean', nullable: true })
  accountEnabled!: boolean | null;

  @Column({ name: 'user_type', type: 'text', nullable: true })
  userType!: string | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}

@Entity({ name: 'snapshot_groups' })
export class SnapshotGroup {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'display_name', type: 'text', nullable: true })
  displayName!: string | null;

  @Column({ name: 'group_types', type: 'text', array: true })
  groupTypes!: string[];

  @Column({ name: 'membership_rule', type: 'text', nullable: true })
  membershipRule!: string | null;

  @Column({ name: 'security_enabled', type: 'boolean', nullable: true })
  securityEnabled!: boolean | null;

  @Column({ name: 'mail_enabled', type: 'boolean', nullable: true })
  mailEnabled!: boolean | null;

  @Column({ type: 'text', nullable: true })
  mail!: string | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}

@Entity({ name: 'snapshot_memberships' })
export class SnapshotMembership {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @PrimaryColumn({ name: 'group_id', type: 'uuid' })
  groupId!: string;

  @PrimaryColumn({ name: 'member_id', type: 'uuid' })
  memberId!: string;

  /** user, group, servicePrincipal, device, orgContact: from the member's @odata.type. */
  @Column({ name: 'member_type', type: 'text' })
  memberType!: string;
}

@Entity({ name: 'snapshot_effective' })
export class SnapshotEffective {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @PrimaryColumn({ name: 'group_id', type: 'uuid' })
  groupId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  /** Group ids from group_id down to the group the user is a direct member of ([group_id] when direct). */
  @Column({ type: 'text', array: true })
  path!: string[];
}

@Entity({ name: 'sync_state' })
export class SyncStateRecord {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ name: 'users_delta_link', type: 'text', nullable: true })
  usersDeltaLink!: string | null;

  @Column({ name: 'groups_delta_link', type: 'text', nullable: true })
  groupsDeltaLink!: string | null;

  @Column({ name: 'lease_owner', type: 'text', nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt!: Date | null;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'last_error_at', type: 'timestamptz', nullable: true })
  lastErrorAt!: Date | null;

  @Column({ name: 'consecutive_failures', type: 'integer' })
  consecutiveFailures!: number;

  @Column({ name: 'last_duration_ms', type: 'integer', nullable: true })
  lastDurationMs!: number | null;

  @Column({ type: 'jsonb' })
  counts!: SyncCounts;

  @Column({ name: 'next_run_at', type: 'timestamptz', nullable: true })
  nextRunAt!: Date | null;
}

/** Snapshot totals after the last successful round, and what that round did. */
export interface SyncCounts {
  users?: number;
  groups?: number;
  memberships?: number;
  effectiveMemberships?: number;
  /** The last successful round. */
  mode?: string;
  pages?: number;
  objects?: number;
  events?: number;
  graphRequests?: number;
}
