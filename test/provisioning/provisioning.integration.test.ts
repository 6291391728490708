/**
 * Provisioning through the real gateway over HTTP (graphql-request) against the simulated Verafield tenant,
 * connected with PROVISIONING through the real consent flow: every mutation and typed error, idempotent
 * retries, replication lag, a bulk run with partial failure, the audit log, and passwords kept out of logs
 * and storage.
 */
import { graphqlError } from '../tenants/tenant-queries';
import { CREATE_RESULT, ERROR, MEMBER_RESULT, newUser, startProvisioningBench, VERAFIELD, type Created, type ProvisioningBench, type Result } from './provisioning-fixtures';

const G = VERAFIELD.groups;
const U = VERAFIELD.users;
const NO_SUCH_ID = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';

let bench: ProvisioningBench;
/** Every password the gateway returned or was given: none may appear in logs or the database. */
const passwords: string[] = [];

const endpointCount = async (key: string) => (await bench.sim.control.counters()).byEndpoint[key] ?? 0;

interface AuditNode {
  id: string;
  principal: string;
  operation: string;
  target: string;
  result: string;
  errorCode: string | null;
  graphRequestId: string | null;
  requestId: string | null;
  idempotencyKey: string | null;
  at: string;
}
async function auditPage(first: number, after?: string): Promise<{ edges: Array<{ cursor: string; node: AuditNode }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> {
  const data = await bench.writer.request<{ auditLog: Awaited<ReturnType<typeof auditPage>> }>(
    `query($t: ID!, $first: Int!, $after: String) { auditLog(tenantId: $t, first: $first, after: $after) {
       edges { cursor node { id principal operation target result errorCode graphRequestId requestId idempotencyKey at } } pageInfo { hasNextPage endCursor } } }`,
    { t: bench.tenantId, first, after },
  );
  return data.auditLog;
}
const latestAudit = async (n: number) => (await auditPage(n)).edges.map((e) => e.node);
/** Graph's request-id as the simulator (and Graph) issue it. */
const GRAPH_REQUEST_ID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

beforeAll(async () => {
  bench = await startProvisioningBench();
}, 60_000);

afterEach(async () => {
  await bench.sim.control.setFaults({ throttleNextRequests: 0, replicationLagMs: 0, serverErrorRate: 0, retryAfterSeconds: 1 });
});

afterAll(async () => {
  await bench?.stop();
});

describe('createUser', () => {
  it('creates a user with a generated password returned once, and audits it', async () => {
    const created = (await bench.createUser(newUser('ada.lovelace'))) as Created;
    expect(created).toMatchObject({
      __typename: 'CreatedUser',
      user: { userPrincipalName: 'ada.lovelace@verafield.com', displayName: 'ada lovelace', department: 'Finance', jobTitle: 'Analyst', accountEnabled: true },
      replayed: false,
      passwordNote: null,
    });
    const password = created.initialPassword!;
    passwords.push(password);
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect([/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password))).toHaveLength(4);
    expect(password.toLowerCase()).not.toContain('ada.lovelace');
    expect(password.toLowerCase()).not.toContain('lovelace');

    const [row] = await latestAudit(1);
    expect(row).toMatchObject({ principal: `api_key:${bench.writerKeyId}`, operation: 'CREATE_USER', target: `user:${created.user.id}`, result: 'SUCCESS', errorCode: null });
    expect(row.requestId).toEqual(expect.any(String));
    // Who, which tenant, what, result, and the Graph request id of the successful write.
    expect(row.graphRequestId).toEqual(GRAPH_REQUEST_ID);
    expect(row.graphRequestId).not.toBe(row.requestId);
  });

  it('a given password is used and not echoed', async () => {
    const given = 'Tr0ub4dor&3-horse';
    passwords.push(given);
    const created = (await bench.createUser(newUser('grace.hopper', { password: given, forceChangePasswordNextSignIn: false }))) as Created;
    expect(created).toMatchObject({ __typename: 'CreatedUser', initialPassword: null });
  });

  it('UpnConflict for a taken UPN, InvalidDomain for an unverified domain, InvalidInput for a weak password (before Graph)', async () => {
    expect(await bench.createUser(newUser('nora.finch'))).toMatchObject({ __typename: 'UpnConflict', errorCode: 'UPN_CONFLICT', userPrincipalName: 'nora.finch@verafield.com' });
    expect(await bench.createUser(newUser('x', { userPrincipalName: 'eve@contoso.com' }))).toMatchObject({
      __typename: 'InvalidDomain',
      errorCode: 'INVALID_DOMAIN',
      domain: 'contoso.com',
      userPrincipalName: 'eve@contoso.com',
    });
    await bench.sim.control.resetCounters();
    expect(await bench.createUser(newUser('weak.one', { password: 'password' }))).toMatchObject({ __typename: 'InvalidInput', errorCode: 'INVALID_INPUT', field: 'input.password' });
    expect(await bench.createUser(newUser('who', { userPrincipalName: 'not-an-upn' }))).toMatchObject({ __typename: 'InvalidInput', field: 'input.userPrincipalName' });
    expect(await endpointCount('POST /users')).toBe(0);
    expect((await latestAudit(4)).map((r) => [r.result, r.errorCode])).toEqual([
      ['FAILED', 'INVALID_INPUT'],
      ['FAILED', 'INVALID_INPUT'],
      ['FAILED', 'INVALID_DOMAIN'],
      ['FAILED', 'UPN_CONFLICT'],
    ]);
  });

  it('Throttled when a 429 storm outlasts the client retries; nothing written, and the same key then succeeds', async () => {
    await bench.sim.control.setFaults({ throttleNextRequests: 50, retryAfterSeconds: 0 });
    const throttled = await bench.createUser(newUser('storm.user'), 'storm-key');
    expect(throttled).toMatchObject({ __typename: 'Throttled', errorCode: 'THROTTLED', retryAfterSeconds: 0 });
    expect(throttled.message).toMatch(/nothing was written/);
    const [row] = await latestAudit(1);
    expect(row).toMatchObject({ operation: 'CREATE_USER', target: 'user:storm.user@verafield.com', result: 'FAILED', errorCode: 'THROTTLED', idempotencyKey: 'storm-key' });
    expect(row.graphRequestId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    await bench.sim.control.setFaults({ throttleNextRequests: 0 });
    // Throttling does not consume the key: the retry runs.
    const retried = (await bench.createUser(newUser('storm.user'), 'storm-key')) as Created;
    expect(retried).toMatchObject({ __typename: 'CreatedUser', replayed: false });
    passwords.push(retried.initialPassword!);
  });
});

describe('unexpected failures', () => {
  it('Graph failing with 503 beyond the retries is a coded GraphQL error (no stack), audited, and releases the key', async () => {
    await bench.sim.control.setFaults({ serverErrorRate: 1, retryAfterSeconds: 0 });
    const error = await graphqlError(bench.createUser(newUser('outage.user'), 'outage-key'));
    await bench.sim.control.setFaults({ serverErrorRate: 0 });
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', extensions: { tenantId: bench.tenantId, graphRequestId: expect.any(String) } });
    expect(error.message).toMatch(/POST \/users failed \(ServiceUnavailable, HTTP 503\)/);
    expect(error.extensions).not.toHaveProperty('stacktrace');
    expect((await latestAudit(1))[0]).toMatchObject({ target: 'user:outage.user@verafield.com', result: 'FAILED', errorCode: 'GRAPH_503_ServiceUnavailable' });
    const retried = (await bench.createUser(newUser('outage.user'), 'outage-key')) as Created;
    expect(retried).toMatchObject({ __typename: 'CreatedUser', replayed: false });
    passwords.push(retried.initialPassword!);
  });
});

describe('idempotency', () => {
  it('the same key twice creates one user; the replay has no password and says it was shown once', async () => {
    await bench.sim.control.resetCounters();
    const first = (await bench.createUser(newUser('alan.turing'), 'onboard-alan-1')) as Created;
    const second = (await bench.createUser(newUser('alan.turing'), 'onboard-alan-1')) as Created;
    passwords.push(first.initialPassword!);
    expect(first).toMatchObject({ __typename: 'CreatedUser', replayed: false });
    expect(second).toMatchObject({ __typename: 'CreatedUser', replayed: true, initialPassword: null, user: { id: first.user.id, userPrincipalName: 'alan.turing@verafield.com' } });
    expect(second.passwordNote).toMatch(/shown only once/);
    expect(await endpointCount('POST /users')).toBe(1);
    // Without the key, the retry meets the first create.
    expect(await bench.createUser(newUser('alan.turing'))).toMatchObject({ __typename: 'UpnConflict' });
  });

  it('two concurrent requests with one key create one user: the other waits for, or replays, the first', async () => {
    await bench.sim.control.resetCounters();
    const settled = await Promise.allSettled([bench.createUser(newUser('twin.request'), 'twin-key'), bench.createUser(newUser('twin.request'), 'twin-key')]);
    const created = settled.flatMap((s) => (s.status === 'fulfilled' && s.value.__typename === 'CreatedUser' ? [s.value as Created] : []));
    expect(created.filter((c) => !c.replayed)).toHaveLength(1);
    passwords.push(created.find((c) => !c.replayed)!.initialPassword!);
    for (const s of settled) {
      if (s.status === 'rejected') expect(await graphqlError(Promise.reject(s.reason))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/still running/) });
    }
    expect(await endpointCount('POST /users')).toBe(1);
    // Once the first has finished, the key replays it.
    expect(await bench.createUser(newUser('twin.request'), 'twin-key')).toMatchObject({ __typename: 'CreatedUser', replayed: true });
  });

  it('the same key with a different payload is IdempotencyKeyReused', async () => {
    expect(await bench.createUser(newUser('alan.turing', { department: 'Research' }), 'onboard-alan-1')).toMatchObject({
      __typename: 'IdempotencyKeyReused',
      errorCode: 'IDEMPOTENCY_KEY_REUSED',
      idempotencyKey: 'onboard-alan-1',
      operation: 'CREATE_USER',
    });
  });

  it('stores the first result without any password', async () => {
    const rows: Array<{ result: string }> = await bench.gw.database.dataSource.query(`SELECT result::text AS result FROM idempotency_keys WHERE result IS NOT NULL`);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) for (const password of passwords) expect(row.result).not.toContain(password);
  });
});

