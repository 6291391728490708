/** One API key: its id (the middle of `egk_<id>_<secret>`), rights, and life. The secret itself is never stored. */
import 'reflect-metadata';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ApiScope } from '../core/auth/principal';

@Entity({ name: 'api_keys' })
export class ApiKeyRecord {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'secret_hash', type: 'text' })
  secretHash!: string;

  @Column({ type: 'text', array: true })
  scopes!: ApiScope[];

  /** Null: every tenant. */
  @Column({ name: 'tenant_ids', type: 'uuid', array: true, nullable: true })
  tenantIds!: string[] | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Who created it: "api_key:<id>", "bootstrap", "jwt:<subject>" or "cli". */
  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;
}
