/**
 * The typed client's operations against a real gateway, the real simulator and PostgreSQL (Verafield connected
 * with PROVISIONING through the real consent flow): each common job once, and the errors as typed results.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { startProvisioningBench, VERAFIELD, type ProvisioningBench } from '../../../test/provisioning/provisioning-fixtures';
import { allItems, createGatewayClient, GatewayRequestError, unwrap, type GatewayClient, type GroupMember, type Result } from '../src';

const G = VERAFIELD.groups;
const U = VERAFIELD.users;

let bench: ProvisioningBench;
let tenantId: string;
let admin: GatewayClient;
let writer: GatewayClient;

beforeAll(async () => {
  bench = await startProvisioningBench();
  tenantId = bench.tenantId;
  admin = createGatewayClient({ url: bench.gw.graphqlUrl, credential: bench.adminKey });
  const writerKey = await bench.gw.mintKey({ scopes: ['directory:write'] as never, tenantIds: [tenantId] });
  // A credential function, as for a JWT that is renewed: asked before each request.
  writer = createGatewayClient({ url: bench.gw.graphqlUrl, credential: async () => writerKey });
}, 120_000);

afterAll(async () => {
  await bench?.stop();
});

function failed<T>(result: Result<T>) {
  if (result.ok) throw new Error(`expected a failed result, got ${JSON.stringify(result.data).slice(0, 300)}`);
  return result;
}

it('connects a tenant: a consent URL on the identity platform, the tenant PENDING_CONSENT; tenants and tenant read it back', async () => {
  const connected = unwrap(await admin.connectTenant({ displayName: 'Contoso', cloud: 'CUSTOM', authMode: 'APPLICATION', features: ['READ_DIRECTORY'], returnUrl: bench.product.url() }));
  expect(connected.consentUrl.startsWith(bench.sim.baseUrl)).toBe(true);
  expect(connected.tenant).toMatchObject({ displayName: 'Contoso', status: 'PENDING_CONSENT' });
  const page = unwrap(await admin.tenants({ first: 10 }));
  expect(page.items.map((t) => t.id)).toEqual(expect.arrayContaining([tenantId, connected.tenant.id]));
  expect(unwrap(await admin.tenant(tenantId))).toMatchObject({ status: 'ACTIVE', features: expect.arrayContaining(['PROVISIONING']) });
});

it('lists users, groups and members a page at a time', async () => {
  const first = unwrap(await admin.users(tenantId, { first: 25 }));
  expect(first.items).toHaveLength(25);
  expect(first.hasNextPage).toBe(true);
  const second = unwrap(await admin.users(tenantId, { first: 25, after: first.endCursor }));
  expect(second.items).toHaveLength(25);
  const ids = new Set(first.items.map((u) => u.id));
  expect(second.items.some((u) => ids.has(u.id))).toBe(false);

  const groups = unwrap(await admin.groups(tenantId, { filter: { nameStartsWith: 'Fin' }, first: 10 }));
  expect(groups.items.map((g) => g.id)).toContain(G.finance);

  // Transitive: the data engineer reaches Engineering only through Data Team.
  const members = async (transitive: boolean) => {
    const all: GroupMember[] = [];
    for await (const member of allItems((after) => admin.groupMembers(tenantId, G.engineering, { first: 100, after, transitive }))) all.push(member);
    return all;
  };
  expect((await members(false)).map((m) => m.id)).not.toContain(U.dataEngineer.id);
  expect((await members(true)).filter((m) => m.__typename === 'User').map((m) => m.id)).toContain(U.dataEngineer.id);
});

it('maps groups to tiers: preview, set, read, accessTier, remove', async () => {
  const finance = unwrap(await admin.defineAccessTier({ name: 'Finance', rank: 20 }));
  const preview = unwrap(await admin.previewTierMapping(tenantId, [{ groupId: G.finance, tierId: finance.id }]));
  expect(preview.tiers.find((t) => t.tier.id === finance.id)).toMatchObject({ currentCount: 0 });
  expect(preview.changes.find((c) => c.user.id === U.financeEmployee.id)).toMatchObject({ from: null, to: { id: finance.id } });

  expect(unwrap(await admin.setTierMapping(tenantId, G.finance, finance.id))).toMatchObject({ groupId: G.finance, groupDisplayName: 'Finance', tier: { name: 'Finance' } });
  expect(unwrap(await admin.tierMappings(tenantId)).map((m) => m.groupId)).toEqual([G.finance]);
  const decision = unwrap(await admin.accessTier(tenantId, { userPrincipalName: U.financeEmployee.userPrincipalName }));
  expect(decision).toMatchObject({ tier: { name: 'Finance', rank: 20 }, decidingGroups: [{ id: G.finance }], user: { id: U.financeEmployee.id } });

  expect(unwrap(await admin.removeTierMapping(tenantId, G.finance))).toMatchObject({ groupId: G.finance });
  expect(unwrap(await admin.removeTierMapping(tenantId, G.finance))).toBeNull();
  expect(unwrap(await admin.accessTier(tenantId, { userId: U.financeEmployee.id })).tier).toBeNull();
});

it('provisions a user and a membership; expected failures are union members; the audit log records them', async () => {
  const upn = `ada.lovelace.${Date.now().toString(36)}@${VERAFIELD.domain}`;
  const input = { displayName: 'Ada Lovelace', userPrincipalName: upn, department: 'Finance', usageLocation: 'GB' };
  const created = unwrap(await writer.createUser(tenantId, input));
  if (created.__typename !== 'CreatedUser') throw new Error(`expected CreatedUser, got ${created.__typename}: ${created.message}`);
  expect(created.initialPassword).toHaveLength(20);
  expect(created.user.userPrincipalName).toBe(upn);

  const again = unwrap(await writer.createUser(tenantId, input));
  expect(again).toMatchObject({ __typename: 'UpnConflict', errorCode: 'UPN_CONFLICT' });

  const added = unwrap(await writer.addGroupMember(tenantId, G.finance, created.user.id));
  expect(added).toMatchObject({ __typename: 'MembershipChange', change: 'ADDED', noOp: false });
  expect(unwrap(await writer.addGroupMember(tenantId, G.finance, created.user.id))).toMatchObject({ __typename: 'MembershipChange', noOp: true });
  expect(unwrap(await writer.removeGroupMember(tenantId, G.finance, created.user.id))).toMatchObject({ __typename: 'MembershipChange', change: 'REMOVED', noOp: false });
  expect(unwrap(await writer.addGroupMember(tenantId, G.finance, randomUUID()))).toMatchObject({ __typename: 'NotFound', errorCode: 'NOT_FOUND' });

  const audit = unwrap(await admin.auditLog(tenantId, { first: 10 }));
  const mine = audit.items.filter((e) => e.target.includes(created.user.id) || e.target.includes(upn));
  expect(mine.map((e) => [e.operation, e.result])).toEqual(
    expect.arrayContaining([
      ['CREATE_USER', 'SUCCESS'],
      ['CREATE_USER', 'FAILED'],
      ['ADD_GROUP_MEMBER', 'SUCCESS'],
      ['ADD_GROUP_MEMBER', 'NO_OP'],
      ['REMOVE_GROUP_MEMBER', 'SUCCESS'],
    ]),
  );
});

it('reads drift findings and pages the event log', async () => {
  unwrap(await admin.syncNow(tenantId));
  const findings = unwrap(await admin.driftFindings(tenantId, { open: true }));
  expect(Array.isArray(findings)).toBe(true);
  const page = unwrap(await admin.eventsPage(tenantId, { types: ['SYNC_COMPLETED'], first: 5 }));
  expect(page.items.length).toBeGreaterThan(0);
  expect(page.items.every((e) => e.type === 'SYNC_COMPLETED' && e.cursor.length > 0)).toBe(true);
});

describe('errors as typed results', () => {
  it('UNAUTHENTICATED for a key the gateway does not know, saying why', async () => {
    const stranger = createGatewayClient({ url: bench.gw.graphqlUrl, credential: `egk_${'a'.repeat(12)}_${'b'.repeat(43)}` });
    const result = failed(await stranger.tenants());
    expect(result.error).toMatchObject({ code: 'UNAUTHENTICATED', extensions: { credential: 'unknown' } });
  });

  it('FORBIDDEN for a caller without the right', async () => {
    const result = failed(await writer.defineAccessTier({ name: 'Nope', rank: 99 }));
    expect(result.error.code).toBe('FORBIDDEN');
  });

  it('BAD_USER_INPUT naming the argument for a malformed id; NOT_FOUND for a tenant that does not exist', async () => {
    const malformed = failed(await admin.accessTier('abc', { userId: U.financeEmployee.id }));
    expect(malformed.error.code).toBe('BAD_USER_INPUT');
    expect(malformed.error.message).toMatch(/tenant/i);
    expect(failed(await admin.accessTier(randomUUID(), { userId: U.financeEmployee.id })).error.code).toBe('NOT_FOUND');
    // tenant(id) answers null for an unknown tenant: the client reports NOT_FOUND itself.
    expect(failed(await admin.tenant(randomUUID())).error.code).toBe('NOT_FOUND');
  });

  it('NETWORK_ERROR when nothing listens; unwrap throws it as a GatewayRequestError', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const nowhere = createGatewayClient({ url: `http://127.0.0.1:${port}/graphql`, credential: bench.adminKey });
    const result = await nowhere.tenants();
    expect(failed(result).error.code).toBe('NETWORK_ERROR');
    expect(() => unwrap(result)).toThrow(GatewayRequestError);
  });
});
