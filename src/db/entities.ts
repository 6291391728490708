/**
 * Every TypeORM entity the gateway maps. An explicit list (not a glob) so that jest, which runs the
 * TypeScript sources, and node, which runs dist/, load the same classes. Append one line per entity.
 */
import { Tenant, TenantStatusChange } from '../tenants/tenant.entity';
import { TenantTokenCache } from '../identity/token-cache.entity';
import { OAuthState } from '../tenants/oauth-state.entity';
import { ApiKeyRecord } from '../callers/api-key.entity';
import { AccessTierRecord, TierMappingRecord } from '../access/access-tier.entity';
import { AuditLogRecord, IdempotencyRecord } from '../provisioning/provisioning.entity';
import { DirectoryEventRecord } from '../events/event.entity';
import { SnapshotEffective, SnapshotGroup, SnapshotMembership, SnapshotUser, SyncStateRecord } from '../sync/snapshot.entity';
import { DriftFindingRecord, DriftStateRecord } from '../sync/drift/drift-finding.entity';

export const entities: Function[] = [
  Tenant,
  TenantStatusChange,
  TenantTokenCache,
  OAuthState,
  ApiKeyRecord,
  AccessTierRecord,
  TierMappingRecord,
  AuditLogRecord,
  IdempotencyRecord,
  DirectoryEventRecord,
  SnapshotUser,
  SnapshotGroup,
  SnapshotMembership,
  SnapshotEffective,
  SyncStateRecord,
  DriftFindingRecord,
  DriftStateRecord,
];
