/**
 * Where a directory read is answered from: live from Microsoft Graph, or from the snapshot the sync keeps in
 * PostgreSQL. `decideSource` is the whole decision (what was asked, how fresh the snapshot is, the bound, the
 * tenant's status, whether the selection needs fields the snapshot does not hold, which source issued the
 * cursor being followed), pure, so it is tested as a table (test/directory/read-source.unit.test.ts).
 */
import 'reflect-metadata';
import { registerEnumType } from 'type-graphql';
import { TenantStatus } from '../tenants/status';

/** What a caller asks for. */
export enum DirectorySource {
  LIVE = 'LIVE',
  SNAPSHOT = 'SNAPSHOT',
  AUTO = 'AUTO',
}

/** What answered. */
export enum AnswerSource {
  LIVE = 'LIVE',
  SNAPSHOT = 'SNAPSHOT',
}

/** AUTO's default bound: the snapshot answers when its last completed round is at most this old. */
export const DEFAULT_SNAPSHOT_MAX_AGE_SECONDS = 900;

registerEnumType(DirectorySource, {
  name: 'DirectorySource',
  description: 'Where a directory read should be answered from.',
  valuesConfig: {
    LIVE: { description: 'Microsoft Graph, now (the default: what every directory field did before snapshots could answer).' },
    SNAPSHOT: {
      description:
        'The snapshot the sync keeps, however old it is (the answer says its age); an error with code SNAPSHOT_UNAVAILABLE when the tenant never completed a sync round or is not connected.',
    },
    AUTO: {
      description:
        'The snapshot when its last completed sync round is at most maxAgeSeconds old, the tenant is connected and every selected field is held in the snapshot; live from Graph otherwise.',
    },
  },
});

registerEnumType(AnswerSource, {
  name: 'DirectoryAnswerSource',
  description: 'Where a directory answer came from.',
  valuesConfig: {
    LIVE: { description: 'Read live from Microsoft Graph for this request.' },
    SNAPSHOT: { description: 'Read from the snapshot kept by sync; asOf and ageSeconds say when that snapshot was last completed.' },
  },
});

export interface SnapshotState {
  /** The tenant's status; null when the tenant record was not found. */
  tenantStatus: TenantStatus | string | null;
  /** When the last sync round completed; null when none ever did. */
  lastSuccessAt: Date | null;
  /** Seconds since lastSuccessAt (by the database clock); null when never synced. */
  ageSeconds: number | null;
}

export interface SourceInput {
  requested: DirectorySource;
  snapshot: SnapshotState;
  /** AUTO's bound, seconds. */
  maxAgeSeconds: number;
  /** The selection asks for fields the snapshot does not hold (they would be read live object by object). */
  needsLiveFields: boolean;
  /** The cursor being followed was issued by this source; null for a first page. */
  cursorSource: AnswerSource | null;
}

export type SourceDecision =
  | { source: AnswerSource.LIVE; reason: string }
  | { source: AnswerSource.SNAPSHOT; reason: string; fillLiveFields: boolean }
  | { source: null; reason: string };

/** Tenants whose snapshot may answer: connected ones (the snapshot of a disconnected tenant is not served). */
const SERVABLE: ReadonlySet<string> = new Set([TenantStatus.ACTIVE, TenantStatus.RECONSENT_REQUIRED]);

export function decideSource(input: SourceInput): SourceDecision {
  const { requested, snapshot } = input;
  if (requested === DirectorySource.LIVE) return { source: AnswerSource.LIVE, reason: 'LIVE was asked for' };
  const unavailable = snapshotUnavailable(snapshot);
  if (requested === DirectorySource.SNAPSHOT) {
    if (unavailable) return { source: null, reason: unavailable };
    return { source: AnswerSource.SNAPSHOT, reason: 'SNAPSHOT was asked for', fillLiveFields: input.needsLiveFields };
  }
  // AUTO. A later page follows the source of the first, so one list is never stitched from both.
  if (input.cursorSource === AnswerSource.LIVE) return { source: AnswerSource.LIVE, reason: 'the cursor continues a live list' };
  if (input.cursorSource === AnswerSource.SNAPSHOT) {
    if (unavailable) return { source: null, reason: unavailable };
    return { source: AnswerSource.SNAPSHOT, reason: 'the cursor continues a snapshot list', fillLiveFields: input.needsLiveFields };
  }
  if (unavailable) return { source: AnswerSource.LIVE, reason: unavailable };
  if (snapshot.ageSeconds! > input.maxAgeSeconds) {
    return { source: AnswerSource.LIVE, reason: `the snapshot is ${snapshot.ageSeconds} s old, more than maxAgeSeconds (${input.maxAgeSeconds})` };
  }
  if (input.needsLiveFields) return { source: AnswerSource.LIVE, reason: 'the selection needs fields the snapshot does not hold' };
  return { source: AnswerSource.SNAPSHOT, reason: `the snapshot is ${snapshot.ageSeconds} s old, within maxAgeSeconds (${input.maxAgeSeconds})`, fillLiveFields: false };
}

/** Why the snapshot cannot answer at all; null when it can. */
function snapshotUnavailable(snapshot: SnapshotState): string | null {
  if (snapshot.tenantStatus === null) return 'the tenant was not found';
  if (!SERVABLE.has(snapshot.tenantStatus)) return `the tenant is ${snapshot.tenantStatus}, and only a connected tenant's snapshot is served`;
  if (snapshot.lastSuccessAt === null || snapshot.ageSeconds === null) return 'the tenant has never completed a sync round, so it has no snapshot';
  return null;
}
