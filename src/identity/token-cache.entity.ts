/**
 * One row per tenant: that tenant's MSAL token cache (accounts, id tokens, refresh tokens, app metadata; never
 * access tokens), encrypted. `version` is bumped on every write so concurrent writers detect each other.
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
