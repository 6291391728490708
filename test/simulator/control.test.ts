import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { consentKey, createSimulatorContext, type SimulatorContext } from '../../src/simulator/context';
import { SimulatorControl } from '../../src/simulator/control/client';
import { createControlRouter } from '../../src/simulator/control/router';
import { VERAFIELD, VERAFIELD_DOMAIN, VERAFIELD_TENANT_ID } from '../../src/simulator/generator';
import { SimStore } from '../../src/simulator/store';

const KEY = 'test-control-key';
const T = VERAFIELD_TENANT_ID;
const u = VERAFIELD.users;
const g = VERAFIELD.groups;

let server: http.Server;
let baseUrl: string;
let ctx: SimulatorContext;
let control: SimulatorControl;

beforeAll(async () => {
  const store: SimStore = new SimStore(() => ctx.now());
  ctx = createSimulatorContext(store, {
    baseUrl: 'https://simulator.test',
    accessTokenLifetimeSeconds: 3599,
    controlKey: KEY,
    throttlingEnabled: true,
    deltaTokenLifetimeMs: 7 * 24 * 3600 * 1000,
  });
  const app = express();
  app.use('/_control', createControlRouter(ctx));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  control = new SimulatorControl({ baseUrl, key: KEY, ca: '' });
  await control.createTenant({ preset: 'verafield' });
});

afterAll(async () => {
  control.close();
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
});

interface ErrorBody {
  error: { code: string; message: string };
}

/** A raw call, for what the typed client cannot express (missing key, bad bodies). */
async function raw(method: string, path: string, opts: { key?: string; body?: string } = {}): Promise<{ status: number; body?: ErrorBody }> {
  const res = await fetch(`${baseUrl}/_control${path}`, {
    method,
    headers: { ...(opts.key !== undefined && { 'x-simulator-key': opts.key }), 'content-type': 'application/json' },
    body: opts.body,
  });
  return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as ErrorBody) };
}

describe('authentication', () => {
  it.each([
    ['no key', undefined],
    ['a wrong key', 'nope'],
  ])('answers 401 with %s', async (_label, key) => {
    const res = await raw('GET', '/tenants', { key });
    expect(res.status).toBe(401);
    expect(res.body?.error.code).toBe('Unauthorized');
  });
});

describe('tenants', () => {
  it('lists tenants and describes Verafield with its fixture ids', async () => {
    expect((await control.listTenants()).map((t) => t.tenantId)).toEqual([T]);
    const detail = await control.getTenant(T);
    expect(detail).toMatchObject({ tenantId: T, preset: 'verafield', domains: [VERAFIELD_DOMAIN, 'verafield.onmicrosoft.com'] });
    expect(detail.counts.users).toBe(VERAFIELD.counts.users);
    expect(detail.fixture).toEqual(JSON.parse(JSON.stringify(VERAFIELD)));
  });

  it('creates a scale tenant of the requested size', async () => {
    const created = await control.createTenant({ preset: 'scale', seed: 3, users: 200, groups: 10 });
    expect(created.counts).toMatchObject({ users: 200, groups: 10 });
    expect((await control.getTenant(created.tenantId)).fixture).toBeUndefined();
  });

  it('answers 400 for an unknown preset and a duplicate tenant, 404 for an unknown tenant', async () => {
    const bad = await raw('POST', '/tenants', { key: KEY, body: JSON.stringify({ preset: 'acme' }) });
    expect([bad.status, bad.body?.error.code]).toEqual([400, 'InvalidRequest']);
    expect((await raw('POST', '/tenants', { key: KEY, body: JSON.stringify({ preset: 'verafield' }) })).status).toBe(400);
    expect((await raw('GET', '/tenants/00000000-0000-4000-8000-000000000000', { key: KEY })).status).toBe(404);
    expect((await raw('POST', '/tenants', { key: KEY, body: '{nope' })).status).toBe(400);
  });
});

describe('apps', () => {
  it('registers an app with a fresh secret and lists it without secrets', async () => {
    const { clientId, clientSecret } = await control.registerApp({ displayName: 'Gateway', redirectUris: ['https://localhost:3000/callback'] });
    expect(ctx.apps.get(clientId)?.secrets[0].secretText).toBe(clientSecret);
    const listed = (await control.listApps()).find((a) => a.clientId === clientId)!;
    expect(listed).toMatchObject({ displayName: 'Gateway', applicationPermissions: expect.arrayContaining(['User.Read.All']) });
    expect(listed).not.toHaveProperty('secrets');
    await expect(control.registerApp({ clientId, displayName: 'Again', redirectUris: [] })).rejects.toThrow(/409/);
    await expect(control.registerApp({ displayName: 'Bad', redirectUris: [], applicationPermissions: ['Mail.Send'] })).rejects.toThrow(/400/);
  });
});

