/**
 * Sync end to end: a real gateway and PostgreSQL, the simulated Verafield tenant connected through the real
 * consent flow, real delta rounds over HTTPS. The initial load, a user moved between mapped groups, a reset
 * delta token, a crash mid-round, the lease between two engines, syncNow and syncStatus over GraphQL, and
 * accessTier answering from the snapshot. Events are read from the event log (directory_events).
 */
import { countStatements } from '../auth/support/sql-count';
import { GraphQLClient } from 'graphql-request';
import { createLogCapture, createLogger } from '../../src/logging';
import { SyncEngine, type RoundResult, type SyncHooks } from '../../src/sync/sync-engine';
import { SyncScheduler } from '../../src/sync/sync-scheduler';
import { bearer } from '../support/gateway';
import { startDirectoryBench, VERAFIELD, type DirectoryBench } from '../directory/directory-fixtures';

const SIM_TENANT = VERAFIELD.tenantId;
const G = VERAFIELD.groups;
const U = VERAFIELD.users;

interface EventRow {
  sequence: string;
  type: string;
  subject_id: string | null;
  payload: Record<string, any>;
}

let bench: DirectoryBench;
let tenantId: string;
let lastSequence = '0';

const logger = createLogger({ level: 'silent' });

function engine(opts: { owner?: string; hooks?: SyncHooks; leaseSeconds?: number; logger?: typeof logger; progressEveryPages?: number; completedHeartbeatSeconds?: number } = {}): SyncEngine {
  return new SyncEngine({
    dataSource: bench.gw.database.dataSource,
    clientFor: (t) => bench.gw.services.directory.client(t),
    access: bench.gw.services.access,
    logger,
    ...opts,
  });
}

const q = <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => bench.gw.database.dataSource.query(sql, params);

/** Events written since the previous call, oldest first. */
async function newEvents(): Promise<EventRow[]> {
  const rows = await q<EventRow>(`SELECT sequence::text, type, subject_id, payload FROM directory_events WHERE tenant_id = $1 AND directory_events.sequence > $2::bigint ORDER BY directory_events.sequence`, [tenantId, lastSequence]);
  if (rows.length > 0) lastSequence = rows.at(-1)!.sequence;
  // Tenant status and drift events are other parts' business.
  return rows.filter((e) => !['TENANT_STATUS_CHANGED', 'DRIFT_DETECTED', 'DRIFT_RESOLVED'].includes(e.type));
}

const ran = (r: RoundResult) => {
  if (!r.ran) throw new Error(`expected the round to run, got ${JSON.stringify(r)}`);
  return r;
};

beforeAll(async () => {
  bench = await startDirectoryBench();
  tenantId = bench.tenantId;
}, 60_000);

afterAll(async () => {
  await bench?.stop();
});

