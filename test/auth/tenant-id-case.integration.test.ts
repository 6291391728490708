/**
 * Issue 11 item 11: tenant ids are GUIDs and compare without regard to case everywhere. A key confined to its
 * own tenant may name it in upper case in every argument that names a tenant (queries, mutations, a
 * subscription whose events are published under the lower-case id); another tenant stays refused however it
 * is written.
 */
import { ApiScope } from '../../src/core/auth/principal';
import { bearer, startTestGateway, type TestGateway } from '../support/gateway';
import { commitEvents, seedTenant, Subscriber } from '../events/event-fixtures';
import { codesAt, overHttp } from './support/clients';

let gw: TestGateway;
let own: string;
let other: string;
let key: string;

beforeAll(async () => {
  gw = await startTestGateway();
  own = await seedTenant(gw.database.dataSource, 'Own');
  other = await seedTenant(gw.database.dataSource, 'Other');
  key = await gw.mintKey({ scopes: [ApiScope.TENANTS_ADMIN, ApiScope.DIRECTORY_READ, ApiScope.EVENTS_READ], tenantIds: [own] });
});

afterAll(async () => {
  await gw.stop();
});

const UPPER = () => own.toUpperCase();

it.each([
  ['tenant(id)', 'tenant', () => ({ query: `query($t: ID!) { tenant(id: $t) { id } }`, variables: { t: UPPER() } })],
  ['tierMappings(tenantId)', 'tierMappings', () => ({ query: `query($t: ID!) { tierMappings(tenantId: $t) { groupId } }`, variables: { t: UPPER() } })],
  ['events(tenantId)', 'events', () => ({ query: `query($t: ID!) { events(tenantId: $t) { pageInfo { hasNextPage } } }`, variables: { t: UPPER() } })],
  ['driftFindings(tenantId)', 'driftFindings', () => ({ query: `query($t: ID!) { driftFindings(tenantId: $t) { rule } }`, variables: { t: UPPER() } })],
  [
    'createApiKey(input.tenantIds)',
    'createApiKey',
    () => ({ query: `mutation($t: [ID!]) { createApiKey(input: { name: "upper", scopes: [DIRECTORY_READ], tenantIds: $t }) { apiKey { tenantIds } } }`, variables: { t: [UPPER()] } }),
  ],
  ['updateTenant(id)', 'updateTenant', () => ({ query: `mutation($t: ID!) { updateTenant(id: $t, input: { displayName: "Own renamed" }) { id } }`, variables: { t: UPPER() } })],
])('accepts its own tenant id in upper case in %s', async (_what, field, op) => {
  const outcome = await overHttp(gw.graphqlUrl, op(), bearer(key));
  expect(outcome.errors ?? []).toEqual([]);
  expect(codesAt(outcome, field)).toEqual([]);
  // Whatever the case asked, answers carry the canonical (lower-case) id.
  expect(JSON.stringify(outcome.data)).not.toContain(UPPER());
});

it.each([
  ['upper case', () => other.toUpperCase()],
  ['lower case', () => other],
])('still refuses another tenant written in %s', async (_what, id) => {
  const outcome = await overHttp(gw.graphqlUrl, { query: `query($t: ID!) { tenant(id: $t) { id } }`, variables: { t: id() } }, bearer(key));
  expect(codesAt(outcome, 'tenant')).toEqual(['FORBIDDEN']);
});

it('delivers events to a subscription that names its tenant in upper case', async () => {
  const [seed] = await commitEvents(gw.database.dataSource, own, [0]);
  await commitEvents(gw.database.dataSource, own, [1]);
  const subscriber = new Subscriber(gw.graphqlUrl, key).start({ tenantId: UPPER(), after: gw.services.events.cursors.encode(own, seed.sequence) });
  try {
    await subscriber.untilN(1);
    await commitEvents(gw.database.dataSource, own, [2]);
    await subscriber.untilN(2);
    expect(subscriber.ns()).toEqual([1, 2]);
    expect(subscriber.errors).toEqual([]);
  } finally {
    await subscriber.stop();
  }
});
