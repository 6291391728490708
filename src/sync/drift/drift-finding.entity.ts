/**
 * Drift findings and each tenant's drift state. Table shapes come from migrations/1795830000000-DriftFindings.ts;
 * these classes only map them. Writers go through reconcileFindings (reconcile.ts).
 */
import 'reflect-metadata';
import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Tenant } from '../../tenants/tenant.entity';

@Entity({ name: 'drift_findings' })
export class DriftFindingRecord {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  @Column({ type: 'text' })
  rule!: string;

  @Column({ name: 'subject_id', type: 'text' })
  subjectId!: string;

  @Column({ type: 'text' })
  severity!: string;

  @Column({ type: 'text' })
  summary!: string;

  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt!: Date;

  /** Null while the finding is open. */
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;
}

/** Per tenant: when policies and apps were last read (their slower cadence) and the accepted MFA baseline. */
@Entity({ name: 'drift_state' })
export class DriftStateRecord {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  @Column({ name: 'policies_checked_at', type: 'timestamptz', nullable: true })
  policiesCheckedAt!: Date | null;

  @Column({ name: 'mfa_baseline', type: 'jsonb', nullable: true })
  mfaBaseline!: Record<string, unknown> | null;
}