describe('initial load', () => {
  it('builds users, groups, direct and effective rows matching the simulator, with SYNC_COMPLETED as the only event', async () => {
    // The load's own transaction writes no search word (user-words.ts: built after the commit, off its critical path).
    let wordsInTransaction = -1;
    const first = engine({
      hooks: {
        beforeCommit: async ({ query }) => {
          wordsInTransaction = ((await query(`SELECT count(*)::int AS n FROM snapshot_user_words WHERE tenant_id = $1`, [tenantId])) as Array<{ n: number }>)[0].n;
        },
      },
    });
    const result = ran(await first.runRound(tenantId));
    expect(result.mode).toBe('INITIAL');
    expect(result.events).toBe(0);
    expect(wordsInTransaction).toBe(0);
    // Built once the engine's background work is done: every live user has words, marked current.
    await first.idle();
    const [words] = await q(`SELECT count(DISTINCT user_id)::int AS users, (SELECT words_generation = snapshot_generation FROM sync_state WHERE tenant_id = $1) AS current FROM snapshot_user_words WHERE tenant_id = $1`, [tenantId]);
    expect(words).toEqual({ users: VERAFIELD.counts.users, current: true });

    const store = bench.sim.ctx.store;
    const simTenant = store.requireTenant(SIM_TENANT);
    const [{ users }] = await q(`SELECT count(*)::int AS users FROM snapshot_users WHERE tenant_id = $1 AND deleted_at IS NULL`, [tenantId]);
    expect(users).toBe(VERAFIELD.counts.users);
    const groups = await q(`SELECT id, display_name, group_types, membership_rule FROM snapshot_groups WHERE tenant_id = $1`, [tenantId]);
    expect(groups).toHaveLength(VERAFIELD.counts.groups);
    expect(groups.find((g) => g.id === G.salesDynamic)).toMatchObject({ display_name: 'Sales (dynamic)', group_types: ['DynamicMembership'], membership_rule: '(user.department -eq "Sales")' });
    const salesRep = (await q(`SELECT * FROM snapshot_users WHERE tenant_id = $1 AND id = $2`, [tenantId, U.salesRep.id]))[0];
    expect(salesRep).toMatchObject({ user_principal_name: U.salesRep.userPrincipalName, department: 'Sales', job_title: 'Account Executive', account_enabled: true, user_type: 'Member' });

    // Direct memberships: exactly the simulator's edges.
    const expected = new Set<string>();
    for (const groupId of simTenant.groups.keys()) for (const member of store.directMembers(SIM_TENANT, groupId)) expected.add(`${groupId}/${member}`);
    const direct = await q(`SELECT group_id, member_id FROM snapshot_memberships WHERE tenant_id = $1`, [tenantId]);
    expect(new Set(direct.map((r) => `${r.group_id}/${r.member_id}`))).toEqual(expected);

    // Effective memberships: every group's transitive users.
    const effectiveExpected = new Set<string>();
    for (const groupId of simTenant.groups.keys()) {
      for (const member of store.transitiveMembers(SIM_TENANT, groupId)) if (simTenant.users.has(member)) effectiveExpected.add(`${groupId}/${member}`);
    }
    const effective = await q(`SELECT group_id, user_id, path FROM snapshot_effective WHERE tenant_id = $1`, [tenantId]);
    expect(new Set(effective.map((r) => `${r.group_id}/${r.user_id}`))).toEqual(effectiveExpected);

    // Nested Engineering members are there, with the path through the nested groups.
    const path = (groupId: string, userId: string) => effective.find((r) => r.group_id === groupId && r.user_id === userId)?.path;
    expect(path(G.engineering, U.onCallEngineer.id)).toEqual([G.engineering, G.platformTeam, G.siteReliability, G.onCall]);
    expect(path(G.engineering, U.dataEngineer.id)).toEqual([G.engineering, G.dataTeam]);
    expect(path(G.dataTeam, U.dataEngineer.id)).toEqual([G.dataTeam]);

    const events = await newEvents();
    expect(events.map((e) => e.type)).toEqual(['SYNC_COMPLETED']);
    expect(events[0].payload).toMatchObject({ mode: 'INITIAL', counts: { users: VERAFIELD.counts.users, groups: VERAFIELD.counts.groups } });
  });

  it('a round with nothing changed reads only deltaLinks and writes no event (SYNC_COMPLETED only at the heartbeat); its time is kept', async () => {
    const success = async () => (await q(`SELECT last_success_at FROM sync_state WHERE tenant_id = $1`, [tenantId]))[0].last_success_at as Date;
    const before = await success();
    const result = ran(await engine().runRound(tenantId));
    expect(result).toMatchObject({ mode: 'INCREMENTAL', events: 0, objects: 0, graphRequests: 2, completedEvent: false });
    expect((await newEvents()).map((e) => e.type)).toEqual([]);
    // Freshness (accessTier's snapshot answers, syncStatus) follows every round, quiet or not.
    expect((await success()).getTime()).toBeGreaterThan(before.getTime());

    // The heartbeat: once the last SYNC_COMPLETED is an hour old, a quiet round writes one.
    await q(`UPDATE sync_state SET last_completed_event_at = last_completed_event_at - interval '3601 seconds' WHERE tenant_id = $1`, [tenantId]);
    expect(ran(await engine().runRound(tenantId)).completedEvent).toBe(true);
    const [beat] = await newEvents();
    expect(beat).toMatchObject({ type: 'SYNC_COMPLETED', payload: { mode: 'INCREMENTAL', events: 0 } });
    expect(ran(await engine().runRound(tenantId)).completedEvent).toBe(false);
    // SYNC_COMPLETED_HEARTBEAT_SECONDS=0: after every round.
    expect(ran(await engine({ completedHeartbeatSeconds: 0 }).runRound(tenantId)).completedEvent).toBe(true);
    expect((await newEvents()).map((e) => e.type)).toEqual(['SYNC_COMPLETED']);
  });
});

