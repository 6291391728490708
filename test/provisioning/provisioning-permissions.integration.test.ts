/**
 * A tenant connected (delegated) without PROVISIONING: writes answer FeatureDisabled; once the feature is on
 * but not consented, MissingPermission naming the Graph permissions. (Graph's own 403 -> MissingPermission
 * is covered in provisioning-decisions.unit.test.ts: a delegated token cannot be made to lack what the
 * record claims without the token path asking for re-consent first, which is tested here.)
 */
import { Tenant } from '../../src/tenants/tenant.entity';
import { graphqlError } from '../tenants/tenant-queries';
import { newUser, startProvisioningBench, VERAFIELD, type ProvisioningBench } from './provisioning-fixtures';

let bench: ProvisioningBench;

beforeAll(async () => {
  bench = await startProvisioningBench({ authMode: 'DELEGATED', features: ['READ_DIRECTORY'] });
}, 60_000);

afterAll(async () => {
  await bench?.stop();
});

const setFeatures = (features: string[]) =>
  bench.admin.request(`mutation($id: ID!, $f: [Feature!]) { updateTenant(id: $id, input: { features: $f }) { id } }`, { id: bench.tenantId, f: features });

it('answers FeatureDisabled while the tenant was connected without PROVISIONING', async () => {
  expect(await bench.createUser(newUser('no.feature'))).toMatchObject({ __typename: 'FeatureDisabled', errorCode: 'FEATURE_DISABLED', feature: 'PROVISIONING' });
});

it('answers MissingPermission naming the permissions once PROVISIONING is on but not consented, before any Graph call', async () => {
  await setFeatures(['READ_DIRECTORY', 'PROVISIONING']);
  await bench.sim.control.resetCounters();
  const result = await bench.createUser(newUser('not.consented'));
  expect(result).toMatchObject({ __typename: 'MissingPermission', errorCode: 'MISSING_PERMISSION', permissions: ['GroupMember.ReadWrite.All', 'User.ReadWrite.All'] });
  expect(result.message).toMatch(/consent again/);
  expect(await bench.addMember(VERAFIELD.groups.finance, VERAFIELD.users.salesRep.id)).toMatchObject({ __typename: 'MissingPermission' });
  expect((await bench.sim.control.counters()).requests).toBe(0);
});

it('a record claiming permissions the consent never granted: the token path asks for re-consent, a coded error (no stack), audited', async () => {
  // The record claims the write permissions; the delegated consent covers reads only, so no token can carry them.
  const tenants = bench.gw.database.dataSource.getRepository(Tenant);
  const tenant = await tenants.findOneByOrFail({ id: bench.tenantId });
  await tenants.update({ id: bench.tenantId }, { grantedScopes: [...tenant.grantedScopes, 'User.ReadWrite.All', 'GroupMember.ReadWrite.All'] });
  const error = await graphqlError(bench.createUser(newUser('refused.user')));
  expect(error).toMatchObject({ code: 'RECONSENT_REQUIRED', extensions: { tenantId: bench.tenantId } });
  expect(error.extensions).not.toHaveProperty('stacktrace');
  const { auditLog } = await bench.writer.request<{ auditLog: { edges: Array<{ node: { operation: string; target: string; result: string; errorCode: string } }> } }>(
    `query($t: ID!) { auditLog(tenantId: $t, first: 1) { edges { node { operation target result errorCode } } } }`,
    { t: bench.tenantId },
  );
  expect(auditLog.edges.map((e) => e.node)).toEqual([{ operation: 'CREATE_USER', target: 'user:refused.user@verafield.com', result: 'FAILED', errorCode: 'RECONSENT_REQUIRED' }]);
});
