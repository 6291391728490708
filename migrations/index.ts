/**
 * Every migration, oldest first. An explicit list (not a glob) so that jest and dist/ run the same ones.
 * Append one line per migration.
 */
import { InitialSchema1764201600000 } from './1764201600000-initial-schema';
import { TokenCache1795780635000 } from './1795780635000-TokenCache';
import { OAuthState1795790000000 } from './1795790000000-OAuthState';
import { ApiKeys1795795200000 } from './1795795200000-ApiKeys';
import { AccessTiers1795796400000 } from './1795796400000-AccessTiers';
import { Provisioning1795800000000 } from './1795800000000-Provisioning';
import { EventLog1795810000000 } from './1795810000000-EventLog';
import { Snapshot1795820000000 } from './1795820000000-Snapshot';
import { DriftFindings1795830000000 } from './1795830000000-DriftFindings';
import { SyncStaging1795840000000 } from './1795840000000-SyncStaging';
import { TenantKeys1795840001000 } from './1795840001000-TenantKeys';
import { SnapshotReadIndexes1795850000000 } from './1795850000000-SnapshotReadIndexes';
import { CacheInvalidation1795860000000 } from './1795860000000-CacheInvalidation';
import { GraphSubscriptions1795900000000 } from './1795900000000-GraphSubscriptions';
import { SnapshotInvalidation1795920000000 } from './1795920000000-SnapshotInvalidation';
import { ApiKeyChanges1795920001000 } from './1795920001000-ApiKeyChanges';
import { TierChangeEvents1795940000000 } from './1795940000000-TierChangeEvents';
import { Portal1795980000000 } from './1795980000000-Portal';
import { Webhooks1795990000000 } from './1795990000000-Webhooks';
import { DropRedundantSnapshotIndexes1796010000000 } from './1796010000000-DropRedundantSnapshotIndexes';
import { RestoreAudit1796020000000 } from './1796020000000-RestoreAudit';
import { SnapshotNamePages1796030000000 } from './1796030000000-SnapshotNamePages';
import { QuietRoundFreshness1796050000000 } from './1796050000000-QuietRoundFreshness';
import { DriftInputsInvalidation1796060000000 } from './1796060000000-DriftInputsInvalidation';
import { SnapshotUserWords1796070000000 } from './1796070000000-SnapshotUserWords';
import { SnapshotTenantCascade1796080000000 } from './1796080000000-SnapshotTenantCascade';
import { SnapshotWordsEstimate1796090000000 } from './1796090000000-SnapshotWordsEstimate';

export const migrations: Function[] = [
  InitialSchema1764201600000,
  TokenCache1795780635000,
  OAuthState1795790000000,
  ApiKeys1795795200000,
  AccessTiers1795796400000,
  Provisioning1795800000000,
  EventLog1795810000000,
  Snapshot1795820000000,
  DriftFindings1795830000000,
  SyncStaging1795840000000,
  TenantKeys1795840001000,
  SnapshotReadIndexes1795850000000,
  CacheInvalidation1795860000000,
  GraphSubscriptions1795900000000,
  SnapshotInvalidation1795920000000,
  ApiKeyChanges1795920001000,
  TierChangeEvents1795940000000,
  Portal1795980000000,
  Webhooks1795990000000,
  DropRedundantSnapshotIndexes1796010000000,
  RestoreAudit1796020000000,
  SnapshotNamePages1796030000000,
  QuietRoundFreshness1796050000000,
  DriftInputsInvalidation1796060000000,
  SnapshotUserWords1796070000000,
  SnapshotTenantCascade1796080000000,
  SnapshotWordsEstimate1796090000000,
];