describe('changes', () => {
  it('a user moved between mapped groups: one direct MEMBERSHIP_REMOVED, one direct MEMBERSHIP_ADDED, effective ones with paths, one ACCESS_TIER_CHANGED', async () => {
    const access = bench.gw.services.access;
    const finance = await access.defineTier({ name: 'Finance', rank: 20, description: null });
    const engineering = await access.defineTier({ name: 'Engineering', rank: 30, description: null });
    await access.setMapping({ tenantId, groupId: G.finance, groupDisplayName: 'Finance', tierId: finance.id, createdBy: 'test' });
    await access.setMapping({ tenantId, groupId: G.engineering, groupDisplayName: 'Engineering', tierId: engineering.id, createdBy: 'test' });
    // The mappings themselves moved the groups' users (from the snapshot, in their own transactions).
    const mapped = await newEvents();
    expect(mapped.length).toBeGreaterThan(0);
    expect(mapped.every((e) => e.type === 'ACCESS_TIER_CHANGED' && e.payload.reason === 'MAPPING_CHANGED')).toBe(true);

    // Into Data Team, which is nested in Engineering.
    await bench.sim.control.moveUser(SIM_TENANT, U.financeEmployee.id, G.finance, G.dataTeam);
    const result = ran(await engine().runRound(tenantId));
    expect(result.mode).toBe('INCREMENTAL');

    const events = await newEvents();
    const summary = events.map((e) => [e.type, e.payload.scope ?? null, e.payload.groupId ?? null, e.subject_id]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ['MEMBERSHIP_REMOVED', 'DIRECT', G.finance, U.financeEmployee.id],
        ['MEMBERSHIP_ADDED', 'DIRECT', G.dataTeam, U.financeEmployee.id],
        ['MEMBERSHIP_REMOVED', 'EFFECTIVE', G.finance, U.financeEmployee.id],
        ['MEMBERSHIP_ADDED', 'EFFECTIVE', G.dataTeam, U.financeEmployee.id],
        ['MEMBERSHIP_ADDED', 'EFFECTIVE', G.engineering, U.financeEmployee.id],
        ['ACCESS_TIER_CHANGED', null, null, U.financeEmployee.id],
        ['SYNC_COMPLETED', null, null, null],
      ]),
    );
    const count = (type: string, scope?: string) => events.filter((e) => e.type === type && (scope === undefined || e.payload.scope === scope)).length;
    expect(count('MEMBERSHIP_REMOVED', 'DIRECT')).toBe(1);
    expect(count('MEMBERSHIP_ADDED', 'DIRECT')).toBe(1);
    expect(count('MEMBERSHIP_REMOVED', 'EFFECTIVE')).toBe(1);
    expect(count('MEMBERSHIP_ADDED', 'EFFECTIVE')).toBe(2);
    expect(count('ACCESS_TIER_CHANGED')).toBe(1);
    expect(events).toHaveLength(7);

    const viaNesting = events.find((e) => e.type === 'MEMBERSHIP_ADDED' && e.payload.groupId === G.engineering)!;
    expect(viaNesting.payload).toMatchObject({ scope: 'EFFECTIVE', path: [G.engineering, G.dataTeam], pathNames: ['Engineering', 'Data Team'], groupDisplayName: 'Engineering' });
    const tier = events.find((e) => e.type === 'ACCESS_TIER_CHANGED')!;
    expect(tier.payload).toMatchObject({
      userId: U.financeEmployee.id,
      old: { name: 'Finance', rank: 20 },
      new: { name: 'Engineering', rank: 30 },
      reason: 'HIGHEST_RANKED_MAPPING',
      decidingGroups: [G.engineering],
      why: { mappedGroupsJoined: [{ id: G.engineering, displayName: 'Engineering' }], mappedGroupsLeft: [{ id: G.finance, displayName: 'Finance' }] },
    });
  });

  it('user created, updated (naming the fields), disabled (tier lost) and deleted', async () => {
    const created = await bench.sim.control.createUser(SIM_TENANT, {
      displayName: 'Rae Newman',
      userPrincipalName: `rae.newman@${VERAFIELD.domain}`,
      mailNickname: 'rae.newman',
      accountEnabled: true,
      passwordProfile: { password: 'Sync-test-1!', forceChangePasswordNextSignIn: true },
    } as never);
    await bench.sim.control.updateUser(SIM_TENANT, U.salesRep.id, { jobTitle: 'Regional Sales Lead', department: 'Sales EMEA' });
    await bench.sim.control.updateUser(SIM_TENANT, U.platformEngineer.id, { accountEnabled: false });
    await bench.sim.control.deleteUser(SIM_TENANT, U.guestDesigner.id);
    ran(await engine().runRound(tenantId));
    const events = await newEvents();

    expect(events.filter((e) => e.type === 'USER_CREATED')).toEqual([
      expect.objectContaining({ subject_id: created.id, payload: expect.objectContaining({ restored: false, user: expect.objectContaining({ displayName: 'Rae Newman' }) }) }),
    ]);
    const updates = events.filter((e) => e.type === 'USER_UPDATED');
    expect(updates.map((e) => [e.subject_id, [...e.payload.changedFields].sort()])).toEqual(
      expect.arrayContaining([
        [U.salesRep.id, ['department', 'jobTitle']],
        [U.platformEngineer.id, ['accountEnabled']],
      ]),
    );
    expect(updates).toHaveLength(2);
    expect(updates.find((e) => e.subject_id === U.salesRep.id)!.payload).toMatchObject({ before: { jobTitle: 'Account Executive' }, after: { jobTitle: 'Regional Sales Lead' } });
    expect(events.filter((e) => e.type === 'USER_DELETED')).toEqual([expect.objectContaining({ subject_id: U.guestDesigner.id, payload: expect.objectContaining({ reason: 'SOFT_DELETED' }) })]);
    // The guest's group (External Contractors) loses it, directly and effectively, once each.
    const removals = events.filter((e) => e.type === 'MEMBERSHIP_REMOVED' && e.subject_id === U.guestDesigner.id);
    expect(removals.map((e) => [e.payload.scope, e.payload.groupId]).sort()).toEqual([
      ['DIRECT', G.contractors],
      ['EFFECTIVE', G.contractors],
    ]);
    // Disabled: the Engineering tier goes, whatever the groups.
    expect(events.filter((e) => e.type === 'ACCESS_TIER_CHANGED')).toEqual([
      expect.objectContaining({ subject_id: U.platformEngineer.id, payload: expect.objectContaining({ old: expect.objectContaining({ name: 'Engineering' }), new: null, reason: 'ACCOUNT_DISABLED' }) }),
    ]);
    const [row] = await q(`SELECT deleted_at FROM snapshot_users WHERE tenant_id = $1 AND id = $2`, [tenantId, U.guestDesigner.id]);
    expect(row.deleted_at).toBeInstanceOf(Date);
  });
});

