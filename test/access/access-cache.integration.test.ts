/**
 * accessTier from the snapshot on the hot path, across two gateway instances on one database: A is connected to
 * the simulated Verafield tenant and syncs it; B answers accessTier from the snapshot. A user's first answer
 * on B costs ONE SQL round trip, the next ones none (counted per statement, not estimated); a tier rename, a
 * mapping change, a tenant disconnect and a sync round that changed the directory, made through A, are seen in
 * the next answer on A and B; a round that changed nothing keeps both instances' facts and moves their age; a
 * snapshot made too old falls back to Graph; a lost LISTEN connection empties B's caches.
 */
import { GraphQLClient } from 'graphql-request';
import type { Invalidation } from '../../src/core/invalidation';
import { bearer, startTestGateway, type TestGateway } from '../support/gateway';
import { secondHandle } from '../events/event-fixtures';
import { startDirectoryBench, VERAFIELD, type DirectoryBench } from '../directory/directory-fixtures';
import { countStatements, type StatementCounter } from '../auth/support/sql-count';

const G = VERAFIELD.groups;
const U = VERAFIELD.users;
const DECISION = 'user { id } tier { name rank } decidingGroups { id displayName } reason source evaluatedAt snapshotAgeSeconds';

interface Decision {
  user: { id: string };
  tier: { name: string; rank: number } | null;
  decidingGroups: Array<{ id: string; displayName: string | null }>;
  reason: string;
  source: string;
  evaluatedAt: string;
  snapshotAgeSeconds: number | null;
}

let bench: DirectoryBench;
let gwB: TestGateway;
let readerA: GraphQLClient;
let readerB: GraphQLClient;
let sqlA: StatementCounter;
let sqlB: StatementCounter;
let financeTierId: string;

const heardOnB = (test: (message: Invalidation) => boolean) => gwB.services.invalidation.next(test);

const heardOnA = (test: (message: Invalidation) => boolean) => bench.gw.services.invalidation.next(test);

const accessTierOn = (reader: GraphQLClient, user: { userId?: string; userPrincipalName?: string }) =>
  reader
    .request<{ accessTier: Decision }>(`query($t: ID!, $id: ID, $upn: String) { accessTier(tenantId: $t, userId: $id, userPrincipalName: $upn) { ${DECISION} } }`, {
      t: bench.tenantId,
      id: user.userId,
      upn: user.userPrincipalName,
    })
    .then((d) => d.accessTier);
const accessTierOnB = (user: { userId?: string; userPrincipalName?: string }) => accessTierOn(readerB, user);

/** A's snapshot reads for one accessTier answer (A also syncs and runs workers: only the facts statements count). */
async function factsReadsOnA(user: { userId?: string }): Promise<{ decision: Decision; statements: string[] }> {
  sqlA.reset();
  const decision = await accessTierOn(readerA, user);
  return { decision, statements: sqlA.texts.filter((text) => text.startsWith('access_tier_user_facts')) };
}

async function lastSuccessAt(): Promise<Date> {
  const [row] = await bench.gw.database.dataSource.query(`SELECT last_success_at FROM sync_state WHERE tenant_id = $1`, [bench.tenantId]);
  return row.last_success_at;
}

/** B's statements for one accessTier answer. */
async function statementsFor(user: { userId?: string; userPrincipalName?: string }): Promise<{ decision: Decision; statements: string[] }> {
  // The API key was verified (and cached) by an earlier request; only what the answer costs is counted, so a
  // pending last_used_at write goes now rather than by its timer during the counted request.
  await gwB.services.apiKeys.flushUsage();
  sqlB.reset();
  const decision = await accessTierOnB(user);
  return { decision, statements: [...sqlB.texts] };
}

async function syncOnA(): Promise<void> {
  const result = await bench.gw.services.sync.syncNow(bench.tenantId);
  if (!('ran' in result) || !result.ran) throw new Error(`expected a sync round to run, got ${JSON.stringify(result)}`);
}

