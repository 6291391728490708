/** The source decision of a directory read (read-source.ts), as a table. */
import { AnswerSource, decideSource, DirectorySource, type SourceInput } from '../../src/directory/read-source';
import { TenantStatus } from '../../src/tenants/status';

const at = new Date('2026-12-04T12:00:00Z');
const fresh = { tenantStatus: TenantStatus.ACTIVE, lastSuccessAt: at, ageSeconds: 60 };
const stale = { ...fresh, ageSeconds: 3_600 };
const never = { tenantStatus: TenantStatus.ACTIVE, lastSuccessAt: null, ageSeconds: null };
const base: SourceInput = { requested: DirectorySource.AUTO, snapshot: fresh, maxAgeSeconds: 900, needsLiveFields: false, cursorSource: null };
const { LIVE, SNAPSHOT } = AnswerSource;

const cases: Array<[string, Partial<SourceInput>, AnswerSource | null, RegExp, boolean?]> = [
  ['LIVE asked: live, whatever the snapshot', { requested: DirectorySource.LIVE }, LIVE, /LIVE was asked/],
  ['LIVE asked, never synced: live', { requested: DirectorySource.LIVE, snapshot: never }, LIVE, /LIVE was asked/],
  ['SNAPSHOT asked, fresh', { requested: DirectorySource.SNAPSHOT }, SNAPSHOT, /SNAPSHOT was asked/, false],
  ['SNAPSHOT asked, stale: still the snapshot (its age is in the answer)', { requested: DirectorySource.SNAPSHOT, snapshot: stale }, SNAPSHOT, /SNAPSHOT was asked/, false],
  ['SNAPSHOT asked, live-only fields selected: snapshot, filled live', { requested: DirectorySource.SNAPSHOT, needsLiveFields: true }, SNAPSHOT, /SNAPSHOT was asked/, true],
  ['SNAPSHOT asked, never synced: unavailable', { requested: DirectorySource.SNAPSHOT, snapshot: never }, null, /never completed a sync round/],
  ['SNAPSHOT asked, disconnected tenant: unavailable', { requested: DirectorySource.SNAPSHOT, snapshot: { ...fresh, tenantStatus: TenantStatus.DISCONNECTED } }, null, /DISCONNECTED/],
  ['SNAPSHOT asked, pending consent: unavailable', { requested: DirectorySource.SNAPSHOT, snapshot: { ...fresh, tenantStatus: TenantStatus.PENDING_CONSENT } }, null, /PENDING_CONSENT/],
  ['SNAPSHOT asked, unknown tenant: unavailable', { requested: DirectorySource.SNAPSHOT, snapshot: { ...never, tenantStatus: null } }, null, /not found/],
  ['SNAPSHOT asked, reconsent required: the snapshot still answers', { requested: DirectorySource.SNAPSHOT, snapshot: { ...fresh, tenantStatus: TenantStatus.RECONSENT_REQUIRED } }, SNAPSHOT, /asked/, false],
  ['AUTO, fresh: snapshot', {}, SNAPSHOT, /60 s old, within maxAgeSeconds \(900\)/, false],
  ['AUTO, exactly at the bound: snapshot', { snapshot: { ...fresh, ageSeconds: 900 } }, SNAPSHOT, /within/, false],
  ['AUTO, one second past the bound: live', { snapshot: { ...fresh, ageSeconds: 901 } }, LIVE, /901 s old, more than maxAgeSeconds \(900\)/],
  ['AUTO, stale: live', { snapshot: stale }, LIVE, /more than maxAgeSeconds/],
  ['AUTO, bound 0 and age 0: snapshot', { maxAgeSeconds: 0, snapshot: { ...fresh, ageSeconds: 0 } }, SNAPSHOT, /within/, false],
  ['AUTO, never synced: live', { snapshot: never }, LIVE, /never completed/],
  ['AUTO, disconnected: live', { snapshot: { ...fresh, tenantStatus: TenantStatus.DISCONNECTED } }, LIVE, /DISCONNECTED/],
  ['AUTO, reconsent required and fresh: snapshot', { snapshot: { ...fresh, tenantStatus: TenantStatus.RECONSENT_REQUIRED } }, SNAPSHOT, /within/, false],
  ['AUTO, live-only fields selected: live', { needsLiveFields: true }, LIVE, /fields the snapshot does not hold/],
  ['AUTO, following a snapshot cursor, now stale: the snapshot still pages', { cursorSource: SNAPSHOT, snapshot: stale }, SNAPSHOT, /continues a snapshot list/, false],
  ['AUTO, following a snapshot cursor with live-only fields: snapshot, filled', { cursorSource: SNAPSHOT, needsLiveFields: true }, SNAPSHOT, /continues a snapshot/, true],
  ['AUTO, following a snapshot cursor after a disconnect: unavailable', { cursorSource: SNAPSHOT, snapshot: { ...fresh, tenantStatus: TenantStatus.DISCONNECTED } }, null, /DISCONNECTED/],
  ['AUTO, following a live cursor, now fresh: live', { cursorSource: LIVE }, LIVE, /continues a live list/],
];

describe('decideSource', () => {
  // Every row gets all five columns: jest takes a callback with more parameters than a row has for a `done` test.
  const rows = cases.map(([name, input, source, reason, fill]) => [name, input, source, reason, fill ?? null] as const);
  it.each(rows)('%s', (_name, input, source, reason, fill) => {
    const decision = decideSource({ ...base, ...input });
    expect(decision.source).toBe(source);
    expect(decision.reason).toMatch(reason);
    if (decision.source === SNAPSHOT) expect(decision.fillLiveFields).toBe(fill);
  });
});