describe('group events', () => {
  it('GROUP_CREATED, GROUP_UPDATED (each field before/after) and GROUP_DELETED, from the rounds that saw them; filterable by type', async () => {
    const created = await bench.sim.control.createGroup(SIM_TENANT, { displayName: 'Audit Committee', mailNickname: 'audit', securityEnabled: true, mailEnabled: false, groupTypes: [] });
    ran(await engine().runRound(tenantId));
    let events = await newEvents();
    expect(events.map((e) => [e.type, e.subject_id])).toEqual([
      ['GROUP_CREATED', created.id],
      ['SYNC_COMPLETED', null],
    ]);
    expect(events[0].payload).toEqual({
      groupId: created.id,
      displayName: 'Audit Committee',
      restored: false,
      group: { displayName: 'Audit Committee', kind: 'SECURITY', dynamic: false, membershipRule: null, mail: null },
    });

    // Renamed, made dynamic and mail-enabled in one round: one GROUP_UPDATED naming each field.
    const rule = '(user.department -eq "Finance")';
    await bench.sim.control.updateGroup(SIM_TENANT, created.id, {
      displayName: 'Audit & Risk Committee', groupTypes: ['DynamicMembership'], membershipRule: rule, membershipRuleProcessingState: 'On', mailEnabled: true, mail: 'audit@verafield.com',
    });
    ran(await engine().runRound(tenantId));
    events = (await newEvents()).filter((e) => e.type.startsWith('GROUP_'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'GROUP_UPDATED',
      subject_id: created.id,
      payload: {
        groupId: created.id,
        displayName: 'Audit & Risk Committee',
        changedFields: ['displayName', 'kind', 'dynamic', 'membershipRule', 'mail'],
        before: { displayName: 'Audit Committee', kind: 'SECURITY', dynamic: false, membershipRule: null, mail: null },
        after: { displayName: 'Audit & Risk Committee', kind: 'MAIL_ENABLED_SECURITY', dynamic: true, membershipRule: rule, mail: 'audit@verafield.com' },
      },
    });

    // A security group (even mail-enabled) is deleted for good, not kept in deleted items: Graph's delta says deleted.
    await bench.sim.control.deleteGroup(SIM_TENANT, created.id);
    ran(await engine().runRound(tenantId));
    events = (await newEvents()).filter((e) => e.type.startsWith('GROUP_'));
    expect(events.map((e) => [e.type, e.subject_id, e.payload.reason, e.payload.displayName])).toEqual([['GROUP_DELETED', created.id, 'DELETED', 'Audit & Risk Committee']]);
    // Nothing twice: the next round has nothing to say about the group.
    ran(await engine().runRound(tenantId));
    expect((await newEvents()).filter((e) => e.type.startsWith('GROUP_'))).toEqual([]);

    // A subscriber's types filter selects them like any other type.
    const page = await bench.gw.services.events.page({ tenantId, types: ['GROUP_UPDATED' as never], after: null, first: 50 });
    expect(page.edges.map((e) => [e.node.type, e.node.subjectId])).toEqual([['GROUP_UPDATED', created.id]]);
  });
});