beforeAll(async () => {
  bench = await startDirectoryBench();
  // B's statements are counted per answer: its webhook worker (which polls on its own) stays off.
  gwB = await startTestGateway({ database: await secondHandle(bench.gw.database), env: { WEBHOOK_DELIVERY: 'off' } });
  await Promise.all([bench.gw.services.events.hub.whenListening(), gwB.services.events.hub.whenListening()]);
  const readKey = await bench.gw.mintKey({ scopes: ['directory:read'] as never, tenantIds: [bench.tenantId] });
  readerA = new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(readKey) });
  readerB = new GraphQLClient(gwB.graphqlUrl, { headers: bearer(readKey) });
  const define = (name: string, rank: number) =>
    bench.admin.request<{ defineAccessTier: { id: string } }>(`mutation($n: String!, $r: Int!) { defineAccessTier(input: { name: $n, rank: $r }) { id } }`, { n: name, r: rank }).then((d) => d.defineAccessTier.id);
  financeTierId = await define('Finance', 20);
  const engineeringTierId = await define('Engineering', 30);
  const map = (groupId: string, tierId: string) =>
    bench.admin.request(`mutation($t: ID!, $g: ID!, $tier: ID!) { setTierMapping(tenantId: $t, groupId: $g, tierId: $tier) { groupId } }`, { t: bench.tenantId, g: groupId, tier: tierId });
  await map(G.finance, financeTierId);
  await map(G.engineering, engineeringTierId);
  await syncOnA();
  sqlA = countStatements('entra-gateway-test');
  sqlB = countStatements('entra-gateway-test-2');
}, 120_000);

afterAll(async () => {
  sqlB?.stop();
  sqlA?.stop();
  await gwB?.stop();
  await bench?.stop();
});

it('answers from the snapshot in one SQL round trip once warm, then from memory, by id and by user principal name', async () => {
  const first = await statementsFor({ userId: U.financeEmployee.id });
  expect(first.decision).toMatchObject({ tier: { name: 'Finance', rank: 20 }, decidingGroups: [{ id: G.finance, displayName: 'Finance' }], reason: 'HIGHEST_RANKED_MAPPING', source: 'SNAPSHOT' });
  // Cold: the tenant, the tiers and the mappings were read too.
  expect(first.statements.length).toBeGreaterThan(1);
  // The user's facts were held: the same answer without a statement, the snapshot's age included.
  const again = await statementsFor({ userId: U.financeEmployee.id });
  expect({ ...again.decision, snapshotAgeSeconds: 0 }).toEqual({ ...first.decision, snapshotAgeSeconds: 0 });
  expect(again.decision.snapshotAgeSeconds).toBeGreaterThanOrEqual(first.decision.snapshotAgeSeconds!);
  expect(again.statements).toEqual([]);
  const byUpn = await statementsFor({ userPrincipalName: U.dataEngineer.userPrincipalName.toUpperCase() });
  expect(byUpn.decision).toMatchObject({ user: { id: U.dataEngineer.id }, tier: { name: 'Engineering' }, decidingGroups: [{ id: G.engineering, displayName: 'Engineering' }], source: 'SNAPSHOT' });
  expect(byUpn.statements).toEqual(['access_tier_user_facts_by_upn']);
  // Another spelling of the same UPN is the same entry (UPNs compare without regard to case).
  const byUpnAgain = await statementsFor({ userPrincipalName: U.dataEngineer.userPrincipalName.toLowerCase() });
  expect(byUpnAgain.decision).toMatchObject({ user: { id: U.dataEngineer.id }, tier: { name: 'Engineering' } });
  expect(byUpnAgain.statements).toEqual([]);
});

it('a tier renamed through A is in B\'s next answer', async () => {
  await accessTierOnB({ userId: U.financeEmployee.id });
  const heard = heardOnB((m) => m.kind === 'tier' && m.id === financeTierId);
  await bench.admin.request(`mutation($id: ID!) { updateAccessTier(id: $id, input: { name: "Finance & Accounting" }) { name } }`, { id: financeTierId });
  await heard;
  expect((await accessTierOnB({ userId: U.financeEmployee.id })).tier).toEqual({ name: 'Finance & Accounting', rank: 20 });
});

