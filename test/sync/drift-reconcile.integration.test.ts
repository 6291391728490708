/**
 * reconcileFindings against a real PostgreSQL, without Graph: open / keep / resolve with their events in one
 * transaction, idempotence, rules not evaluated left alone, a rolled-back caller leaving nothing, and two
 * evaluations racing for one tenant opening a finding once.
 */
import { createTestDatabase, type TestDatabase } from '../support/db';
import { seedTenant } from '../identity/seed';
import { reconcileFindings } from '../../src/sync/drift/reconcile';
import { DriftRule, DriftSeverity, type DriftFinding } from '../../src/sync/drift/rules';

let db: TestDatabase;
let tenantId: string;

const finding = (rule: DriftRule, subjectId: string, summary = `${rule} ${subjectId}`): DriftFinding => ({
  rule,
  subjectId,
  severity: DriftSeverity.WARNING,
  summary,
  details: { subjectId },
});
const renamed = finding(DriftRule.MAPPED_GROUP_RENAMED, 'g1');
const failing = finding(DriftRule.SYNC_FAILING, 'sync');

async function rows(): Promise<Array<{ rule: string; subject_id: string; open: boolean; summary: string }>> {
  return db.dataSource.query(`SELECT rule, subject_id, resolved_at IS NULL AS open, summary FROM drift_findings WHERE tenant_id = $1 ORDER BY opened_at, rule`, [tenantId]);
}
async function events(): Promise<string[]> {
  const list: Array<{ type: string; subject_id: string }> = await db.dataSource.query(`SELECT type, subject_id FROM directory_events WHERE tenant_id = $1 ORDER BY sequence`, [tenantId]);
  return list.map((e) => `${e.type}:${e.subject_id}`);
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(async () => {
  tenantId = (await seedTenant(db.dataSource, 'APPLICATION')).id;
});

it('opens, keeps and resolves, one event per opening and resolution, and is idempotent', async () => {
  const first = await reconcileFindings(db.dataSource.manager, tenantId, [renamed, failing]);
  expect(first.opened.map((f) => f.subjectId).sort()).toEqual(['g1', 'sync']);
  expect((await reconcileFindings(db.dataSource.manager, tenantId, [renamed, failing])).opened).toEqual([]);
  expect(await events()).toEqual(['DRIFT_DETECTED:g1', 'DRIFT_DETECTED:sync']);

  // Still there with new words: kept, summary updated, no event.
  const second = await reconcileFindings(db.dataSource.manager, tenantId, [finding(DriftRule.MAPPED_GROUP_RENAMED, 'g1', 'now named X')]);
  expect(second.kept.map((f) => f.summary)).toEqual(['now named X']);
  expect(second.resolved.map((f) => f.subjectId)).toEqual(['sync']);
  expect(await reconcileFindings(db.dataSource.manager, tenantId, [finding(DriftRule.MAPPED_GROUP_RENAMED, 'g1', 'now named X')])).toMatchObject({ opened: [], resolved: [] });
  expect(await events()).toEqual(['DRIFT_DETECTED:g1', 'DRIFT_DETECTED:sync', 'DRIFT_RESOLVED:sync']);

  // Back again: a new finding (the resolved one stays as history).
  await reconcileFindings(db.dataSource.manager, tenantId, [renamed, failing]);
  expect((await rows()).filter((r) => r.subject_id === 'sync').map((r) => r.open)).toEqual([false, true]);
});

it('leaves the findings of rules not evaluated open', async () => {
  await reconcileFindings(db.dataSource.manager, tenantId, [renamed, failing]);
  const result = await reconcileFindings(db.dataSource.manager, tenantId, [], { evaluated: [DriftRule.SYNC_FAILING] });
  expect(result.resolved.map((f) => f.rule)).toEqual([DriftRule.SYNC_FAILING]);
  expect((await rows()).filter((r) => r.open).map((r) => r.rule)).toEqual([DriftRule.MAPPED_GROUP_RENAMED]);
});

it("writes nothing when the caller's transaction rolls back", async () => {
  await expect(
    db.dataSource.transaction(async (manager) => {
      await reconcileFindings(manager, tenantId, [renamed]);
      throw new Error('the round failed after reconciling');
    }),
  ).rejects.toThrow('the round failed');
  expect(await rows()).toEqual([]);
  expect(await events()).toEqual([]);
});

it('opens a finding once when two evaluations of the tenant race', async () => {
  const results = await Promise.all([1, 2, 3].map(() => reconcileFindings(db.dataSource.manager, tenantId, [renamed])));
  expect(results.flatMap((r) => r.opened)).toHaveLength(1);
  expect(await rows()).toHaveLength(1);
  expect(await events()).toEqual(['DRIFT_DETECTED:g1']);
});