describe('resync', () => {
  it('a reset delta token leads to a full resync that emits only the real differences', async () => {
    await bench.sim.control.resetDelta(SIM_TENANT);
    const logs = createLogCapture();
    let result = ran(await engine({ logger: createLogger({ level: 'info', destination: logs.destination }), progressEveryPages: 1 }).runRound(tenantId));
    // A long round says how far it got, as JSON lines (every page here: at Graph's largest pages this tenant is a few).
    const progress = logs.entries().filter((e) => e.msg === 'sync progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatchObject({ tenantId, pages: 1, objects: expect.any(Number), elapsedMs: expect.any(Number) });
    // Both streams run at once, so either may meet its 410 first: each says so once.
    const resyncs = logs.entries().filter((e) => e.msg === 'delta token no longer valid: full resync diffed against the snapshot');
    expect(resyncs.map((e) => [e.resource, e.status]).sort()).toEqual([
      ['groups', 410],
      ['users', 410],
    ]);
    expect(result.mode).toBe('RESYNC');
    expect(result.events).toBe(0);
    // Nothing differed: a quiet round.
    expect((await newEvents()).map((e) => e.type)).toEqual([]);

    // A change made while the token is void is the only thing the resync reports.
    await bench.sim.control.resetDelta(SIM_TENANT);
    await bench.sim.control.removeMember(SIM_TENANT, G.onCall, U.onCallEngineer.id);
    result = ran(await engine().runRound(tenantId));
    expect(result.mode).toBe('RESYNC');
    const events = await newEvents();
    const groupsLeft = (scope: string) => events.filter((e) => e.type === 'MEMBERSHIP_REMOVED' && e.payload.scope === scope).map((e) => e.payload.groupId).sort();
    expect(groupsLeft('DIRECT')).toEqual([G.onCall]);
    // SRE On-Call, Site Reliability, Platform Team and Engineering: the user reached all four only through On-Call.
    expect(groupsLeft('EFFECTIVE')).toEqual([G.onCall, G.siteReliability, G.platformTeam, G.engineering].sort());
    expect(events.filter((e) => e.type === 'ACCESS_TIER_CHANGED').map((e) => e.subject_id)).toEqual([U.onCallEngineer.id]);
    expect(events.filter((e) => !['MEMBERSHIP_REMOVED', 'ACCESS_TIER_CHANGED', 'SYNC_COMPLETED'].includes(e.type))).toEqual([]);
  });

  it('an expired delta token (syncStateNotFound) resyncs the same way; the full round leaves the search words to the background', async () => {
    await bench.sim.control.advanceClock(8 * 24 * 60 * 60 * 1000);
    const wordRows = async (query: (sql: string, params?: unknown[]) => Promise<unknown[]>) =>
      ((await query(`SELECT count(*)::int AS n FROM snapshot_user_words WHERE tenant_id = $1`, [tenantId])) as Array<{ n: number }>)[0].n;
    const before = await wordRows((sql, params) => q(sql, params));
    expect(before).toBeGreaterThan(0);
    let inTransaction = { rows: -1, written: -1 };
    const full = engine({
      hooks: {
        beforeCommit: async ({ query }) => {
          // Rows this transaction wrote carry its id as xmin.
          const [w] = (await query(`SELECT count(*)::int AS n FROM snapshot_user_words WHERE tenant_id = $1 AND xmin::text::bigint = txid_current() % 4294967296`, [tenantId])) as Array<{ n: number }>;
          inTransaction = { rows: await wordRows(query), written: w.n };
        },
      },
    });
    const result = ran(await full.runRound(tenantId));
    expect(result).toMatchObject({ mode: 'RESYNC', events: 0 });
    // Untouched inside the round's transaction: a full round neither deletes nor writes words there.
    expect(inTransaction).toEqual({ rows: before, written: 0 });
    await full.idle();
    expect((await newEvents()).map((e) => e.type)).toEqual([]);
  });
});

describe('crash mid-round', () => {
  it('a round that dies after some pages, or inside its transaction, commits nothing; the re-run emits each event exactly once', async () => {
    await bench.sim.control.moveUser(SIM_TENANT, U.financeEmployee.id, G.dataTeam, G.finance);
    await bench.sim.control.updateUser(SIM_TENANT, U.salesRep.id, { jobTitle: 'Sales Director' });
    const [before] = await q(`SELECT users_delta_link, groups_delta_link FROM sync_state WHERE tenant_id = $1`, [tenantId]);

    const crashAfterPage = engine({
      hooks: {
        afterPage: ({ resource }) => {
          if (resource === 'groups') throw new Error('simulated crash after a page');
        },
      },
    });
    await expect(crashAfterPage.runRound(tenantId)).rejects.toThrow('simulated crash after a page');
    const crashBeforeCommit = engine({
      hooks: {
        beforeCommit: () => {
          throw new Error('simulated crash before commit');
        },
      },
    });
    await expect(crashBeforeCommit.runRound(tenantId)).rejects.toThrow('simulated crash before commit');

    expect(await newEvents()).toEqual([]);
    const [state] = await q(`SELECT users_delta_link, groups_delta_link, consecutive_failures, last_error, lease_owner FROM sync_state WHERE tenant_id = $1`, [tenantId]);
    expect(state).toMatchObject({ ...before, consecutive_failures: 2, lease_owner: null, last_error: expect.stringContaining('simulated crash before commit') });

    ran(await engine().runRound(tenantId));
    const events = await newEvents();
    const key = (e: EventRow) => `${e.type} ${e.payload.scope ?? ''} ${e.payload.groupId ?? ''} ${e.subject_id}`;
    expect(new Set(events.map(key)).size).toBe(events.length);
    expect(events.map(key).sort()).toEqual(
      [
        `MEMBERSHIP_REMOVED DIRECT ${G.dataTeam} ${U.financeEmployee.id}`,
        `MEMBERSHIP_ADDED DIRECT ${G.finance} ${U.financeEmployee.id}`,
        `MEMBERSHIP_REMOVED EFFECTIVE ${G.dataTeam} ${U.financeEmployee.id}`,
        `MEMBERSHIP_REMOVED EFFECTIVE ${G.engineering} ${U.financeEmployee.id}`,
        `MEMBERSHIP_ADDED EFFECTIVE ${G.finance} ${U.financeEmployee.id}`,
        `ACCESS_TIER_CHANGED   ${U.financeEmployee.id}`,
        `USER_UPDATED   ${U.salesRep.id}`,
        `SYNC_COMPLETED   null`,
      ].sort(),
    );
    const [after] = await q(`SELECT consecutive_failures, last_error FROM sync_state WHERE tenant_id = $1`, [tenantId]);
    expect(after).toEqual({ consecutive_failures: 0, last_error: null });
    // Nothing left to replay (a round with SYNC_COMPLETED after every round shows it ran).
    ran(await engine({ completedHeartbeatSeconds: 0 }).runRound(tenantId));
    expect((await newEvents()).map((e) => e.type)).toEqual(['SYNC_COMPLETED']);
  });
});

describe('lease', () => {
  it('a tenant that is not ACTIVE, or not there, runs no round and takes no lease; the tenant is read by the lease statement itself', async () => {
    const lease = async (id: string) => (await q(`SELECT lease_owner FROM sync_state WHERE tenant_id = $1`, [id]))[0];
    for (const status of ['RECONSENT_REQUIRED', 'DISCONNECTED', 'PENDING_CONSENT']) {
      await q(`UPDATE tenants SET status = $2 WHERE id = $1`, [tenantId, status]);
      try {
        expect({ status, result: await engine().runRound(tenantId) }).toEqual({ status, result: { ran: false, reason: 'TENANT_NOT_ACTIVE' } });
        expect((await lease(tenantId))?.lease_owner ?? null).toBeNull();
      } finally {
        await q(`UPDATE tenants SET status = 'ACTIVE' WHERE id = $1`, [tenantId]);
      }
    }
    const nobody = '00000000-0000-4000-8000-0000000000f0';
    expect(await engine().runRound(nobody)).toEqual({ ran: false, reason: 'TENANT_NOT_FOUND' });
    expect(await lease(nobody)).toBeUndefined();
    // ACTIVE again: it runs, and no statement of a round reads the tenants table on its own.
    // A round first, so the Graph token's cached tenant (dropped when the status changed above) is read again.
    ran(await engine().runRound(tenantId));
    const [{ name }] = await q(`SELECT current_setting('application_name') AS name`);
    const sqlSent = countStatements(name);
    try {
      ran(await engine().runRound(tenantId));
    } finally {
      sqlSent.stop();
    }
    const logged = sqlSent.texts;
    expect(logged.filter((t) => /\bFROM\s+"?tenants"?\b/i.test(t))).toEqual([expect.stringMatching(/^WITH t AS \(SELECT id, status, sync_interval_seconds FROM tenants WHERE id = \$1\)/)]);
  });

  it('two engines on one database: while one runs a round the other does not', async () => {
    let reached!: () => void;
    const atPage = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = engine({
      owner: 'engine-a',
      hooks: {
        afterPage: async () => {
          reached();
          await gate;
        },
      },
    });
    const second = engine({ owner: 'engine-b' });
    const running = first.runRound(tenantId);
    await atPage;
    expect(await second.runRound(tenantId)).toEqual({ ran: false, reason: 'LEASE_HELD' });
    const [held] = await q(`SELECT lease_owner FROM sync_state WHERE tenant_id = $1`, [tenantId]);
    expect(held.lease_owner).toBe('engine-a');
    release();
    expect((await running).ran).toBe(true);
    expect(ran(await second.runRound(tenantId)).mode).toBe('INCREMENTAL');
    await newEvents();
  });

  it('a lease left by a dead process holds until it expires; then another process takes over', async () => {
    await q(`UPDATE sync_state SET lease_owner = 'dead-process', lease_expires_at = now() + interval '1 hour' WHERE tenant_id = $1`, [tenantId]);
    const survivor = engine({ owner: 'survivor' });
    expect(await survivor.runRound(tenantId)).toEqual({ ran: false, reason: 'LEASE_HELD' });
    // The dead process never renews: its lease runs out.
    await q(`UPDATE sync_state SET lease_expires_at = now() - interval '1 second' WHERE tenant_id = $1`, [tenantId]);
    expect(ran(await survivor.runRound(tenantId)).mode).toBe('INCREMENTAL');
    const [state] = await q(`SELECT lease_owner FROM sync_state WHERE tenant_id = $1`, [tenantId]);
    expect(state.lease_owner).toBeNull();
    await newEvents();
  });

  it('a process that lost its lease mid-round (stalled past expiry, another took over) cannot commit', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atPage = new Promise<void>((resolve) => (reached = resolve));
    const stalled = engine({
      owner: 'stalled',
      hooks: {
        afterPage: async ({ resource }) => {
          if (resource !== 'groups') return;
          reached();
          await gate;
        },
      },
    });
    const running = stalled.runRound(tenantId);
    await atPage;
    await q(`UPDATE sync_state SET lease_expires_at = now() - interval '1 second' WHERE tenant_id = $1`, [tenantId]);
    // The successor writes SYNC_COMPLETED after every round: its one event proves the stalled round committed nothing.
    expect(ran(await engine({ owner: 'successor', completedHeartbeatSeconds: 0 }).runRound(tenantId)).mode).toBe('INCREMENTAL');
    release();
    await expect(running).rejects.toThrow(/no longer holds the lease/);
    expect((await newEvents()).map((e) => e.type)).toEqual(['SYNC_COMPLETED']);
  });
});

