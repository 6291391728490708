/**
 * restoreDeletedUser end to end: a real gateway and PostgreSQL, Verafield connected with PROVISIONING through
 * the real consent flow, the writer key (directory:write on that tenant only) over GraphQL, the simulator's
 * POST /directory/deletedItems/{id}/restore over HTTPS, and real sync rounds. A user deleted through the
 * simulator's control API (as an admin would in Entra) is restored through the mutation; the next round
 * emits USER_CREATED with restored: true and the memberships come back; every attempt is in audit_log.
 */
import { randomUUID } from 'node:crypto';
import { VERAFIELD as FIXTURE } from '../../src/simulator/generator';
import { createLogger } from '../../src/logging';
import { SyncEngine } from '../../src/sync/sync-engine';
import { ERROR, newUser, startProvisioningBench, USER, type ProvisioningBench, type Result } from './provisioning-fixtures';

const SIM_TENANT = FIXTURE.tenantId;
const U = FIXTURE.users;
const G = FIXTURE.groups;

let bench: ProvisioningBench;
let lastSequence = '0';

const q = <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => bench.gw.database.dataSource.query(sql, params);

async function round(): Promise<void> {
  const engine = new SyncEngine({
    dataSource: bench.gw.database.dataSource,
    clientFor: (t) => bench.gw.services.directory.client(t),
    access: bench.gw.services.access,
    logger: createLogger({ level: 'silent' }),
  });
  const r = await engine.runRound(bench.tenantId);
  if (!r.ran) throw new Error(`expected the round to run, got ${JSON.stringify(r)}`);
}

async function newEvents(): Promise<{ type: string; subject_id: string | null; payload: Record<string, any> }[]> {
  const rows = await q(`SELECT sequence::text, type, subject_id, payload FROM directory_events WHERE tenant_id = $1 AND sequence > $2::bigint ORDER BY sequence`, [bench.tenantId, lastSequence]);
  if (rows.length > 0) lastSequence = rows.at(-1).sequence;
  return rows;
}

const edges = async (userId: string) =>
  (await q(`SELECT group_id FROM snapshot_memberships WHERE tenant_id = $1 AND member_id = $2 ORDER BY group_id`, [bench.tenantId, userId])).map((r) => r.group_id);

const RESULT = `__typename ${ERROR}
  ... on RestoredUser { alreadyActive user { ${USER} } }
  ... on UpnConflict { userPrincipalName }
  ... on InvalidInput { field }
  ... on NotFound { objectId objectKind }
  ... on MissingPermission { permissions }`;

const restore = (userId: string): Promise<Result> =>
  bench.writer
    .request<{ restoreDeletedUser: Result }>(`mutation($t: ID!, $u: ID!) { restoreDeletedUser(tenantId: $t, userId: $u) { ${RESULT} } }`, { t: bench.tenantId, u: userId })
    .then((d) => d.restoreDeletedUser);

async function latestAudit(n: number): Promise<Array<{ operation: string; target: string; result: string; errorCode: string | null; graphRequestId: string | null }>> {
  const data = await bench.writer.request<{ auditLog: { edges: Array<{ node: any }> } }>(
    `query($t: ID!, $n: Int!) { auditLog(tenantId: $t, first: $n) { edges { node { operation target result errorCode graphRequestId } } } }`,
    { t: bench.tenantId, n },
  );
  return data.auditLog.edges.map((e) => e.node);
}

beforeAll(async () => {
  bench = await startProvisioningBench();
  await round();
  await newEvents();
}, 60_000);

afterAll(async () => {
  await bench?.stop();
});

it('delete, sync, restoreDeletedUser, sync: USER_CREATED with restored: true, memberships back, audited; again is a no-op', async () => {
  const id = U.dataEngineer.id;
  const before = await edges(id);
  expect(before).toContain(G.dataTeam);

  await bench.sim.control.deleteUser(SIM_TENANT, id);
  await round();
  expect((await newEvents()).filter((e) => e.type === 'USER_DELETED').map((e) => e.subject_id)).toEqual([id]);
  expect(await edges(id)).toEqual([]);

  const restored = await restore(id);
  expect(restored).toEqual({ __typename: 'RestoredUser', alreadyActive: false, user: expect.objectContaining({ id, userPrincipalName: U.dataEngineer.userPrincipalName }) });
  expect((await latestAudit(1))[0]).toEqual({ operation: 'RESTORE_USER', target: `user:${id}`, result: 'SUCCESS', errorCode: null, graphRequestId: expect.any(String) });
  // Graph restored the memberships with the user.
  expect(bench.sim.ctx.store.memberOf(SIM_TENANT, id).sort()).toEqual(before);

  await round();
  const events = await newEvents();
  expect(events.filter((e) => e.type === 'USER_CREATED')).toEqual([expect.objectContaining({ subject_id: id, payload: expect.objectContaining({ restored: true }) })]);
  expect(events.filter((e) => e.type === 'MEMBERSHIP_ADDED' && e.subject_id === id && e.payload.scope === 'DIRECT').map((e) => e.payload.groupId).sort()).toEqual(before);
  expect(await edges(id)).toEqual(before);

  // A retry after success: the user is active, nothing is written, the audit says NO_OP.
  expect(await restore(id)).toMatchObject({ __typename: 'RestoredUser', alreadyActive: true, user: { id } });
  expect((await latestAudit(1))[0]).toMatchObject({ operation: 'RESTORE_USER', target: `user:${id}`, result: 'NO_OP' });
});

it('UpnConflict when another user took the UPN meanwhile (Graph ObjectConflict); the user stays deleted', async () => {
  const id = U.salesRep.id;
  const upn = U.salesRep.userPrincipalName;
  await bench.sim.control.deleteUser(SIM_TENANT, id);
  const taken = await bench.createUser(newUser(upn.slice(0, upn.indexOf('@'))));
  expect(taken.__typename).toBe('CreatedUser');

  expect(await restore(id)).toEqual({ __typename: 'UpnConflict', errorCode: 'UPN_CONFLICT', userPrincipalName: upn, message: expect.stringContaining(upn) });
  expect((await latestAudit(1))[0]).toMatchObject({ operation: 'RESTORE_USER', target: `user:${id}`, result: 'FAILED', errorCode: 'UPN_CONFLICT', graphRequestId: expect.any(String) });
  expect(bench.sim.ctx.store.deletedItem(SIM_TENANT, id).object.id).toBe(id);
});

it('NotFound for an id that is neither a deleted nor an active user, a deleted group included (it stays deleted); a bad id is refused before Graph', async () => {
  const unknown = randomUUID();
  expect(await restore(unknown)).toMatchObject({ __typename: 'NotFound', errorCode: 'NOT_FOUND', objectId: unknown, message: expect.stringContaining('deleted users') });
  expect((await latestAudit(1))[0]).toMatchObject({ operation: 'RESTORE_USER', target: `user:${unknown}`, result: 'FAILED', errorCode: 'NOT_FOUND' });

  await bench.sim.control.deleteGroup(SIM_TENANT, G.socialClub);
  expect(await restore(G.socialClub)).toMatchObject({ __typename: 'NotFound', objectId: G.socialClub });
  expect(bench.sim.ctx.store.deletedItem(SIM_TENANT, G.socialClub).kind).toBe('group');

  await expect(restore('not-a-guid')).rejects.toThrow(/userId/);
});
