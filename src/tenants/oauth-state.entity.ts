/**
 * A pending consent request: what the OAuth callback needs to finish what connectTenant or reconsentUrl
 * started. The row never holds the state value itself (only its SHA-256), and the PKCE verifier is encrypted.
 */
import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { AuthMode } from './features';
import { Tenant } from './tenant.entity';

@Entity({ name: 'oauth_states' })
export class OAuthState {
  /** SHA-256 (hex) of the state value sent to Microsoft. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  /** DELEGATED: authorization code with PKCE; APPLICATION: admin consent. */
  @Column({ type: 'text' })
  flow!: AuthMode;

  /** The PKCE verifier, encrypted with the state id as AAD; null for admin consent. */
  @Column({ name: 'code_verifier', type: 'text', nullable: true })
  codeVerifier!: string | null;

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri!: string;

  /** Already checked against the allowed origins when the request was made. */
  @Column({ name: 'return_url', type: 'text' })
  returnUrl!: string;

  /** The principal id that asked for the consent URL. */
  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;
}