describe('scheduler', () => {
  it('runs a due ACTIVE tenant, then schedules the next round an interval (with jitter) later', async () => {
    await q(`UPDATE sync_state SET next_run_at = now() - interval '1 second' WHERE tenant_id = $1`, [tenantId]);
    const scheduler = new SyncScheduler({ engine: engine({ owner: 'scheduler', completedHeartbeatSeconds: 0 }), dataSource: bench.gw.database.dataSource, logger });
    await scheduler.tick();
    await scheduler.stop();
    expect((await newEvents()).map((e) => e.type)).toEqual(['SYNC_COMPLETED']);
    const [state] = await q(`SELECT extract(epoch FROM next_run_at - last_success_at)::float8 AS delay, (SELECT sync_interval_seconds FROM tenants WHERE id = $1) AS interval FROM sync_state WHERE tenant_id = $1`, [tenantId]);
    expect(state.delay).toBeGreaterThanOrEqual(state.interval * 0.9 - 1);
    expect(state.delay).toBeLessThanOrEqual(state.interval * 1.1 + 1);
    // Not due any more: a second look runs nothing.
    const again = new SyncScheduler({ engine: engine({ owner: 'scheduler', completedHeartbeatSeconds: 0 }), dataSource: bench.gw.database.dataSource, logger });
    await again.tick();
    await again.stop();
    expect(await newEvents()).toEqual([]);
  });
});

