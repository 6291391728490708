/**
 * Drift end to end: the Verafield tenant connected through the real consent flow to a real gateway over a real
 * simulator, with groups mapped to a tier. Each rule is made to open by changing the tenant through the
 * simulator's control API (or the tenant record, or the sync failure count), then to resolve by undoing it;
 * findings are read through the GraphQL API and each opening and resolution must be exactly one event in
 * directory_events.
 */
import { GraphQLClient } from 'graphql-request';
import { bearer } from '../support/gateway';
import { countStatements } from '../auth/support/sql-count';
import { startDirectoryBench, VERAFIELD, type DirectoryBench } from '../directory/directory-fixtures';
import { browse, outcome } from '../tenants/consent-fixtures';
import { connectTenant, graphqlError, reconsentUrl, verifyConnection } from '../tenants/tenant-queries';

const FINDING = 'id tenantId rule subjectId severity summary details openedAt resolvedAt lastSeenAt';
const G = VERAFIELD.groups;
const PRODUCT = VERAFIELD.apps.product;
const CREDENTIAL = PRODUCT.credentialKeyIds;
const DAY = 24 * 60 * 60 * 1000;

interface Finding {
  id: string;
  rule: string;
  subjectId: string;
  severity: string;
  summary: string;
  details: Record<string, unknown>;
  resolvedAt: string | null;
}
interface Evaluation {
  evaluated: string[];
  skipped: Array<{ rules: string[]; reason: string }>;
  opened: Finding[];
  resolved: Finding[];
  open: Finding[];
}

let bench: DirectoryBench;
let tenantId: string;

const key = (f: { rule: string; subjectId: string }) => `${f.rule}:${f.subjectId}`;
const keys = (findings: Finding[]) => findings.map(key).sort();

const evaluate = (client: GraphQLClient = bench.admin) =>
  client
    .request<{ evaluateDrift: Evaluation }>(
      `mutation($t: ID!) { evaluateDrift(tenantId: $t) { evaluated skipped { rules reason } opened { ${FINDING} } resolved { ${FINDING} } open { ${FINDING} } } }`,
      { t: tenantId },
    )
    .then((d) => d.evaluateDrift);

const findings = (open?: boolean, client: GraphQLClient = bench.reader) =>
  client
    .request<{ driftFindings: Finding[] }>(`query($t: ID!, $open: Boolean) { driftFindings(tenantId: $t, open: $open) { ${FINDING} } }`, { t: tenantId, open })
    .then((d) => d.driftFindings);

/** DRIFT_DETECTED / DRIFT_RESOLVED events of one finding, read from the event log table. */
async function eventsOf(rule: string, subjectId: string): Promise<string[]> {
  const rows: Array<{ type: string }> = await bench.gw.database.dataSource.query(
    `SELECT type FROM directory_events WHERE tenant_id = $1 AND type IN ('DRIFT_DETECTED', 'DRIFT_RESOLVED') AND payload->>'rule' = $2 AND subject_id = $3 ORDER BY sequence`,
    [tenantId, rule, subjectId],
  );
  return rows.map((row) => row.type);
}

async function driftEventCount(): Promise<number> {
  const [row] = await bench.gw.database.dataSource.query(`SELECT count(*)::int AS n FROM directory_events WHERE tenant_id = $1 AND type LIKE 'DRIFT_%'`, [tenantId]);
  return row.n;
}

/** Opens by `change`, checks, resolves by `undo`, checks; each exactly once, with one event each. */
async function opensAndResolves(rule: string, subjectId: string, change: () => Promise<unknown>, undo: () => Promise<unknown>, run: () => Promise<Evaluation> = () => evaluate()) {
  await change();
  const opened = await run();
  expect(keys(opened.opened)).toEqual([`${rule}:${subjectId}`]);
  expect(opened.resolved).toEqual([]);
  expect(keys(await findings(true))).toContain(`${rule}:${subjectId}`);

  // Idempotent: the same state again opens, resolves and writes nothing.
  const events = await driftEventCount();
  const again = await run();
  expect(again.opened).toEqual([]);
  expect(again.resolved).toEqual([]);
  expect(await driftEventCount()).toBe(events);

  await undo();
  const resolved = await run();
  expect(keys(resolved.resolved)).toEqual([`${rule}:${subjectId}`]);
  expect(resolved.opened).toEqual([]);
  const closed = (await findings(false)).filter((f) => key(f) === `${rule}:${subjectId}`);
  expect(closed).toHaveLength(1);
  expect(closed[0]!.resolvedAt).not.toBeNull();
  expect(await eventsOf(rule, subjectId)).toEqual(['DRIFT_DETECTED', 'DRIFT_RESOLVED']);
  return opened.opened[0]!;
}

