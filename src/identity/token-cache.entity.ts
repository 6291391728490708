/**
 * One row per delegated tenant: that tenant's whole MSAL token cache (accounts, id tokens, access and refresh
 * tokens, app metadata), encrypted; why access tokens are kept: cache-plugin.ts. `version` is bumped on every
 * write so concurrent writers detect each other.
 */
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'tenant_token_caches' })
export class TenantTokenCache {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ type: 'text' })
  ciphertext!: string;

  @Column({ name: 'key_version', type: 'int' })
  keyVersion!: number;

  @Column({ type: 'int' })
  version!: number;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