describe('GraphQL', () => {
  it('syncNow (tenants:admin) runs a round; Tenant.syncStatus says where sync stands', async () => {
    await bench.sim.control.updateUser(SIM_TENANT, U.salesRep.id, { jobTitle: 'VP Sales' });
    const data = await bench.admin.request<{ syncNow: any }>(
      `mutation($t: ID!) { syncNow(tenantId: $t) { ran skippedReason error mode events durationMs status { lastSuccessAt consecutiveFailures running counts { users groups memberships effectiveMemberships mode events } } } }`,
      { t: tenantId },
    );
    expect(data.syncNow).toMatchObject({ ran: true, skippedReason: null, error: null, mode: 'INCREMENTAL', events: 1 });
    expect(data.syncNow.status).toMatchObject({ consecutiveFailures: 0, running: false, counts: { users: VERAFIELD.counts.users, groups: VERAFIELD.counts.groups, mode: 'INCREMENTAL', events: 1 } });
    expect((await newEvents()).map((e) => e.type)).toEqual(['USER_UPDATED', 'SYNC_COMPLETED']);

    const status = await bench.read<{ syncStatus: any }>(`syncStatus { lastSuccessAt lastError lastDurationMs nextRunAt consecutiveFailures counts { users effectiveMemberships } }`);
    expect(status.syncStatus).toMatchObject({ lastError: null, consecutiveFailures: 0, counts: { users: VERAFIELD.counts.users } });
    expect(Date.parse(status.syncStatus.nextRunAt)).toBeGreaterThan(Date.parse(status.syncStatus.lastSuccessAt));

    // directory:read alone may not start a round.
    const reader = new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(await bench.gw.mintKey({ scopes: ['directory:read'] as never, tenantIds: [tenantId] })) });
    await expect(reader.request(`mutation($t: ID!) { syncNow(tenantId: $t) { ran } }`, { t: tenantId })).rejects.toThrow(/FORBIDDEN|tenants:admin/);
  });

  it('accessTier answers from the fresh snapshot, saying so and how fresh', async () => {
    const requestsBefore = (await bench.sim.control.counters()).requests;
    const { accessTier } = await bench.reader.request<{ accessTier: any }>(
      `query($t: ID!, $id: ID) { accessTier(tenantId: $t, userId: $id) { user { id userPrincipalName } tier { name } decidingGroups { id displayName } reason source evaluatedAt snapshotAgeSeconds } }`,
      { t: tenantId, id: U.onCallEngineer.id },
    );
    // Removed from On-Call during the resync test: no mapped group any more.
    expect(accessTier).toMatchObject({ user: { id: U.onCallEngineer.id }, tier: null, reason: 'NO_MAPPED_GROUP', source: 'SNAPSHOT', snapshotAgeSeconds: expect.any(Number) });
    const byUpn = await bench.reader.request<{ accessTier: any }>(
      `query($t: ID!, $upn: String) { accessTier(tenantId: $t, userPrincipalName: $upn) { tier { name } decidingGroups { id displayName } source } }`,
      { t: tenantId, upn: U.dataEngineer.userPrincipalName.toUpperCase() },
    );
    expect(byUpn.accessTier).toEqual({ tier: { name: 'Engineering' }, decidingGroups: [{ id: G.engineering, displayName: 'Engineering' }], source: 'SNAPSHOT' });
    expect((await bench.sim.control.counters()).requests).toBe(requestsBefore);
  });
});

// Last: stopping the service closes its engine for good.
describe('the service scheduler, turned on by a test', () => {
  it('syncs a due tenant by itself and stops cleanly', async () => {
    await bench.sim.control.updateUser(SIM_TENANT, U.salesRep.id, { jobTitle: 'Chief Revenue Officer' });
    await q(`UPDATE sync_state SET next_run_at = now() - interval '1 second' WHERE tenant_id = $1`, [tenantId]);
    bench.gw.services.sync.start();
    const seen: EventRow[] = [];
    for (let i = 0; i < 200 && !seen.some((e) => e.type === 'SYNC_COMPLETED'); i++) {
      seen.push(...(await newEvents()));
      if (!seen.some((e) => e.type === 'SYNC_COMPLETED')) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await bench.gw.services.sync.stop();
    expect(seen.map((e) => e.type)).toEqual(['USER_UPDATED', 'SYNC_COMPLETED']);
    expect(seen[0].payload).toMatchObject({ changedFields: ['jobTitle'], after: { jobTitle: 'Chief Revenue Officer' } });
  });
});
