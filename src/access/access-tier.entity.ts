/**
 * The product's access tiers and each tenant's group-to-tier mappings. Table shapes come from the migration
 * (migrations/1795796400000-AccessTiers.ts); these classes only map them.
 */
import 'reflect-metadata';
import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Tenant } from '../tenants/tenant.entity';

/** Product-wide: the same tiers for every tenant. Higher rank wins when a user reaches several tiers. */
@Entity({ name: 'access_tiers' })
export class AccessTierRecord {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'integer' })
  rank!: number;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** One tenant's group (an Entra object id) mapped to one tier. */
@Entity({ name: 'tier_mappings' })
export class TierMappingRecord {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @PrimaryColumn({ name: 'group_id', type: 'uuid' })
  groupId!: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  /** The group's name when it was mapped: what the admin saw, kept for when the group is renamed or deleted. */
  @Column({ name: 'group_display_name', type: 'text' })
  groupDisplayName!: string;

  @Column({ name: 'tier_id', type: 'uuid' })
  tierId!: string;

  @ManyToOne(() => AccessTierRecord, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tier_id' })
  tier?: AccessTierRecord;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Who mapped it, as audit columns name callers (describePrincipal). */
  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;
}