beforeAll(async () => {
  bench = await startDirectoryBench({ authMode: 'APPLICATION', features: ['READ_DIRECTORY', 'READ_POLICIES', 'READ_APPS'] });
  tenantId = bench.tenantId;
  const { defineAccessTier: tier } = await bench.admin.request<{ defineAccessTier: { id: string } }>(
    `mutation { defineAccessTier(input: { name: "Standard", rank: 10 }) { id } }`,
  );
  for (const groupId of [G.finance, G.engineering, G.productAdmins]) {
    await bench.admin.request(`mutation($t: ID!, $g: ID!, $tier: ID!) { setTierMapping(tenantId: $t, groupId: $g, tierId: $tier) { groupId } }`, { t: tenantId, g: groupId, tier: tier.id });
  }
});

afterAll(async () => {
  await bench?.stop();
});

describe('drift', () => {
  it('starts from the tenant as connected: only the credentials Verafield already has expiring or expired', async () => {
    const first = await evaluate();
    // No sync has run for the tenant: evaluateDrift finds no failure count to judge.
    expect(first.skipped).toEqual([{ rules: ['SYNC_FAILING'], reason: expect.stringMatching(/no sync state/) }]);
    expect([...first.evaluated].sort()).toEqual(
      ['CHANGE_NOTIFICATIONS_FAILING', 'CONSENT_LOST', 'CREDENTIAL_EXPIRING', 'MAPPED_GROUP_DELETED', 'MAPPED_GROUP_DYNAMIC', 'MAPPED_GROUP_RENAMED', 'MFA_NOT_ENFORCED', 'SCOPES_MISSING'],
    );
    expect(keys(first.opened)).toEqual([`CREDENTIAL_EXPIRING:${CREDENTIAL['product-secret-expired']}`, `CREDENTIAL_EXPIRING:${CREDENTIAL['product-secret-expiring']}`].sort());
    const expired = first.opened.find((f) => f.subjectId === CREDENTIAL['product-secret-expired'])!;
    // The certificate is still valid, so the old secret is a warning, not an outage.
    expect(expired).toMatchObject({ severity: 'WARNING', details: { status: 'EXPIRED', holder: { kind: 'APPLICATION', id: PRODUCT.applicationId } } });
    expect(keys(await findings(true))).toEqual(keys(first.opened));
    expect(await findings(false)).toEqual([]);
  });

  it('a mapped group renamed opens MAPPED_GROUP_RENAMED; its old name back resolves it', async () => {
    const finding = await opensAndResolves(
      'MAPPED_GROUP_RENAMED',
      G.engineering,
      () => bench.sim.control.updateGroup(VERAFIELD.tenantId, G.engineering, { displayName: 'Engineering (legacy)' }),
      () => bench.sim.control.updateGroup(VERAFIELD.tenantId, G.engineering, { displayName: 'Engineering' }),
    );
    expect(finding.details).toMatchObject({ recordedDisplayName: 'Engineering', currentDisplayName: 'Engineering (legacy)' });
  });

  it('a mapped group made dynamic opens MAPPED_GROUP_DYNAMIC; static again resolves it', async () => {
    await opensAndResolves(
      'MAPPED_GROUP_DYNAMIC',
      G.productAdmins,
      () => bench.sim.control.updateGroup(VERAFIELD.tenantId, G.productAdmins, { groupTypes: ['DynamicMembership'], membershipRule: '(user.department -eq "IT")' }),
      () => bench.sim.control.updateGroup(VERAFIELD.tenantId, G.productAdmins, { groupTypes: [], membershipRule: null, membershipRuleProcessingState: null }),
    );
  });

  it('a mapped group deleted opens MAPPED_GROUP_DELETED (CRITICAL); removing its mapping resolves it', async () => {
    const finding = await opensAndResolves(
      'MAPPED_GROUP_DELETED',
      G.finance,
      () => bench.sim.control.deleteGroup(VERAFIELD.tenantId, G.finance),
      () => bench.admin.request(`mutation($t: ID!, $g: ID!) { removeTierMapping(tenantId: $t, groupId: $g) { groupId } }`, { t: tenantId, g: G.finance }),
    );
    expect(finding).toMatchObject({ severity: 'CRITICAL', details: { recordedDisplayName: 'Finance' } });
  });

  it("the product's app removed from its MFA policy opens MFA_NOT_ENFORCED; put back, it resolves", async () => {
    const finding = await opensAndResolves(
      'MFA_NOT_ENFORCED',
      'enforcement',
      () => bench.sim.control.updatePolicy(VERAFIELD.tenantId, VERAFIELD.policies.productMfa, { conditions: { applications: { includeApplications: [VERAFIELD.apps.hrPortal.appId] } } } as never),
      () => bench.sim.control.updatePolicy(VERAFIELD.tenantId, VERAFIELD.policies.productMfa, { conditions: { applications: { includeApplications: [PRODUCT.appId] } } } as never),
    );
    // The administrators' policy still requires MFA of role holders: fewer people, not no one.
    expect(finding).toMatchObject({ severity: 'WARNING', details: { enforced: 'SOME_USERS', baseline: { allUsers: true } } });
  });

  it('a new exclusion from the MFA policy opens MFA_NOT_ENFORCED for that exclusion; removed, it resolves', async () => {
    await opensAndResolves(
      'MFA_NOT_ENFORCED',
      `exclusion:group:${G.travelExemptions}`,
      () => bench.sim.control.updatePolicy(VERAFIELD.tenantId, VERAFIELD.policies.productMfa, { conditions: { users: { excludeGroups: [G.breakGlass, G.travelExemptions] } } } as never),
      () => bench.sim.control.updatePolicy(VERAFIELD.tenantId, VERAFIELD.policies.productMfa, { conditions: { users: { excludeGroups: [G.breakGlass] } } } as never),
    );
  });

  it("the product's certificate expiring opens CREDENTIAL_EXPIRING; renewed, it resolves; so does the secret renewed", async () => {
    const certificate = CREDENTIAL['product-certificate'];
    const finding = await opensAndResolves(
      'CREDENTIAL_EXPIRING',
      certificate,
      () => bench.sim.control.setCredentialExpiry(VERAFIELD.tenantId, PRODUCT.applicationId, certificate, new Date(Date.now() + 5 * DAY)),
      () => bench.sim.control.setCredentialExpiry(VERAFIELD.tenantId, PRODUCT.applicationId, certificate, new Date(Date.now() + 180 * DAY)),
    );
    expect(finding).toMatchObject({ severity: 'WARNING', details: { type: 'CERTIFICATE', status: 'EXPIRING_SOON' } });

    const secret = CREDENTIAL['product-secret-expiring'];
    await bench.sim.control.setCredentialExpiry(VERAFIELD.tenantId, PRODUCT.applicationId, secret, new Date(Date.now() + 365 * DAY));
    expect(keys((await evaluate()).resolved)).toEqual([`CREDENTIAL_EXPIRING:${secret}`]);
    expect(await eventsOf('CREDENTIAL_EXPIRING', secret)).toEqual(['DRIFT_DETECTED', 'DRIFT_RESOLVED']);
  });

  it('the credential expired and no valid one left is CRITICAL', async () => {
    const all = [CREDENTIAL['product-secret-expiring'], CREDENTIAL['product-certificate']];
    for (const keyId of all) await bench.sim.control.setCredentialExpiry(VERAFIELD.tenantId, PRODUCT.applicationId, keyId, new Date(Date.now() - DAY));
    const evaluation = await evaluate();
    expect(keys(evaluation.opened)).toEqual(all.map((k) => `CREDENTIAL_EXPIRING:${k}`).sort());
    expect(evaluation.open.filter((f) => f.rule === 'CREDENTIAL_EXPIRING').map((f) => f.severity)).toEqual(['CRITICAL', 'CRITICAL', 'CRITICAL']);
    await bench.sim.control.setCredentialExpiry(VERAFIELD.tenantId, PRODUCT.applicationId, CREDENTIAL['product-secret-expiring'], new Date(Date.now() + 365 * DAY));
    await bench.sim.control.setCredentialExpiry(VERAFIELD.tenantId, PRODUCT.applicationId, CREDENTIAL['product-certificate'], new Date(Date.now() + 180 * DAY));
    expect(keys((await evaluate()).resolved)).toEqual(all.map((k) => `CREDENTIAL_EXPIRING:${k}`).sort());
  });

  it('a permission the features need and the tenant no longer holds opens SCOPES_MISSING; granted again, it resolves', async () => {
    // What the gateway records from a token whose roles lack Application.Read.All (the simulator's app holds
    // every permission, so the record is changed here instead of the app's grant).
    const setGranted = (sql: string) => bench.gw.database.dataSource.query(`UPDATE tenants SET granted_scopes = ${sql} WHERE id = $1`, [tenantId]);
    const finding = await opensAndResolves(
      'SCOPES_MISSING',
      'Application.Read.All',
      () => setGranted(`array_remove(granted_scopes, 'Application.Read.All')`),
      () => setGranted(`array_append(granted_scopes, 'Application.Read.All')`),
    );
    expect(finding).toMatchObject({ severity: 'WARNING', details: { permission: 'Application.Read.All' } });
  });

  it('sync failing as often as the threshold opens SYNC_FAILING (the sync engine path); a success resolves it; policies keep their cadence', async () => {
    const drift = bench.gw.services.drift;
    const threshold = drift.settings.syncFailureThreshold;
    const run = (syncFailures: number) => async (): Promise<Evaluation> => {
      const result = await drift.evaluate(tenantId, { syncFailures });
      const plain = (f: { rule: string; subjectId: string; resolvedAt: Date | null }) => ({ ...f, resolvedAt: f.resolvedAt?.toISOString() ?? null }) as unknown as Finding;
      // Policies and apps were read moments ago by evaluateDrift: not due again on a sync round.
      expect(result.skipped.find((s) => s.rules.includes('MFA_NOT_ENFORCED' as never))?.reason).toMatch(/not due/);
      return { evaluated: result.evaluated, skipped: result.skipped, opened: result.opened.map(plain), resolved: result.resolved.map(plain), open: result.open.map(plain) };
    };
    let failures = threshold - 1;
    expect((await run(failures)()).opened).toEqual([]);
    await opensAndResolves(
      'SYNC_FAILING',
      'sync',
      async () => (failures = threshold),
      async () => (failures = 0),
      () => run(failures)(),
    );
  });

  it('every sync round evaluates drift, reading mapped groups from the snapshot it just wrote', async () => {
    const { sync } = bench.gw.services;
    const renamed = `MAPPED_GROUP_RENAMED:${G.engineering}`;
    const openKeys = async () => keys(await findings(true));
    const earlier = (await eventsOf('MAPPED_GROUP_RENAMED', G.engineering)).length;
    await bench.sim.control.updateGroup(VERAFIELD.tenantId, G.engineering, { displayName: 'Engineering (snapshot)' });
    await sync.syncNow(tenantId);
    expect(await openKeys()).toContain(renamed);
    expect((await findings(true)).find((f) => key(f) === renamed)?.details).toMatchObject({ currentDisplayName: 'Engineering (snapshot)' });
    // Renamed back in Entra but not yet synced: the snapshot still has the new name, so the finding stays.
    await bench.sim.control.updateGroup(VERAFIELD.tenantId, G.engineering, { displayName: 'Engineering' });
    await bench.gw.services.drift.evaluate(tenantId, { groupsSnapshot: true, syncFailures: 0 });
    expect(await openKeys()).toContain(renamed);
    await sync.syncNow(tenantId);
    expect(await openKeys()).not.toContain(renamed);
    expect((await eventsOf('MAPPED_GROUP_RENAMED', G.engineering)).slice(earlier)).toEqual(['DRIFT_DETECTED', 'DRIFT_RESOLVED']);
  });

  it('after a round that changed nothing the rules run only when something they read moved: not at all, then for a subscription failing and recovering', async () => {
    const { sync } = bench.gw.services;
    const db = bench.gw.database.dataSource;
    const failing = 'CHANGE_NOTIFICATIONS_FAILING:notifications:users';
    // Rounds until one has run the rules (a quiet round skips them, so this one must see the new state).
    const untilFindings = async (want: (open: string[]) => boolean): Promise<string[]> => {
      for (let round = 0; round < 20; round++) {
        await sync.syncNow(tenantId);
        const open = keys(await findings(true));
        if (want(open)) return open;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('expected a quiet round to run the drift rules after their input changed; none did in 20 rounds');
    };
    await sync.syncNow(tenantId);

    // Nothing changed in Entra, the tenant, its mappings or its subscriptions: the round reads no drift table.
    const sql = countStatements('entra-gateway-test');
    try {
      const round = await sync.syncNow(tenantId);
      expect(round).toMatchObject({ ran: true, mode: 'INCREMENTAL', objects: 0 });
    } finally {
      sql.stop();
    }
    expect(sql.texts.filter((text) => /drift_(state|findings)|graph_subscriptions|pg_advisory_xact_lock/.test(text))).toEqual([]);

    // A subscription's failures change outside any round: its trigger announces it, and the next quiet round
    // runs the rules (before the trigger existed, only a changed round or the hourly policy cadence would have).
    await db.query(`INSERT INTO graph_subscriptions (tenant_id, resource, consecutive_failures, last_error) VALUES ($1, 'users', 3, 'test: notification URL unreachable')`, [tenantId]);
    try {
      expect(await untilFindings((open) => open.includes(failing))).toContain(failing);
    } finally {
      await db.query(`DELETE FROM graph_subscriptions WHERE tenant_id = $1`, [tenantId]);
    }
    expect(await untilFindings((open) => !open.includes(failing))).not.toContain(failing);
    expect(await eventsOf('CHANGE_NOTIFICATIONS_FAILING', 'notifications:users')).toEqual(['DRIFT_DETECTED', 'DRIFT_RESOLVED']);
  });

  it('consent revoked opens CONSENT_LOST (other findings stay); consent given again resolves it', async () => {
    const before = keys(await findings(true));
    await opensAndResolves(
      'CONSENT_LOST',
      'consent',
      async () => {
        await bench.sim.control.revokeConsent(VERAFIELD.tenantId, bench.sim.apps[0]!.clientId);
        // Access tokens already issued keep working until they expire (as with Microsoft): the next token
        // request is what finds consent gone. verifyTenantConnection asks for one now.
        expect(await verifyConnection(bench.admin, tenantId)).toMatchObject({ tokenAcquired: false, tenant: { status: 'RECONSENT_REQUIRED' } });
      },
      async () => {
        const again = await browse(bench, await reconsentUrl(bench.admin, tenantId, bench.product.url()));
        expect(outcome(again)).toMatchObject({ tenantId, status: 'ACTIVE' });
      },
    );
    expect(keys(await findings(true))).toEqual(before);
  });

  it('guards its fields: directory:read lists, tenants:admin evaluates, other tenants are refused', async () => {
    expect(await graphqlError(evaluate(bench.reader))).toMatchObject({ code: 'FORBIDDEN' });
    const other = await connectTenant(bench.admin, { authMode: 'APPLICATION', returnUrl: bench.product.url() });
    const elsewhere = await bench.gw.mintKey({ scopes: ['directory:read', 'tenants:admin'] as never, tenantIds: [other.tenant.id] });
    const stranger = new GraphQLClient(bench.gw.graphqlUrl, { headers: bearer(elsewhere) });
    expect(await graphqlError(findings(true, stranger))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await graphqlError(evaluate(stranger))).toMatchObject({ code: 'FORBIDDEN' });
    // A malformed id is BAD_USER_INPUT on every field (README, "Errors"), before the tenant check.
    expect(await graphqlError(bench.reader.request(`query { driftFindings(tenantId: "not-a-guid") { id } }`))).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
