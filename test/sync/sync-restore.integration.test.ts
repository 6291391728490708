/**
 * A soft-deleted user restored within Graph's 30 days, end to end: a real gateway and PostgreSQL, Verafield
 * connected through the real consent flow, real delta rounds over HTTPS, and the restore through the
 * simulator's POST /directory/deletedItems/{id}/restore. Graph brings the user back with its id, properties
 * and group memberships (entra-docs recover-from-deletions); users/delta reports it in full again and
 * groups/delta its memberships as added. The snapshot re-adds the user and its edges; the events are
 * USER_CREATED with restored: true, MEMBERSHIP_ADDED (direct and effective) and the tier coming back.
 * Tenant.deletedUsers lists the user while it is deleted.
 */
import { VERAFIELD as FIXTURE } from '../../src/simulator/generator';
import { mintAccessToken } from '../../src/simulator/tokens';
import { createLogger } from '../../src/logging';
import { SyncEngine, type RoundResult } from '../../src/sync/sync-engine';
import { graphRequest } from '../simulator/graph-client';
import { startDirectoryBench, type DirectoryBench } from '../directory/directory-fixtures';

const SIM_TENANT = FIXTURE.tenantId;
const G = FIXTURE.groups;
const U = FIXTURE.users;

let bench: DirectoryBench;
let tenantId: string;
let lastSequence = '0';

const q = <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => bench.gw.database.dataSource.query(sql, params);

function engine(): SyncEngine {
  return new SyncEngine({
    dataSource: bench.gw.database.dataSource,
    clientFor: (t) => bench.gw.services.directory.client(t),
    access: bench.gw.services.access,
    logger: createLogger({ level: 'silent' }),
  });
}

async function round(): Promise<RoundResult> {
  const r = await engine().runRound(tenantId);
  if (!r.ran) throw new Error(`expected the round to run, got ${JSON.stringify(r)}`);
  return r;
}

async function newEvents(): Promise<{ type: string; subject_id: string | null; payload: Record<string, any> }[]> {
  const rows = await q(`SELECT sequence::text, type, subject_id, payload FROM directory_events WHERE tenant_id = $1 AND directory_events.sequence > $2::bigint ORDER BY directory_events.sequence`, [tenantId, lastSequence]);
  if (rows.length > 0) lastSequence = rows.at(-1).sequence;
  return rows.filter((e: any) => ['USER_CREATED', 'USER_DELETED', 'USER_UPDATED', 'MEMBERSHIP_ADDED', 'MEMBERSHIP_REMOVED', 'ACCESS_TIER_CHANGED'].includes(e.type));
}

const edges = async (userId: string) =>
  (await q(`SELECT group_id FROM snapshot_memberships WHERE tenant_id = $1 AND member_id = $2 ORDER BY group_id`, [tenantId, userId])).map((r) => r.group_id);
const effective = async (userId: string) =>
  (await q(`SELECT group_id, path FROM snapshot_effective WHERE tenant_id = $1 AND user_id = $2 ORDER BY group_id`, [tenantId, userId]));

beforeAll(async () => {
  bench = await startDirectoryBench();
  tenantId = bench.tenantId;
  const access = bench.gw.services.access;
  const engineering = await access.defineTier({ name: 'Engineering', rank: 30, description: null });
  await access.setMapping({ tenantId, groupId: G.engineering, groupDisplayName: 'Engineering', tierId: engineering.id, createdBy: 'test' });
  await round();
  await newEvents();
}, 60_000);

afterAll(async () => {
  await bench?.stop();
});

it('delete, sync, restore, sync: the user and its memberships come back; USER_CREATED says restored; the tier returns', async () => {
  const id = U.dataEngineer.id;
  const edgesBefore = await edges(id);
  const effectiveBefore = await effective(id);
  expect(edgesBefore).toEqual(bench.sim.ctx.store.memberOf(SIM_TENANT, id).sort());
  expect(edgesBefore).toContain(G.dataTeam);
  expect(effectiveBefore.map((r) => r.group_id)).toEqual(expect.arrayContaining([G.dataTeam, G.engineering]));

  await bench.sim.control.deleteUser(SIM_TENANT, id);
  await round();
  const deleted = await newEvents();
  expect(deleted.filter((e) => e.type === 'USER_DELETED')).toEqual([expect.objectContaining({ subject_id: id, payload: expect.objectContaining({ reason: 'SOFT_DELETED' }) })]);
  expect(deleted.filter((e) => e.type === 'ACCESS_TIER_CHANGED')).toEqual([expect.objectContaining({ subject_id: id, payload: expect.objectContaining({ new: null }) })]);
  const [gone] = await q(`SELECT deleted_at FROM snapshot_users WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  expect(gone.deleted_at).toBeInstanceOf(Date);
  expect(await edges(id)).toEqual([]);

  // The gateway lists it among the restorable users, live from Graph's deleted items.
  type Deleted = { deletedUsers: { user: { id: string; userPrincipalName: string }; deletedAt: string; permanentDeletionAt: string }[] };
  const { deletedUsers } = await bench.read<Deleted>('deletedUsers { user { id userPrincipalName } deletedAt permanentDeletionAt }');
  expect(deletedUsers).toEqual([{ user: { id, userPrincipalName: U.dataEngineer.userPrincipalName }, deletedAt: expect.any(String), permanentDeletionAt: expect.any(String) }]);
  expect(Date.parse(deletedUsers[0].permanentDeletionAt) - Date.parse(deletedUsers[0].deletedAt)).toBe(30 * 86_400_000);

  // The restore, through Graph's own endpoint of the simulator (a customer's admin does it in Entra).
  const { token } = await mintAccessToken(bench.sim.ctx, { tid: SIM_TENANT, oid: FIXTURE.apps.product.servicePrincipalId, appid: FIXTURE.productAppId, roles: ['User.ReadWrite.All'] });
  const restored = await graphRequest(bench.sim, 'POST', `/directory/deletedItems/${id}/restore`, { token });
  expect(restored.status).toBe(200);
  expect((await bench.read<Deleted>('deletedUsers { user { id } }')).deletedUsers).toEqual([]);

  expect(await round()).toMatchObject({ mode: 'INCREMENTAL' });
  const events = await newEvents();
  expect(events.filter((e) => e.type === 'USER_CREATED')).toEqual([
    expect.objectContaining({ subject_id: id, payload: expect.objectContaining({ restored: true, user: expect.objectContaining({ userPrincipalName: U.dataEngineer.userPrincipalName }) }) }),
  ]);
  expect(events.filter((e) => e.type === 'USER_DELETED' || e.type === 'MEMBERSHIP_REMOVED')).toEqual([]);
  const added = events.filter((e) => e.type === 'MEMBERSHIP_ADDED' && e.subject_id === id).map((e) => [e.payload.scope, e.payload.groupId]).sort();
  expect(added).toEqual([...edgesBefore.map((g) => ['DIRECT', g]), ...effectiveBefore.map((r) => ['EFFECTIVE', r.group_id])].sort());
  expect(events.filter((e) => e.type === 'ACCESS_TIER_CHANGED')).toEqual([
    expect.objectContaining({ subject_id: id, payload: expect.objectContaining({ old: null, new: expect.objectContaining({ name: 'Engineering' }) }) }),
  ]);

  const [back] = await q(`SELECT deleted_at, user_principal_name FROM snapshot_users WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  expect(back).toEqual({ deleted_at: null, user_principal_name: U.dataEngineer.userPrincipalName });
  expect(await edges(id)).toEqual(edgesBefore);
  expect(await effective(id)).toEqual(effectiveBefore);
});
