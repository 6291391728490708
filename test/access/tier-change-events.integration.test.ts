/**
 * Mapping and tier changes emit ACCESS_TIER_CHANGED (reason MAPPING_CHANGED) in their own transaction, on the
 * Verafield tenant synced into the snapshot: exactly the users previewTierMapping lists, with the tiers it
 * predicted, once each; rank changes and deletions too; a repeated change emits nothing; a change made while the
 * snapshot is stale says so, and the next round emits the rest. Throughout, replaying every ACCESS_TIER_CHANGED
 * onto the tiers users had after the first load gives the tiers the simulator's directory implies now.
 */
import { resolveTier } from '../../src/access/tier-resolution';
import { startDirectoryBench, VERAFIELD, type DirectoryBench } from '../directory/directory-fixtures';

const SIM_TENANT = VERAFIELD.tenantId;
const G = VERAFIELD.groups;
const U = VERAFIELD.users;

let bench: DirectoryBench;
let tenantId: string;
const tiers: Record<string, string> = {};
/** Each user's tier id as the event stream says (seeded with the truth after the first load). */
const replayed = new Map<string, string | null>();
let lastSequence = '0';

interface TierEvent {
  sequence: string;
  subject_id: string;
  payload: { userId: string; old: { id: string; name: string } | null; new: { id: string; name: string } | null; reason: string; why: Record<string, any> };
}

const q = <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => bench.gw.database.dataSource.query(sql, params);

/** The tier every user of the simulator's directory should have now, from its memberships and the stored mappings. */
async function truth(): Promise<Map<string, string | null>> {
  const store = bench.sim.ctx.store;
  const sim = store.requireTenant(SIM_TENANT);
  const access = bench.gw.services.access;
  const [tierList, mappings] = [await access.listTiers(), await access.listMappings(tenantId)];
  const groupsOf = new Map<string, string[]>();
  for (const m of mappings) for (const member of store.transitiveMembers(SIM_TENANT, m.groupId)) groupsOf.set(member, [...(groupsOf.get(member) ?? []), m.groupId]);
  const out = new Map<string, string | null>();
  for (const [id, user] of sim.users) out.set(id, resolveTier({ accountEnabled: user.accountEnabled, effectiveGroupIds: groupsOf.get(id) ?? [] }, mappings, tierList).tier?.id ?? null);
  return out;
}

/** ACCESS_TIER_CHANGED since the previous call; each applied to `replayed`, checking it continues from there. */
async function tierEvents(): Promise<TierEvent[]> {
  const rows = await q<TierEvent>(
    `SELECT sequence::text, subject_id, payload FROM directory_events WHERE tenant_id = $1 AND type = 'ACCESS_TIER_CHANGED' AND sequence > $2::bigint ORDER BY sequence`,
    [tenantId, lastSequence],
  );
  for (const e of rows) {
    // An event twice, or one missed before it, would break the chain.
    expect([e.subject_id, e.payload.old?.id ?? null]).toEqual([e.subject_id, replayed.get(e.subject_id) ?? null]);
    replayed.set(e.subject_id, e.payload.new?.id ?? null);
  }
  const [last] = await q<{ s: string }>(`SELECT coalesce(max(sequence), 0)::text AS s FROM directory_events`);
  lastSequence = last.s;
  return rows;
}

async function expectReplayMatchesTruth(): Promise<void> {
  const expected = await truth();
  for (const [id, tier] of expected) expect([id, replayed.get(id) ?? null]).toEqual([id, tier]);
}

const CHANGES = 'tierChanges { tenantId usersChanged snapshot snapshotAsOf snapshotAgeSeconds }';
const setMapping = (groupId: string, tierId: string) =>
  bench.admin
    .request<{ setTierMapping: { groupId: string; tier: { name: string }; tierChanges: any[] } }>(
      `mutation($t: ID!, $g: ID!, $tier: ID!) { setTierMapping(tenantId: $t, groupId: $g, tierId: $tier) { groupId tier { name } ${CHANGES} } }`,
      { t: tenantId, g: groupId, tier: tierId },
    )
    .then((d) => d.setTierMapping);
const removeMapping = (groupId: string) =>
  bench.admin
    .request<{ removeTierMapping: { groupId: string; tierChanges: any[] } | null }>(`mutation($t: ID!, $g: ID!) { removeTierMapping(tenantId: $t, groupId: $g) { groupId ${CHANGES} } }`, { t: tenantId, g: groupId })
    .then((d) => d.removeTierMapping);
const updateTier = (id: string, input: Record<string, unknown>) =>
  bench.admin
    .request<{ updateAccessTier: { rank: number; tierChanges: any[] } }>(`mutation($id: ID!, $i: UpdateAccessTierInput!) { updateAccessTier(id: $id, input: $i) { rank ${CHANGES} } }`, { id, i: input })
    .then((d) => d.updateAccessTier);
