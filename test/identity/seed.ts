/** Database seeding for the token path's tests (no simulator needed). */
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Encryptor } from '../../src/identity/encryption';
import type { TenantAuthMode } from '../../src/identity/token-provider.types';
import { Tenant } from '../../src/tenants/tenant.entity';

export function newEncryptor(version = 1): Encryptor {
  return new Encryptor([{ version, key: randomBytes(32) }], version);
}

export async function seedTenant(dataSource: DataSource, authMode: TenantAuthMode): Promise<Tenant> {
  return dataSource.getRepository(Tenant).save({
    displayName: `Verafield (${authMode.toLowerCase()})`,
    entraTenantId: null,
    cloud: 'custom',
    authMode,
    status: 'PENDING_CONSENT',
    grantedScopes: [],
    features: [],
  });
}
