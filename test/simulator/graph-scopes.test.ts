/** Authentication and permissions with real tokens from the simulator's token endpoint (graph-facts §6, §11). */
import { DEFAULT_PRODUCT_APP_ID, VERAFIELD } from '../../src/simulator/generator';
import type { RunningSimulator } from '../../src/simulator/server';
import { mintAccessToken } from '../../src/simulator/tokens';
import { grantAdminConsent, signInForCode, startTestSimulator, TEST_ADMIN_REDIRECT_URI, TEST_REDIRECT_URI, tokenRequest } from '../support/simulator';
import { graphRequest } from './graph-client';

const READER_APP_ID = '0b5c6d7e-1f20-4a3b-8c9d-0e1f2a3b4c5d';
const TENANT = VERAFIELD.tenantId;

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startTestSimulator({
    throttlingEnabled: false,
    apps: [
      { clientId: DEFAULT_PRODUCT_APP_ID, displayName: 'Gateway Product', redirectUris: [TEST_REDIRECT_URI, TEST_ADMIN_REDIRECT_URI] },
      { clientId: READER_APP_ID, displayName: 'User Reader', redirectUris: [TEST_ADMIN_REDIRECT_URI], applicationPermissions: ['User.Read.All'] },
    ],
  });
});
afterAll(() => sim.close());

function secretOf(clientId: string): string {
  return sim.apps.find((a) => a.clientId === clientId)!.secrets[0].secretText;
}

async function appToken(clientId: string): Promise<string> {
  await grantAdminConsent(sim, { clientId });
  const res = await tokenRequest(sim, TENANT, {
    grant_type: 'client_credentials',
    scope: 'https://graph.microsoft.com/.default',
    client_id: clientId,
    client_secret: secretOf(clientId),
  });
  if (res.status !== 200) throw new Error(`expected a token, got ${res.status}: ${res.text}`);
  return res.json().access_token;
}

const get = (path: string, token: string | null) => graphRequest(sim, 'GET', path, { token });

describe('401 InvalidAuthenticationToken', () => {
  test('no token, a garbage token, an expired token', async () => {
    const none = await get('/users', null);
    expect([none.status, none.body.error.code, none.body.error.message]).toEqual([401, 'InvalidAuthenticationToken', 'Access token is empty.']);
    expect(none.headers['request-id']).toBeTruthy();
    expect((await get('/users', 'not.a.jwt')).body.error.code).toBe('InvalidAuthenticationToken');
    const { token } = await mintAccessToken(sim.ctx, { tid: TENANT, oid: 'x', appid: DEFAULT_PRODUCT_APP_ID, roles: ['User.Read.All'], lifetimeSeconds: 60 });
    sim.ctx.advanceClock(61_000);
    const expired = await get('/users', token);
    expect([expired.status, expired.body.error.message]).toEqual([401, 'Access token has expired or is not yet valid.']);
  });
});

describe('application permissions (roles)', () => {
  test('an app with only User.Read.All reads users, and gets 403 Authorization_RequestDenied elsewhere', async () => {
    const token = await appToken(READER_APP_ID);
    expect((await get('/users?$top=1', token)).status).toBe(200);
    expect((await get('/users/delta?$deltatoken=latest', token)).status).toBe(200);
    for (const path of [
      '/groups',
      `/groups/${VERAFIELD.groups.finance}/members`,
      '/directoryRoles',
      '/roleManagement/directory/roleAssignments',
      '/roleManagement/directory/roleEligibilitySchedules',
      '/roleManagement/directory/roleAssignmentSchedules',
      '/identity/conditionalAccess/policies',
      '/servicePrincipals',
      '/applications',
      '/oauth2PermissionGrants',
    ]) {
      const res = await get(path, token);
      expect([path, res.status, res.body.error.code, res.body.error.message]).toEqual([
        path,
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
      ]);
    }
    const write = await graphRequest(sim, 'PATCH', `/users/${VERAFIELD.users.salesRep.id}`, { token, body: { jobTitle: 'x' } });
    expect(write.status).toBe(403);
  });

  test("the product's default permissions read every kind of object", async () => {
    const token = await appToken(DEFAULT_PRODUCT_APP_ID);
    for (const path of ['/users', '/groups', `/groups/${VERAFIELD.groups.finance}/transitiveMembers`, '/directoryRoles', '/roleManagement/directory/roleDefinitions', '/servicePrincipals', '/applications']) {
      expect([path, (await get(path, token)).status]).toEqual([path, 200]);
    }
    expect((await get('/identity/conditionalAccess/policies', token)).status).toBe(200);
  });

  test('/organization needs Organization.Read.All or Directory.Read.All as an application permission', async () => {
    expect((await get('/organization', await appToken(DEFAULT_PRODUCT_APP_ID))).status).toBe(403);
  });
});

describe('delegated permissions (scp)', () => {
  test('a signed-in admin with User.Read and User.Read.All reads users and the organization (the token’s tenant), not groups', async () => {
    const { code, verifier, redirectUri } = await signInForCode(sim, { scope: 'User.Read User.Read.All', login: VERAFIELD.users.globalAdmin.userPrincipalName });
    const res = await tokenRequest(sim, TENANT, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      client_id: DEFAULT_PRODUCT_APP_ID,
      client_secret: secretOf(DEFAULT_PRODUCT_APP_ID),
    });
    const token = res.json().access_token;
    expect((await get('/users?$top=1', token)).status).toBe(200);
    expect((await get('/organization', token)).body.value[0].id).toBe(TENANT);
    expect((await get('/groups', token)).status).toBe(403);
  });
});