describe('directory changes', () => {
  it('creates, updates and deletes a user through the store, never echoing the password', async () => {
    const seq = ctx.store.currentSeq(T);
    const user = await control.createUser(T, {
      accountEnabled: true,
      displayName: 'Quinn Hale',
      mailNickname: 'quinn.hale',
      userPrincipalName: `quinn.hale@${VERAFIELD_DOMAIN}`,
      passwordProfile: { password: 'S3cure!pass' },
    });
    expect(user).not.toHaveProperty('passwordProfile');
    expect((await control.updateUser(T, user.id, { department: 'Legal' })).department).toBe('Legal');
    await control.deleteUser(T, user.id, { permanent: true });
    expect(ctx.store.changesSince(T, seq).map((e) => e.kind !== 'member' && e.op)).toEqual(['upsert', 'upsert', 'hardDelete']);
  });

  it("passes Graph's validation errors through with their code", async () => {
    const res = await raw('POST', `/tenants/${T}/users`, {
      key: KEY,
      body: JSON.stringify({
        accountEnabled: true,
        displayName: 'Dup',
        mailNickname: 'dup',
        userPrincipalName: u.financeEmployee.userPrincipalName,
        passwordProfile: { password: 'S3cure!pass' },
      }),
    });
    expect(res).toEqual({
      status: 400,
      body: { error: { code: 'Request_BadRequest', message: 'Another object with the same value for property userPrincipalName already exists.' } },
    });
  });

  it('moves a user between groups as an add and a remove in the delta log', async () => {
    const seq = ctx.store.currentSeq(T);
    await control.moveUser(T, u.salesRep.id, g.sales, g.marketing);
    expect(ctx.store.memberOf(T, u.salesRep.id)).toEqual(expect.arrayContaining([g.marketing]));
    expect(ctx.store.memberOf(T, u.salesRep.id)).not.toContain(g.sales);
    expect(ctx.store.changesSince(T, seq)).toEqual([
      expect.objectContaining({ kind: 'member', groupId: g.marketing, memberId: u.salesRep.id, op: 'add' }),
      expect.objectContaining({ kind: 'member', groupId: g.sales, memberId: u.salesRep.id, op: 'remove' }),
    ]);
    await expect(control.moveUser(T, u.salesRep.id, g.sales, g.legal)).rejects.toThrow(/400.*not a direct member/);
    expect(ctx.store.changesSince(T, seq)).toHaveLength(2);
  });

  it('creates, renames, nests, makes dynamic and deletes groups', async () => {
    const group = await control.createGroup(T, { displayName: 'Tier Gold', mailNickname: 'tier-gold', mailEnabled: false, securityEnabled: true });
    await control.addMember(T, group.id, g.finance);
    await control.addMember(T, group.id, u.userAdmin.id);
    expect(ctx.store.transitiveMembers(T, group.id)).toContain(u.financeEmployee.id);
    await control.removeMember(T, group.id, u.userAdmin.id);
    await expect(control.removeMember(T, group.id, u.userAdmin.id)).rejects.toThrow(/404.*Request_ResourceNotFound|404.*does not exist/);
    expect((await control.updateGroup(T, group.id, { displayName: 'Tier Platinum' })).displayName).toBe('Tier Platinum');
    const dynamic = await control.updateGroup(T, group.id, { groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Finance"' });
    expect(dynamic.membershipRuleProcessingState).toBe('On');
    await control.deleteGroup(T, group.id);
    // A security group is deleted for good (only Microsoft 365 groups are restorable).
    expect(ctx.store.requireTenant(T).groups.has(group.id)).toBe(false);
    expect(ctx.store.requireTenant(T).deletedItems.has(group.id)).toBe(false);
  });

  it('changes a conditional-access policy', async () => {
    const policy = await control.updatePolicy(T, VERAFIELD.policies.productMfa, { state: 'disabled' });
    expect(policy.state).toBe('disabled');
    expect(ctx.store.requireTenant(T).conditionalAccessPolicies.get(VERAFIELD.policies.productMfa)?.state).toBe('disabled');
  });

  it('expires or extends a credential of an application or a service principal', async () => {
    const product = VERAFIELD.apps.product;
    const keyId = product.credentialKeyIds['product-secret-expiring'];
    const updated = await control.setCredentialExpiry(T, product.applicationId, keyId, new Date('2020-01-01T00:00:00Z'));
    expect(updated).toMatchObject({ keyId, endDateTime: '2020-01-01T00:00:00.000Z' });
    const byAppId = await control.setCredentialExpiry(T, product.appId, keyId, '2031-05-01T00:00:00Z');
    expect(byAppId.endDateTime).toBe('2031-05-01T00:00:00.000Z');
    await expect(control.setCredentialExpiry(T, product.applicationId, 'no-such-key', '2031-05-01T00:00:00Z')).rejects.toThrow(/404/);
    await expect(control.setCredentialExpiry(T, product.applicationId, keyId, 'tomorrow')).rejects.toThrow(/400/);
  });

  it('revokes consent: the record is revoked a generation later and the service principal is gone', async () => {
    const clientId = '0f0e0d0c-0b0a-4909-8807-060504030201';
    const sp = ctx.store.ensureServicePrincipal(T, { appId: clientId, displayName: 'Consented' });
    ctx.store.grantDelegated(T, sp.id, ['User.Read.All'], 'AllPrincipals');
    ctx.consents.set(consentKey(T, clientId), {
      tenantId: T,
      clientId,
      delegatedScopes: new Set(['User.Read.All']),
      applicationPermissions: new Set(),
      revoked: false,
      generation: 1,
    });
    expect(await control.revokeConsent(T, clientId)).toEqual({ consentRevoked: true, servicePrincipalRemoved: true });
    expect(ctx.consents.get(consentKey(T, clientId))).toMatchObject({ revoked: true, generation: 2 });
    expect(ctx.store.requireTenant(T).servicePrincipals.has(sp.id)).toBe(false);
    await expect(control.revokeConsent(T, '11111111-1111-4111-8111-111111111111')).rejects.toThrow(/404/);
  });

  it('resets delta tokens', async () => {
    const epoch = ctx.store.deltaEpoch(T);
    await control.resetDelta(T);
    expect(ctx.store.deltaEpoch(T)).toBe(epoch + 1);
  });
});

describe('runtime', () => {
  it('sets validated faults', async () => {
    expect(await control.setFaults({ serverErrorRate: 0.25, latencyMs: 5 })).toMatchObject({ serverErrorRate: 0.25, latencyMs: 5, retryAfterSeconds: 1 });
    expect(ctx.faults.serverErrorRate).toBe(0.25);
    await expect(control.setFaults({ serverErrorRate: 2 })).rejects.toThrow(/400.*serverErrorRate/s);
    await expect(control.setFaults({ bogus: 1 } as never)).rejects.toThrow(/400.*bogus/s);
    await control.setFaults({ serverErrorRate: 0, latencyMs: 0 });
  });

  it('reads and resets counters in place', async () => {
    const counters = ctx.counters;
    counters.requests = 7;
    counters.byEndpoint['GET /users'] = 7;
    expect((await control.counters()).requests).toBe(7);
    await control.resetCounters();
    expect(ctx.counters).toBe(counters);
    expect(counters).toMatchObject({ requests: 0, byEndpoint: {} });
  });

  it('advances the clock shared with the store', async () => {
    const before = ctx.now();
    const { now } = await control.advanceClock(60_000);
    expect(Date.parse(now)).toBeGreaterThanOrEqual(before + 60_000);
    const user = await control.createUser(T, {
      accountEnabled: true,
      displayName: 'Late Joiner',
      mailNickname: 'late.joiner',
      userPrincipalName: `late.joiner@${VERAFIELD_DOMAIN}`,
      passwordProfile: { password: 'S3cure!pass' },
    });
    expect(ctx.store.createdAt(T, user.id)).toBeGreaterThanOrEqual(before + 60_000);
    await expect(control.advanceClock(-1)).rejects.toThrow(/400/);
  });

  it('changes settings without exposing the control key', async () => {
    const settings = await control.updateSettings({ accessTokenLifetimeSeconds: 5, throttlingEnabled: false });
    expect(settings).toEqual({ accessTokenLifetimeSeconds: 5, throttlingEnabled: false });
    expect(ctx.settings).toMatchObject({ accessTokenLifetimeSeconds: 5, throttlingEnabled: false, controlKey: KEY });
  });

  it('answers 404 for an unknown route', async () => {
    const res = await raw('GET', '/nothing-here', { key: KEY });
    expect([res.status, res.body?.error.code]).toEqual([404, 'NotFound']);
  });
});