it('a mapping removed and set again through A is in B\'s next answer', async () => {
  await accessTierOnB({ userId: U.financeEmployee.id });
  let heard = heardOnB((m) => m.kind === 'mappings' && m.id === bench.tenantId);
  await bench.admin.request(`mutation($t: ID!, $g: ID!) { removeTierMapping(tenantId: $t, groupId: $g) { groupId } }`, { t: bench.tenantId, g: G.finance });
  await heard;
  expect(await accessTierOnB({ userId: U.financeEmployee.id })).toMatchObject({ tier: null, decidingGroups: [], reason: 'NO_MAPPED_GROUP', source: 'SNAPSHOT' });
  heard = heardOnB((m) => m.kind === 'mappings' && m.id === bench.tenantId);
  await bench.admin.request(`mutation($t: ID!, $g: ID!, $tier: ID!) { setTierMapping(tenantId: $t, groupId: $g, tierId: $tier) { groupId } }`, { t: bench.tenantId, g: G.finance, tier: financeTierId });
  await heard;
  expect((await accessTierOnB({ userId: U.financeEmployee.id })).tier).toMatchObject({ rank: 20 });
});

it('a sync round through A that changed nothing keeps the facts on both instances and moves their age', async () => {
  const before = await accessTierOnB({ userId: U.dataEngineer.id });
  await accessTierOn(readerA, { userId: U.dataEngineer.id });
  expect((await statementsFor({ userId: U.dataEngineer.id })).statements).toEqual([]);
  expect((await factsReadsOnA({ userId: U.dataEngineer.id })).statements).toEqual([]);
  const previous = await lastSuccessAt();
  const heard = Promise.all([heardOnA, heardOnB].map((on) => on((m) => m.kind === 'freshness' && m.id === bench.tenantId)));
  await syncOnA();
  await heard;
  const completed = await lastSuccessAt();
  expect(completed.getTime()).toBeGreaterThan(previous.getTime());
  // No statement on either instance, and the answer is as of the new round.
  const onB = await statementsFor({ userId: U.dataEngineer.id });
  const onA = await factsReadsOnA({ userId: U.dataEngineer.id });
  for (const answer of [onB, onA]) {
    expect(answer.statements).toEqual([]);
    expect(answer.decision).toEqual({ ...before, evaluatedAt: completed.toISOString(), snapshotAgeSeconds: answer.decision.snapshotAgeSeconds });
  }
});

it('a sync round through A that moved a user is in the next answer on both instances, with its freshness', async () => {
  const before = await accessTierOnB({ userId: U.financeEmployee.id });
  await accessTierOn(readerA, { userId: U.financeEmployee.id });
  expect((await statementsFor({ userId: U.financeEmployee.id })).statements).toEqual([]);
  expect((await factsReadsOnA({ userId: U.financeEmployee.id })).statements).toEqual([]);
  await bench.sim.control.moveUser(VERAFIELD.tenantId, U.financeEmployee.id, G.finance, G.engineering);
  const heard = Promise.all([heardOnA, heardOnB].map((on) => on((m) => m.kind === 'snapshot' && m.id === bench.tenantId)));
  await syncOnA();
  await heard;
  const completed = await lastSuccessAt();
  // The round's notification dropped the tenant's held facts on both: read again, once.
  const onB = await statementsFor({ userId: U.financeEmployee.id });
  const onA = await factsReadsOnA({ userId: U.financeEmployee.id });
  for (const after of [onB, onA]) {
    expect(after.decision).toMatchObject({ tier: { name: 'Engineering' }, decidingGroups: [{ id: G.engineering, displayName: 'Engineering' }], source: 'SNAPSHOT' });
    expect(after.decision.evaluatedAt).toBe(completed.toISOString());
    expect(Date.parse(after.decision.evaluatedAt)).toBeGreaterThan(Date.parse(before.evaluatedAt));
    expect(after.statements).toEqual(['access_tier_user_facts_by_id']);
  }
  expect((await statementsFor({ userId: U.financeEmployee.id })).statements).toEqual([]);
});