const preview = (proposed: Array<{ groupId: string; tierId: string }>) =>
  bench.reader
    .request<{ previewTierMapping: { changes: Array<{ user: { id: string }; from: { name: string } | null; to: { name: string } | null }> } }>(
      `query($t: ID!, $m: [TierMappingInput!]!) { previewTierMapping(tenantId: $t, mappings: $m) { changes { user { id } from { name } to { name } } } }`,
      { t: tenantId, m: proposed },
    )
    .then((d) => d.previewTierMapping.changes);
const currentMappings = async () => (await bench.gw.services.access.listMappings(tenantId)).map((m) => ({ groupId: m.groupId, tierId: m.tierId }));
const audits = (operation: string) => q(`SELECT principal, target, result FROM audit_log WHERE tenant_id = $1 AND operation = $2 ORDER BY id`, [tenantId, operation]);
const sorted = <T>(list: T[]) => [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

beforeAll(async () => {
  bench = await startDirectoryBench();
  tenantId = bench.tenantId;
  for (const [name, rank] of [['Basic', 10], ['Finance', 20], ['Engineering', 30]] as const) {
    const { defineAccessTier } = await bench.admin.request<{ defineAccessTier: { id: string } }>(`mutation($i: DefineAccessTierInput!) { defineAccessTier(input: $i) { id } }`, { i: { name, rank } });
    tiers[name] = defineAccessTier.id;
  }
}, 120_000);

afterAll(async () => {
  await bench?.stop();
});

it('before the first load: a mapping change writes no event and says the tenant was never synced; the first load is the baseline', async () => {
  const mapped = await setMapping(G.finance, tiers.Finance);
  expect(mapped.tierChanges).toEqual([{ tenantId, usersChanged: 0, snapshot: 'NEVER_SYNCED', snapshotAsOf: null, snapshotAgeSeconds: null }]);
  await setMapping(G.engineering, tiers.Engineering);
  await setMapping(G.allCompany, tiers.Basic);
  const round = await bench.gw.services.sync.syncNow(tenantId);
  expect(round).toMatchObject({ ran: true, mode: 'INITIAL', events: 0 });
  expect(await tierEvents()).toEqual([]);
  for (const [id, tier] of await truth()) replayed.set(id, tier);
  // Audited: the tier definitions in every tenant, each mapping in its own.
  expect((await audits('DEFINE_ACCESS_TIER')).map((a) => a.result)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
  expect((await audits('SET_TIER_MAPPING')).map((a) => [a.target, a.result])).toEqual([
    [`group:${G.finance} tier:${tiers.Finance}`, 'SUCCESS'],
    [`group:${G.engineering} tier:${tiers.Engineering}`, 'SUCCESS'],
    [`group:${G.allCompany} tier:${tiers.Basic}`, 'SUCCESS'],
  ]);
}, 120_000);

it("a mapping change emits exactly the users previewTierMapping listed, once each, with the tiers it predicted; the same change again emits nothing", async () => {
  // Everyone in All Company from Basic to Finance (the engineers keep Engineering, the higher rank).
  const proposed = (await currentMappings()).map((m) => (m.groupId === G.allCompany ? { ...m, tierId: tiers.Finance } : m));
  const predicted = await preview(proposed);
  expect(predicted.length).toBeGreaterThan(50);

  const result = await setMapping(G.allCompany, tiers.Finance);
  expect(result.tierChanges).toEqual([{ tenantId, usersChanged: predicted.length, snapshot: 'FRESH', snapshotAsOf: expect.any(String), snapshotAgeSeconds: expect.any(Number) }]);
  const events = await tierEvents();
  expect(sorted(events.map((e) => [e.subject_id, e.payload.old?.name ?? null, e.payload.new?.name ?? null]))).toEqual(
    sorted(predicted.map((c) => [c.user.id, c.from?.name ?? null, c.to?.name ?? null])),
  );
  expect(new Set(events.map((e) => e.subject_id)).size).toBe(events.length);
  expect(events[0].payload).toMatchObject({
    reason: 'MAPPING_CHANGED',
    why: { mappingChange: { kind: 'MAPPING_SET', groupId: G.allCompany, tier: { id: tiers.Finance, name: 'Finance' }, previousTier: { id: tiers.Basic, name: 'Basic' } } },
  });

  const again = await setMapping(G.allCompany, tiers.Finance);
  expect(again.tierChanges[0]).toMatchObject({ usersChanged: 0, snapshot: 'FRESH' });
  expect(await tierEvents()).toEqual([]);
  expect((await audits('SET_TIER_MAPPING')).at(-1)).toMatchObject({ target: `group:${G.allCompany} tier:${tiers.Finance} (was tier:${tiers.Finance})`, result: 'SUCCESS' });
  await expectReplayMatchesTruth();
});

it('a rank change moves the users who reach both tiers, both ways; a rank change that keeps the order moves nobody', async () => {
  const up = await updateTier(tiers.Finance, { rank: 40 });
  const moved = await tierEvents();
  // Engineers are in All Company (now Finance): with Finance above Engineering they move to Finance.
  expect(moved.length).toBeGreaterThan(10);
  expect(moved.every((e) => e.payload.old?.name === 'Engineering' && e.payload.new?.name === 'Finance')).toBe(true);
  expect(up.tierChanges).toEqual([{ tenantId, usersChanged: moved.length, snapshot: 'FRESH', snapshotAsOf: expect.any(String), snapshotAgeSeconds: expect.any(Number) }]);
  expect(moved[0].payload.why.mappingChange).toMatchObject({ kind: 'TIER_RANK_CHANGED', groupId: null, tier: { rank: 40 }, previousTier: { rank: 20 } });
  await expectReplayMatchesTruth();

  await updateTier(tiers.Finance, { rank: 20 });
  const back = await tierEvents();
  expect(sorted(back.map((e) => e.subject_id))).toEqual(sorted(moved.map((e) => e.subject_id)));
  expect((await updateTier(tiers.Finance, { rank: 25 })).tierChanges[0].usersChanged).toBe(0);
  expect(await tierEvents()).toEqual([]);
  await updateTier(tiers.Finance, { name: 'Finance' , rank: 20 });
  expect(await tierEvents()).toEqual([]);
  expect((await audits('UPDATE_ACCESS_TIER')).map((a) => a.target)).toEqual([
    `tier:${tiers.Finance} rank:20->40`,
    `tier:${tiers.Finance} rank:40->20`,
    `tier:${tiers.Finance} rank:20->25`,
    `tier:${tiers.Finance} rank:25->20`,
  ]);
  await expectReplayMatchesTruth();
});

it('removing a mapping emits what the preview of its removal lists; a tier is deleted only unmapped, so its deletion moves nobody', async () => {
  const proposed = (await currentMappings()).filter((m) => m.groupId !== G.engineering);
  const predicted = await preview(proposed);
  const removed = await removeMapping(G.engineering);
  const events = await tierEvents();
  expect(removed?.tierChanges[0].usersChanged).toBe(predicted.length);
  expect(sorted(events.map((e) => [e.subject_id, e.payload.old?.name ?? null, e.payload.new?.name ?? null]))).toEqual(
    sorted(predicted.map((c) => [c.user.id, c.from?.name ?? null, c.to?.name ?? null])),
  );
  expect(events[0].payload.why.mappingChange).toMatchObject({ kind: 'MAPPING_REMOVED', groupId: G.engineering, tier: null, previousTier: { name: 'Engineering' } });
  expect(await removeMapping(G.engineering)).toBeNull();
  expect((await audits('REMOVE_TIER_MAPPING')).map((a) => a.result)).toEqual(['SUCCESS', 'NO_OP']);

  // Finance is still mapped: refused, nothing written.
  await expect(bench.admin.request(`mutation($id: ID!) { deleteAccessTier(id: $id) { id } }`, { id: tiers.Finance })).rejects.toThrow(/still mapped/);
  const deleted = await bench.admin.request<{ deleteAccessTier: { name: string; tierChanges: unknown[] } }>(`mutation($id: ID!) { deleteAccessTier(id: $id) { name ${CHANGES} } }`, { id: tiers.Engineering });
  expect(deleted.deleteAccessTier).toEqual({ name: 'Engineering', tierChanges: [] });
  expect(await tierEvents()).toEqual([]);
  expect((await audits('DELETE_ACCESS_TIER')).map((a) => a.target)).toEqual([`tier:${tiers.Engineering} name:Engineering rank:30`]);
  await expectReplayMatchesTruth();
});

it('a change while the snapshot is stale says so; the next round emits what it could not see, and nothing twice', async () => {
  // Nora moves from Finance to Data Team in Entra; no round has seen it yet, and the last round is old.
  await bench.sim.control.moveUser(SIM_TENANT, U.financeEmployee.id, G.finance, G.dataTeam);
  await q(`UPDATE sync_state SET last_success_at = now() - interval '2 hours' WHERE tenant_id = $1`, [tenantId]);
  const { defineAccessTier: data } = await bench.admin.request<{ defineAccessTier: { id: string } }>(`mutation { defineAccessTier(input: { name: "Data", rank: 35 }) { id } }`);
  const result = await setMapping(G.dataTeam, data.id);
  expect(result.tierChanges[0]).toMatchObject({ snapshot: 'STALE', snapshotAgeSeconds: expect.any(Number) });
  expect(result.tierChanges[0].snapshotAgeSeconds).toBeGreaterThanOrEqual(7200);
  const now = await tierEvents();
  expect(now.length).toBe(result.tierChanges[0].usersChanged);
  // The snapshot still has Nora in Finance: not moved yet.
  expect(now.map((e) => e.subject_id)).not.toContain(U.financeEmployee.id);
  expect(now.length).toBeGreaterThan(0);

  const round = await bench.gw.services.sync.syncNow(tenantId);
  expect(round).toMatchObject({ ran: true, mode: 'INCREMENTAL' });
  const rest = await tierEvents();
  expect(rest.map((e) => [e.subject_id, e.payload.old?.name ?? null, e.payload.new?.name ?? null])).toEqual([[U.financeEmployee.id, 'Finance', 'Data']]);
  await expectReplayMatchesTruth();
}, 60_000);
