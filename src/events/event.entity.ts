/**
 * One row of the change-event log. The table shape comes from migrations/1795810000000-EventLog.ts; this class
 * only maps it. Writers go through appendEvents (event-log.ts), never through this repository.
 */
import 'reflect-metadata';
import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { Tenant } from '../tenants/tenant.entity';

@Entity({ name: 'directory_events' })
export class DirectoryEventRecord {
  /** bigint: the pg driver returns it as a string, and so do we (a JS number loses precision past 2^53). */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  sequence!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  // By name, not by class: the events folder loads nothing of tenants/ at run time (tenants appends events).
  @ManyToOne('Tenant', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'subject_id', type: 'text', nullable: true })
  subjectId!: string | null;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
