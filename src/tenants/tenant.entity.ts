/**
 * The tenant connection record (one customer's Entra tenant) and the history of its status changes.
 * The table shapes come from migrations alone (synchronize is off); these classes only map them.
 */
import 'reflect-metadata';
import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { AuthMode, Feature } from './features';
import type { TenantStatus } from './status';

import { ENTRA_CLOUDS, type EntraCloud } from '../config/clouds';

export { ENTRA_CLOUDS, type EntraCloud };

/** The status values as plain strings: the enum's members and their literals both fit. */
export type TenantStatusValue = `${TenantStatus}`;

@Entity({ name: 'tenants' })
export class Tenant {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  /** Unknown until the customer consents: Microsoft tells us the tenant id on the way back. */
  @Column({ name: 'entra_tenant_id', type: 'uuid', nullable: true })
  entraTenantId!: string | null;

  @Column({ type: 'text' })
  cloud!: EntraCloud;

  @Column({ name: 'auth_mode', type: 'text' })
  authMode!: AuthMode;

  @Column({ type: 'text' })
  status!: TenantStatusValue;

  @Column({ name: 'granted_scopes', type: 'text', array: true })
  grantedScopes!: string[];

  @Column({ type: 'text', array: true })
  features!: `${Feature}`[];

  @Column({ name: 'sync_interval_seconds', type: 'integer' })
  syncIntervalSeconds!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

@Entity({ name: 'tenant_status_changes' })
export class TenantStatusChange {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  /** Null for the first status a tenant gets. */
  @Column({ name: 'from_status', type: 'text', nullable: true })
  fromStatus!: TenantStatusValue | null;

  @Column({ name: 'to_status', type: 'text' })
  toStatus!: TenantStatusValue;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;
}