it('a snapshot made older than ACCESS_TIER_MAX_AGE_SECONDS goes to Graph on both instances, and is served from the held facts once fresh again', async () => {
  await Promise.all([accessTierOnB({ userId: U.dataEngineer.id }), accessTierOn(readerA, { userId: U.dataEngineer.id })]);
  const completed = await lastSuccessAt();
  const heardOnBoth = () => Promise.all([heardOnA, heardOnB].map((on) => on((m) => m.kind === 'freshness' && m.id === bench.tenantId)));
  let heard = heardOnBoth();
  await bench.gw.database.dataSource.query(`UPDATE sync_state SET last_success_at = now() - interval '2 hours' WHERE tenant_id = $1`, [bench.tenantId]);
  try {
    await heard;
    // A asks the statement (which finds the snapshot too old), then Graph.
    const onA = await factsReadsOnA({ userId: U.dataEngineer.id });
    expect(onA.decision).toMatchObject({ user: { id: U.dataEngineer.id }, tier: { name: 'Engineering' }, source: 'LIVE', snapshotAgeSeconds: null });
    expect(onA.statements).toEqual(['access_tier_user_facts_by_id']);
    // B does the same; it has no Entra app registration, so its way to Graph ends there: not a snapshot answer.
    sqlB.reset();
    await expect(accessTierOnB({ userId: U.dataEngineer.id })).rejects.toThrow(/no Entra app registration is configured/);
    expect(sqlB.texts[0]).toBe('access_tier_user_facts_by_id');
  } finally {
    heard = heardOnBoth();
    await bench.gw.database.dataSource.query(`UPDATE sync_state SET last_success_at = $2 WHERE tenant_id = $1`, [bench.tenantId, completed]);
    await heard;
  }
  for (const fresh of [await statementsFor({ userId: U.dataEngineer.id }), await factsReadsOnA({ userId: U.dataEngineer.id })]) {
    expect(fresh.decision).toMatchObject({ tier: { name: 'Engineering' }, source: 'SNAPSHOT', evaluatedAt: completed.toISOString() });
    expect(fresh.statements).toEqual([]);
  }
});

it('a lost LISTEN connection empties B\'s caches: the next answer reads them again, the one after none', async () => {
  await accessTierOnB({ userId: U.dataEngineer.id });
  const hub = gwB.services.events.hub;
  const before = hub.connections;
  await bench.gw.database.dataSource.query(`SELECT pg_terminate_backend($1)`, [hub.listenerPid]);
  const deadline = Date.now() + 15_000;
  while ((hub.connections === before || !gwB.services.invalidation.live) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(hub.connections).toBe(before + 1);
  // The key, the tenant, the tiers and the mappings are read again.
  expect((await statementsFor({ userId: U.dataEngineer.id })).statements.length).toBeGreaterThanOrEqual(4);
  expect((await statementsFor({ userId: U.dataEngineer.id })).statements).toEqual([]);
});

// Last: the tenant stays disconnected.
it('a tenant disconnected through A reaches B (its cached record is dropped)', async () => {
  await accessTierOnB({ userId: U.dataEngineer.id });
  const heard = heardOnB((m) => m.kind === 'tenant' && m.id === bench.tenantId);
  await bench.admin.request(`mutation($id: ID!) { disconnectTenant(id: $id) { status } }`, { id: bench.tenantId });
  await heard;
  // accessTier answers for a disconnected tenant as it did before (the snapshot is still there); what changed
  // is that B read the tenant's record again rather than answer from a stale one.
  const after = await statementsFor({ userId: U.dataEngineer.id });
  expect(after.decision).toMatchObject({ tier: { name: 'Engineering' }, source: 'SNAPSHOT' });
  expect(after.statements).toEqual([expect.stringContaining('"tenants"'), 'access_tier_user_facts_by_id']);
});