describe('updateUser', () => {
  it('changes properties and reads the user back', async () => {
    const result = await bench.updateUser(U.financeEmployee.id, { jobTitle: 'Senior Financial Analyst', department: 'Finance', accountEnabled: true });
    expect(result).toMatchObject({
      __typename: 'UpdatedUser',
      changed: ['department', 'jobTitle', 'accountEnabled'],
      user: { id: U.financeEmployee.id, jobTitle: 'Senior Financial Analyst' },
    });
    expect((await latestAudit(1))[0]).toMatchObject({ operation: 'UPDATE_USER', target: `user:${U.financeEmployee.id}`, result: 'SUCCESS', graphRequestId: GRAPH_REQUEST_ID });
  });

  it('NotFound for an unknown user, UpnConflict for a taken UPN, InvalidInput for nothing to change', async () => {
    expect(await bench.updateUser(NO_SUCH_ID, { jobTitle: 'Ghost' })).toMatchObject({ __typename: 'NotFound', errorCode: 'NOT_FOUND', objectId: NO_SUCH_ID, objectKind: 'USER' });
    expect(await bench.updateUser(U.salesRep.id, { userPrincipalName: U.financeEmployee.userPrincipalName })).toMatchObject({ __typename: 'UpnConflict' });
    expect(await bench.updateUser(U.salesRep.id, {})).toMatchObject({ __typename: 'InvalidInput', field: 'input' });
    expect(await graphqlError(bench.updateUser('not-a-guid', { jobTitle: 'x' }))).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('group membership', () => {
  it('adds and removes a member; repeating either is a no-op, audited as NO_OP', async () => {
    expect(await bench.addMember(G.engineering, U.financeEmployee.id)).toEqual({ __typename: 'MembershipChange', groupId: G.engineering, memberId: U.financeEmployee.id, change: 'ADDED', noOp: false });
    expect(await bench.addMember(G.engineering, U.financeEmployee.id)).toMatchObject({ __typename: 'MembershipChange', change: 'ADDED', noOp: true });
    expect(await bench.removeMember(G.engineering, U.financeEmployee.id)).toMatchObject({ change: 'REMOVED', noOp: false });
    expect(await bench.removeMember(G.engineering, U.financeEmployee.id)).toMatchObject({ change: 'REMOVED', noOp: true });
    const rows = await latestAudit(4);
    expect(rows.map((r) => [r.operation, r.result, r.target])).toEqual([
      ['REMOVE_GROUP_MEMBER', 'NO_OP', `group:${G.engineering}/member:${U.financeEmployee.id}`],
      ['REMOVE_GROUP_MEMBER', 'SUCCESS', `group:${G.engineering}/member:${U.financeEmployee.id}`],
      ['ADD_GROUP_MEMBER', 'NO_OP', `group:${G.engineering}/member:${U.financeEmployee.id}`],
      ['ADD_GROUP_MEMBER', 'SUCCESS', `group:${G.engineering}/member:${U.financeEmployee.id}`],
    ]);
    // Each row names the Graph request that decided it: the write's own for SUCCESS, the refusal's for NO_OP.
    for (const row of rows) expect(row.graphRequestId).toEqual(GRAPH_REQUEST_ID);
    expect(new Set(rows.map((r) => r.graphRequestId)).size).toBe(4);
  });

  it('GroupIsDynamic for a dynamic group, NotFound naming the missing group or member', async () => {
    expect(await bench.addMember(G.salesDynamic, U.financeEmployee.id)).toMatchObject({ __typename: 'GroupIsDynamic', errorCode: 'GROUP_IS_DYNAMIC', groupId: G.salesDynamic });
    expect(await bench.removeMember(G.salesDynamic, U.salesRep.id)).toMatchObject({ __typename: 'GroupIsDynamic' });
    expect(await bench.addMember(NO_SUCH_ID, U.financeEmployee.id)).toMatchObject({ __typename: 'NotFound', objectId: NO_SUCH_ID, objectKind: 'GROUP' });
    expect(await bench.addMember(G.finance, NO_SUCH_ID)).toMatchObject({ __typename: 'NotFound', objectId: NO_SUCH_ID, objectKind: 'OBJECT' });
    expect(await bench.removeMember(NO_SUCH_ID, U.financeEmployee.id)).toMatchObject({ __typename: 'NotFound', objectKind: 'GROUP' });
    // The simulator answers a removal from a non-member with 404, as real Graph does: the member is looked up.
    expect(await bench.removeMember(G.finance, NO_SUCH_ID)).toMatchObject({ __typename: 'NotFound', objectId: NO_SUCH_ID, objectKind: 'OBJECT' });
    expect((await latestAudit(6)).map((r) => r.errorCode)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'GROUP_IS_DYNAMIC', 'GROUP_IS_DYNAMIC']);
  });

  it('Throttled when adds are throttled beyond the retries', async () => {
    await bench.sim.control.setFaults({ throttleNextRequests: 50, retryAfterSeconds: 0 });
    expect(await bench.addMember(G.finance, U.salesRep.id)).toMatchObject({ __typename: 'Throttled', retryAfterSeconds: 0 });
  });

  it('waits out replication lag when adding a user created moments ago', async () => {
    await bench.sim.control.setFaults({ replicationLagMs: 1_200 });
    const created = (await bench.createUser(newUser('lagging.lena'))) as Created;
    passwords.push(created.initialPassword!);
    await bench.sim.control.resetCounters();
    expect(await bench.addMember(G.finance, created.user.id)).toMatchObject({ __typename: 'MembershipChange', noOp: false });
    expect(await endpointCount('POST /groups/{id}/members/$ref')).toBeGreaterThan(1);
    // And an update of a user created moments ago.
    const fresh = (await bench.createUser(newUser('lagging.leo'))) as Created;
    passwords.push(fresh.initialPassword!);
    expect(await bench.updateUser(fresh.user.id, { jobTitle: 'Intern' })).toMatchObject({ __typename: 'UpdatedUser', changed: ['jobTitle'] });
    // An object the gateway did not just create gets its NotFound at once.
    await bench.sim.control.resetCounters();
    expect(await bench.addMember(G.finance, NO_SUCH_ID)).toMatchObject({ __typename: 'NotFound' });
    expect(await endpointCount('POST /groups/{id}/members/$ref')).toBe(1);
  });
});

describe('provisionUsers (bulk)', () => {
  const BULK = 45;
  let result: { __typename: string; created: number; failed: number; membershipFailures: number; replayed: boolean; items: Array<{ index: number; userPrincipalName: string; result: Result; memberships: Result[] }> };
  const users = Array.from({ length: BULK }, (_, i) => {
    if (i === 3) return { ...newUser('nora.finch'), groupIds: [G.finance] }; // exists
    if (i === 7) return { ...newUser('dev.malik'), groupIds: [] }; // exists
    if (i === 11) return { ...newUser('bulk.eleven', { userPrincipalName: 'bulk.eleven@contoso.com' }), groupIds: [] };
    if (i === 13) return { ...newUser('bulk.thirteen', { password: 'short' }), groupIds: [] };
    if (i === 20) return { ...newUser('bulk.twenty'), groupIds: [G.finance, G.salesDynamic, NO_SUCH_ID] };
    return { ...newUser(`bulk.user${i}`), groupIds: i % 2 === 0 ? [G.finance, G.engineering] : [G.engineering] };
  });
  const run = (key: string, list = users) =>
    bench.writer
      .request<{ provisionUsers: typeof result }>(
        `mutation($t: ID!, $u: [ProvisionUserInput!]!, $k: String) { provisionUsers(tenantId: $t, users: $u, idempotencyKey: $k) { __typename ${ERROR}
          ... on ProvisionedUsers { created failed membershipFailures replayed items { index userPrincipalName result { ${CREATE_RESULT} } memberships { ${MEMBER_RESULT} } } } } }`,
        { t: bench.tenantId, u: list, k: key },
      )
      .then((d) => d.provisionUsers);

  it('creates through $batch, then adds to groups through $batch, reporting each item (with replication lag on)', async () => {
    await bench.sim.control.setFaults({ replicationLagMs: 600 });
    await bench.sim.control.resetCounters();
    result = await run('bulk-45');
    expect(result).toMatchObject({ __typename: 'ProvisionedUsers', created: BULK - 4, failed: 4, replayed: false });
    expect(result.items).toHaveLength(BULK);
    expect(result.items.map((item) => item.index)).toEqual(users.map((_, i) => i));
    expect(result.items[3].result).toMatchObject({ __typename: 'UpnConflict' });
    expect(result.items[3].memberships).toEqual([]);
    expect(result.items[7].result).toMatchObject({ __typename: 'UpnConflict' });
    expect(result.items[11].result).toMatchObject({ __typename: 'InvalidDomain' });
    expect(result.items[13].result).toMatchObject({ __typename: 'InvalidInput', field: 'users[13].password' });
    expect(result.items[20].memberships.map((m) => m.__typename)).toEqual(['MembershipChange', 'GroupIsDynamic', 'NotFound']);
    expect(result.membershipFailures).toBe(2);
    const ok = result.items[0];
    expect(ok.result).toMatchObject({ __typename: 'CreatedUser', user: { userPrincipalName: 'bulk.user0@verafield.com' } });
    expect(ok.memberships).toEqual([
      expect.objectContaining({ __typename: 'MembershipChange', groupId: G.finance, change: 'ADDED', noOp: false }),
      expect.objectContaining({ __typename: 'MembershipChange', groupId: G.engineering, noOp: false }),
    ]);
    for (const item of result.items) if (item.result.__typename === 'CreatedUser') passwords.push((item.result as Created).initialPassword!);

    const counters = await bench.sim.control.counters();
    // 44 creates sent (the weak password refused before Graph) as $batch sub-requests, 20 to a call.
    expect(counters.byEndpoint['POST /users']).toBe(BULK - 1);
    expect(counters.byEndpoint['POST /$batch']).toBeGreaterThanOrEqual(5);
    expect(counters.requests - counters.subRequests).toBeLessThan(20);
  });

  it('writes one audit row per create and per group add', async () => {
    const adds = result.items.reduce((n, item) => n + item.memberships.length, 0);
    const rows = (await auditPage(BULK + adds + 1)).edges.map((e) => e.node);
    const bulkRows = rows.filter((r) => r.idempotencyKey === 'bulk-45');
    expect(bulkRows).toHaveLength(BULK + adds);
    expect(bulkRows.filter((r) => r.operation === 'CREATE_USER').map((r) => r.result).sort()).toEqual([...Array(BULK - 4).fill('SUCCESS'), ...Array(4).fill('FAILED')].sort());
    expect(bulkRows.filter((r) => r.operation === 'ADD_GROUP_MEMBER' && r.result === 'FAILED').map((r) => r.errorCode).sort()).toEqual(['GROUP_IS_DYNAMIC', 'NOT_FOUND']);
    // Successful $batch items carry their own sub-response's Graph request id, one per item.
    const successes = bulkRows.filter((r) => r.result === 'SUCCESS');
    expect(successes.filter((r) => r.operation === 'CREATE_USER')).toHaveLength(BULK - 4);
    expect(successes.filter((r) => r.operation === 'ADD_GROUP_MEMBER').length).toBeGreaterThan(0);
    for (const row of successes) expect(row.graphRequestId).toEqual(GRAPH_REQUEST_ID);
    expect(new Set(successes.map((r) => r.graphRequestId)).size).toBe(successes.length);
  });

  it('a retry with the same key replays the run without passwords; a different list with it is refused', async () => {
    await bench.sim.control.resetCounters();
    const replay = await run('bulk-45');
    expect(replay).toMatchObject({ __typename: 'ProvisionedUsers', created: BULK - 4, replayed: true });
    expect(replay.items[0].result).toMatchObject({ __typename: 'CreatedUser', replayed: true, initialPassword: null, user: { id: (result.items[0].result as Created).user.id } });
    expect(replay.items[20].memberships.map((m) => m.__typename)).toEqual(['MembershipChange', 'GroupIsDynamic', 'NotFound']);
    expect((await bench.sim.control.counters()).requests).toBe(0);
    expect(await run('bulk-45', users.slice(1))).toMatchObject({ __typename: 'IdempotencyKeyReused' });
  });

  it('refuses an empty or oversized list and malformed group ids before Graph', async () => {
    expect(await graphqlError(run('empty', []))).toMatchObject({ code: 'BAD_USER_INPUT', message: 'users: expected 1 to 1000 users, got 0' });
    expect(await graphqlError(run('bad-group', [{ ...newUser('x.y'), groupIds: ['Finance'] }]))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^users\[0\]\.groupIds\[0\]/) });
  });
});

describe('the audit log', () => {
  it('pages newest first with cursors', async () => {
    const first = await auditPage(3);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await auditPage(3, first.pageInfo.endCursor!);
    const ids = [...first.edges, ...second.edges].map((e) => Number(e.node.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(6);
    expect(await graphqlError(auditPage(3, 'bogus'))).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('is closed to readers without directory:write or tenants:admin', async () => {
    const key = await bench.gw.mintKey({ scopes: ['directory:read'] as never, tenantIds: [bench.tenantId] });
    const { GraphQLClient } = await import('graphql-request');
    const reader = new GraphQLClient(bench.gw.graphqlUrl, { headers: { authorization: `Bearer ${key}` } });
    expect(await graphqlError(reader.request(`query($t: ID!) { auditLog(tenantId: $t) { edges { cursor } } }`, { t: bench.tenantId }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await graphqlError(bench.createUser(newUser('sneaky'), undefined, reader))).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('feature switched off', () => {
  it('FeatureDisabled naming PROVISIONING while the tenant does not have it', async () => {
    const update = (features: string[]) => bench.admin.request(`mutation($id: ID!, $f: [Feature!]) { updateTenant(id: $id, input: { features: $f }) { id } }`, { id: bench.tenantId, f: features });
    await update(['READ_DIRECTORY']);
    try {
      expect(await bench.createUser(newUser('off.user'))).toMatchObject({ __typename: 'FeatureDisabled', errorCode: 'FEATURE_DISABLED', feature: 'PROVISIONING' });
      expect(await bench.addMember(G.finance, U.salesRep.id)).toMatchObject({ __typename: 'FeatureDisabled' });
    } finally {
      await update(['READ_DIRECTORY', 'PROVISIONING']);
    }
  });
});

describe('secrets', () => {
  it('logs each write (operation, target, result) and never a password', () => {
    expect(bench.gw.logs.entries().filter((e) => e.msg === 'provisioning write').length).toBeGreaterThan(20);
    expect(bench.gw.logs.entries().find((e) => e.msg === 'provisioning bulk run')).toMatchObject({ items: expect.any(Number), tally: expect.any(Object) });
    expect(passwords.length).toBeGreaterThan(40);
    const logs = bench.gw.logs.text();
    expect(logs.length).toBeGreaterThan(0);
    for (const password of passwords) expect(logs).not.toContain(password);
  });
});
