/**
 * Webhooks end to end: a real gateway (real PostgreSQL, graphql-request) delivering to a real local HTTP receiver.
 * Signatures are checked with the README's own verify snippet. Each test uses its own tenants, so events of one
 * test never reach another's endpoints.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLClient, gql } from 'graphql-request';
import { appendEvents } from '../../src/events/event-log';
import { DirectoryEventType } from '../../src/events/event.types';
import { createDataSource } from '../../src/db/data-source';
import { ALL_SCOPES } from '../../src/core/auth/principal';
import { createLogger } from '../../src/logging';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { Tenant } from '../../src/tenants/tenant.entity';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, startTestGateway, type TestGateway } from '../support/gateway';
import { startWebhookReceiver, type Received, type WebhookReceiver } from './receiver';

/** The README's verify function, as written there (its import line replaced by these arguments). */
function readmeVerify(): (secret: string, headers: Record<string, string>, rawBody: string) => boolean {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const block = [...readme.matchAll(/^```js\n([\s\S]*?)^```/gm)].map((m) => m[1]).find((code) => code.includes('function verifyWebhook'));
  if (!block) throw new Error('README.md: expected a ```js block with function verifyWebhook, found none');
  const body = block.replace(/^import .*$/m, '');
  return new Function('createHmac', 'timingSafeEqual', 'Buffer', `${body}\nreturn verifyWebhook;`)(createHmac, timingSafeEqual, Buffer);
}

const ENV = {
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '50',
  WEBHOOK_RETRY_MAX_MS: '200',
  WEBHOOK_DISABLE_AFTER_FAILURES: '3',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_LEASE_SECONDS: '5',
  WEBHOOK_BATCH_SIZE: '4',
  ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
};

/** Another gateway instance on the same database (its own pool; dropping is left to the owner of `db`). */
function instance(db: TestDatabase): Promise<TestGateway> {
  const dataSource = createDataSource(db.url, { poolSize: 4, applicationName: 'entra-gateway-test' });
  return dataSource.initialize().then(() =>
    startTestGateway({
      env: ENV,
      database: { url: db.url, dataSource, drop: async () => void (dataSource.isInitialized && (await dataSource.destroy())) },
    }),
  );
}

const verify = readmeVerify();
let db: TestDatabase;
let gw: TestGateway;
let client: GraphQLClient;
let receiver: WebhookReceiver;

beforeAll(async () => {
  db = await createTestDatabase();
  gw = await instance(db);
  client = new GraphQLClient(gw.graphqlUrl, { headers: bearer(await gw.mintKey()) });
  receiver = await startWebhookReceiver();
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await receiver?.close();
  await db?.drop();
});

async function newTenant(name: string): Promise<string> {
  const tenants = db.dataSource.getRepository(Tenant);
  const saved = await tenants.save(
    tenants.create({ displayName: name, entraTenantId: null, cloud: 'global', authMode: 'APPLICATION', status: 'ACTIVE', grantedScopes: [], features: [], syncIntervalSeconds: 900 }),
  );
  return saved.id;
}

async function append(tenantId: string, count: number, from = 1): Promise<string[]> {
  const stored = await appendEvents(
    db.dataSource.manager,
    Array.from({ length: count }, (_, i) => ({ tenantId, type: DirectoryEventType.USER_UPDATED, subjectId: `user-${from + i}`, payload: { n: from + i } })),
  );
  return stored.map((e) => e.sequence);
}

const REGISTER = gql`
  mutation ($input: RegisterWebhookEndpointInput!) {
    registerWebhookEndpoint(input: $input) { secret endpoint { id url tenantIds types status } }
  }
`;

async function register(path: string, tenantIds: string[], types?: string[], on: GraphQLClient = client): Promise<{ id: string; secret: string }> {
  const answer = await on.request<{ registerWebhookEndpoint: { secret: string; endpoint: { id: string } } }>(REGISTER, {
    input: { url: `${receiver.url}${path}`, tenantIds, types },
  });
  return { id: answer.registerWebhookEndpoint.endpoint.id, secret: answer.registerWebhookEndpoint.secret };
}

const sequencesOf = (rs: Received[]) => rs.map((r) => r.body.data.sequence);
const delivered = (rs: Received[]) => rs.filter((r) => r.answeredWith < 300);

interface DeliveryNode {
  id: string;
  tenantId: string;
  eventSequence: string;
  webhookId: string;
  attempt: number;
  outcome: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** Waits until the endpoint's log holds `count` attempts (the receiver sees a POST before its commit). */
async function logged(endpointId: string, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const rows = await db.dataSource.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1`, [endpointId]);
    if (rows[0].n >= count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected ${count} delivery attempts logged for ${endpointId}`);
}

async function deliveries(endpointId: string, first = 50, after?: string) {
  const answer = await client.request<{ webhookDeliveries: { edges: Array<{ cursor: string; node: DeliveryNode }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(
    gql`
      query ($e: ID!, $first: Int!, $after: String) {
        webhookDeliveries(endpointId: $e, first: $first, after: $after) {
          edges { cursor node { id tenantId eventSequence webhookId attempt outcome statusCode latencyMs error } }
          pageInfo { hasNextPage endCursor }
        }
      }
    `,
    { e: endpointId, first, after },
  );
  return answer.webhookDeliveries;
}

it('delivers signed events in order per tenant, and logs every attempt readable with paging', async () => {
  const [t1, t2] = [await newTenant('Order 1'), await newTenant('Order 2')];
  const hook = await register('/order', [t1, t2]);
  expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  const s1 = await append(t1, 5);
  const s2 = await append(t2, 3);
  await append(t1, 2, 6).then((s) => s1.push(...s));
  await receiver.until((r) => r.filter((x) => x.path === '/order').length >= 10, '10 deliveries to /order');
  const got = receiver.on('/order');
  expect(sequencesOf(got.filter((r) => r.body.data.tenantId === t1))).toEqual(s1);
  expect(sequencesOf(got.filter((r) => r.body.data.tenantId === t2))).toEqual(s2);
  for (const r of got) {
    expect(verify(hook.secret, r.headers, r.rawBody)).toBe(true);
    expect(r.headers['webhook-id']).toBe(`evt_${r.body.data.sequence}`);
    expect(r.headers['webhook-signature'].split(' ')).toHaveLength(1);
  }
  // A tampered body, another secret, or a stale timestamp fail the same check.
  const one = got[0];
  expect(verify(hook.secret, one.headers, one.rawBody.replace('"n":1', '"n":2'))).toBe(false);
  expect(verify(`whsec_${randomBytes(32).toString('base64')}`, one.headers, one.rawBody)).toBe(false);
  expect(verify(hook.secret, { ...one.headers, 'webhook-timestamp': String(Number(one.headers['webhook-timestamp']) - 3600) }, one.rawBody)).toBe(false);
  // The event's cursor in the payload is the events API's: polling after it continues with the next event.
  const page = await client.request<{ events: { edges: Array<{ node: { sequence: string } }> } }>(
    gql`query ($t: ID!, $after: String) { events(tenantId: $t, after: $after, first: 1) { edges { node { sequence } } } }`,
    { t: t1, after: got.find((r) => r.body.data.sequence === s1[0])!.body.data.cursor },
  );
  expect(page.events.edges.map((e) => e.node.sequence)).toEqual([s1[1]]);

  await logged(hook.id, 10);
  const first = await deliveries(hook.id, 6);
  expect(first.edges).toHaveLength(6);
  expect(first.pageInfo.hasNextPage).toBe(true);
  const rest = await deliveries(hook.id, 50, first.pageInfo.endCursor!);
  expect(rest.pageInfo.hasNextPage).toBe(false);
  const all = [...first.edges, ...rest.edges].map((e) => e.node);
  expect(all).toHaveLength(10);
  // Newest first, across the page boundary.
  const ids = all.map((d) => Number(d.id));
  expect(ids).toEqual([...ids].sort((x, y) => y - x));
  expect(new Set(ids).size).toBe(10);
  expect(all.every((d) => d.outcome === 'DELIVERED' && d.statusCode === 200 && d.attempt === 1 && d.latencyMs >= 0)).toBe(true);
  expect(all.map((d) => d.eventSequence).sort()).toEqual([...s1, ...s2].sort());
}, 60_000);

it('retries with back-off after failures (500 twice), without sending the next event first', async () => {
  const t = await newTenant('Retry');
  receiver.answer = (path, count) => (path === '/retry' && count <= 2 ? 500 : undefined);
  const hook = await register('/retry', [t]);
  const seqs = await append(t, 3);
  await receiver.until((r) => delivered(r.filter((x) => x.path === '/retry')).length >= 3, '3 successful deliveries to /retry');
  const got = receiver.on('/retry');
  expect(got.map((r) => [r.body.data.sequence, r.answeredWith])).toEqual([
    [seqs[0], 500],
    [seqs[0], 500],
    [seqs[0], 200],
    [seqs[1], 200],
    [seqs[2], 200],
  ]);
  expect(new Set(got.slice(0, 3).map((r) => r.headers['webhook-id'])).size).toBe(1);
  await logged(hook.id, 5);
  const log = (await deliveries(hook.id)).edges.map((e) => e.node).reverse();
  expect(log.map((d) => [d.eventSequence, d.attempt, d.outcome, d.statusCode])).toEqual([
    [seqs[0], 1, 'FAILED', 500],
    [seqs[0], 2, 'FAILED', 500],
    [seqs[0], 3, 'DELIVERED', 200],
    [seqs[1], 1, 'DELIVERED', 200],
    [seqs[2], 1, 'DELIVERED', 200],
  ]);
}, 60_000);

it('disables an endpoint after N consecutive failures, with an event saying so, and resumes when re-enabled', async () => {
  const t = await newTenant('Down');
  let down = true;
  receiver.answer = (path) => (path === '/down' && down ? 503 : undefined);
  const hook = await register('/down', [t], ['USER_UPDATED']);
  const [seq] = await append(t, 1);
  const disabledEvent = async () =>
    (
      await client.request<{ events: { edges: Array<{ node: { type: string; subjectId: string; payload: Record<string, unknown> } }> } }>(
        gql`query ($t: ID!) { events(tenantId: $t, types: [WEBHOOK_ENDPOINT_DISABLED]) { edges { node { type subjectId payload } } } }`,
        { t },
      )
    ).events.edges;
  for (let i = 0; i < 200 && (await disabledEvent()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  const [event] = await disabledEvent();
  expect(event.node.subjectId).toBe(hook.id);
  expect(event.node.payload).toMatchObject({ endpointId: hook.id, consecutiveFailures: 3, lastStatus: 503, stuckAtSequence: seq });
  expect(receiver.on('/down')).toHaveLength(3);
  const listed = await client.request<{ webhookEndpoints: Array<{ id: string; status: string; consecutiveFailures: number; disabledReason: string }> }>(
    gql`{ webhookEndpoints { id status consecutiveFailures disabledReason } }`,
  );
  expect(listed.webhookEndpoints.find((e) => e.id === hook.id)).toMatchObject({ status: 'DISABLED', consecutiveFailures: 3 });

  down = false;
  const enabled = await client.request<{ enableWebhookEndpoint: { status: string } }>(gql`mutation ($id: ID!) { enableWebhookEndpoint(id: $id) { status } }`, { id: hook.id });
  expect(enabled.enableWebhookEndpoint.status).toBe('ENABLED');
  await receiver.until((r) => delivered(r.filter((x) => x.path === '/down')).length === 1, 'the stuck event after re-enabling');
  expect(delivered(receiver.on('/down')).map((r) => r.body.data.sequence)).toEqual([seq]);
}, 60_000);

it('counts a receiver slower than WEBHOOK_TIMEOUT_MS as a failure and retries', async () => {
  const t = await newTenant('Slow');
  receiver.delay = (path, count) => (path === '/slow' && count === 1 ? 1_500 : undefined);
  const hook = await register('/slow', [t]);
  const [seq] = await append(t, 1);
  await logged(hook.id, 2);
  const log = (await deliveries(hook.id)).edges.map((e) => e.node).reverse();
  expect(log.map((d) => [d.eventSequence, d.attempt, d.outcome, d.statusCode, d.error])).toEqual([
    [seq, 1, 'FAILED', null, 'timed out after 1000 ms'],
    [seq, 2, 'DELIVERED', 200, null],
  ]);
}, 60_000);

it('does not follow a redirect: a 3xx is a failed attempt', async () => {
  const t = await newTenant('Redirect');
  receiver.answer = (path, count) => (path === '/redirect' && count === 1 ? 302 : undefined);
  const hook = await register('/redirect', [t]);
  const [seq] = await append(t, 1);
  await logged(hook.id, 2);
  const log = (await deliveries(hook.id)).edges.map((e) => e.node).reverse();
  expect(log.map((d) => [d.eventSequence, d.outcome, d.statusCode, d.error])).toEqual([
    [seq, 'FAILED', 302, 'redirect to (none) not followed'],
    [seq, 'DELIVERED', 200, null],
  ]);
  expect(receiver.on('/redirect')).toHaveLength(2);
}, 60_000);

it('signs with both secrets during a rotation', async () => {
  const t = await newTenant('Rotate');
  const hook = await register('/rotate', [t]);
  await append(t, 1);
  await receiver.until((r) => r.some((x) => x.path === '/rotate'), 'a delivery before the rotation');
  const rotated = await client.request<{ rotateWebhookSecret: { secret: string; endpoint: { previousSecretExpiresAt: string } } }>(
    gql`mutation ($id: ID!) { rotateWebhookSecret(id: $id, previousSecretValidForSeconds: 600) { secret endpoint { previousSecretExpiresAt } } }`,
    { id: hook.id },
  );
  const secret = rotated.rotateWebhookSecret.secret;
  expect(secret).not.toBe(hook.secret);
  expect(rotated.rotateWebhookSecret.endpoint.previousSecretExpiresAt).not.toBeNull();
  await append(t, 1, 2);
  await receiver.until((r) => r.filter((x) => x.path === '/rotate').length === 2, 'a delivery after the rotation');
  const [before, after] = receiver.on('/rotate');
  expect(before.headers['webhook-signature'].split(' ')).toHaveLength(1);
  expect(after.headers['webhook-signature'].split(' ')).toHaveLength(2);
  expect(verify(secret, after.headers, after.rawBody)).toBe(true);
  expect(verify(hook.secret, after.headers, after.rawBody)).toBe(true);
  expect(verify(secret, before.headers, before.rawBody)).toBe(false);
  // The secret is stored encrypted: neither secret appears in the table.
  const stored = JSON.stringify(await db.dataSource.query(`SELECT * FROM webhook_endpoints WHERE id = $1`, [hook.id]));
  expect(stored).not.toContain(secret.slice(6));
  expect(stored).not.toContain(hook.secret.slice(6));
}, 60_000);

it('replays from a chosen cursor', async () => {
  const t = await newTenant('Replay');
  const hook = await register('/replay', [t]);
  const seqs = await append(t, 4);
  await receiver.until((r) => r.filter((x) => x.path === '/replay').length === 4, '4 deliveries to /replay');
  const cursorOfSecond = receiver.on('/replay')[1].body.data.cursor;
  await client.request(gql`mutation ($e: ID!, $t: ID!, $after: String) { replayWebhookEvents(endpointId: $e, tenantId: $t, after: $after) { id } }`, {
    e: hook.id,
    t,
    after: cursorOfSecond,
  });
  await receiver.until((r) => r.filter((x) => x.path === '/replay').length === 6, '2 replayed deliveries');
  expect(sequencesOf(receiver.on('/replay'))).toEqual([...seqs, seqs[2], seqs[3]]);
}, 60_000);

it('refuses URLs it may not call, with a clear message', async () => {
  const t = await newTenant('Refused');
  const attempt = (url: string) => client.request(REGISTER, { input: { url, tenantIds: [t] } }).then(
    () => 'accepted',
    (e: { response: { errors: Array<{ message: string; extensions: { code: string } }> } }) => `${e.response.errors[0].extensions.code}: ${e.response.errors[0].message}`,
  );
  expect(await attempt('http://example.com/hook')).toMatch(/^BAD_USER_INPUT: url: expected https \(or, in development, http:\/\/localhost/);
  expect(await attempt('ftp://127.0.0.1/x')).toMatch(/^BAD_USER_INPUT: url: expected https/);
  expect(await attempt('not a url')).toMatch(/^BAD_USER_INPUT: url: expected an absolute https URL/);
  const endpoints = await db.dataSource.query(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE $1 = ANY (tenant_ids)`, [t]);
  expect(endpoints[0].n).toBe(0);
});

it('outside development, refuses an endpoint resolving to a private address at registration, and at delivery when DNS changes', async () => {
  // The shared gateway (development) must not deliver these endpoints: only the production-mode worker below does.
  await gw.services.webhooks.delivery.close();
  const t = await newTenant('Rebind');
  const answers: Record<string, string[]> = { 'hooks.example.test': ['93.184.216.34'], 'metadata.example.test': ['169.254.169.254'] };
  const production = new WebhooksService({
    config: { ...gw.services.config, runtime: { ...gw.services.config.runtime, production: true } },
    dataSource: db.dataSource,
    encryptor: gw.services.encryptor,
    cursors: gw.services.events.cursors,
    logger: createLogger({ level: 'silent' }),
    resolve: async (host) => (answers[host] ?? []).map((address) => ({ address, family: 4 })),
  });
  const operator = { kind: 'cli' as const, id: 'test', scopes: new Set(ALL_SCOPES), tenants: 'ALL' as const };
  const refused = (url: string) => production.register(operator, { url, tenantIds: [t] }).then(() => 'accepted', (e: Error) => e.message);
  expect(await refused('https://metadata.example.test/x')).toBe('url: metadata.example.test resolves to 169.254.169.254, a link-local address; webhooks go to public addresses only');
  expect(await refused(`${receiver.url}/x`)).toBe(`url: expected https, got http://${new URL(receiver.url).host}`);
  expect(await refused('https://nowhere.example.test/x')).toBe('url: nowhere.example.test resolves to no address');
  const { endpoint } = await production.register(operator, { url: 'https://hooks.example.test/x', tenantIds: [t] });
  answers['hooks.example.test'] = ['10.1.2.3'];
  const [seq] = await append(t, 1);
  await production.delivery.tick();
  const [attempt] = (await deliveries(endpoint.id)).edges.map((e) => e.node);
  expect(attempt).toMatchObject({
    eventSequence: seq,
    outcome: 'FAILED',
    statusCode: null,
    error: 'refused: url: hooks.example.test resolves to 10.1.2.3, a private address; webhooks go to public addresses only',
  });
  await production.close();
}, 60_000);

it('a limited caller registers for its own tenants only and sees only those endpoints', async () => {
  const [mine, other] = [await newTenant('Mine'), await newTenant('Other')];
  const limited = new GraphQLClient(gw.graphqlUrl, { headers: bearer(await gw.mintKey({ tenantIds: [mine] })) });
  const hook = await register('/limited', [], undefined, limited);
  const listed = await limited.request<{ webhookEndpoints: Array<{ id: string; tenantIds: string[] }> }>(gql`{ webhookEndpoints { id tenantIds } }`);
  expect(listed.webhookEndpoints).toEqual([{ id: hook.id, tenantIds: [mine] }]);
  const refused = await register('/limited', [other], undefined, limited).then(
    () => 'accepted',
    (e: { response: { errors: Array<{ extensions: { code: string } }> } }) => e.response.errors[0].extensions.code,
  );
  expect(refused).toBe('FORBIDDEN');
  const wide = await register('/wide', [mine, other]);
  const notMine = await limited.request(gql`mutation ($id: ID!) { enableWebhookEndpoint(id: $id) { id } }`, { id: wide.id }).then(
    () => 'accepted',
    (e: { response: { errors: Array<{ extensions: { code: string } }> } }) => e.response.errors[0].extensions.code,
  );
  expect(notMine).toBe('NOT_FOUND');
}, 60_000);

it('a gateway stopped after the receiver answered and before the commit re-delivers that event once after restart; nothing is lost', async () => {
  const t = await newTenant('Restart');
  const hook = await register('/restart', [t]);
  const a = await instance(db);
  // The shared gateway stays off this endpoint: only instance a, then b, deliver it.
  await gw.services.webhooks.close();
  const seqs = await append(t, 6);
  let crashed: Promise<void> | undefined;
  a.services.webhooks.delivery.hooks.afterPost = async (event) => {
    if (event.sequence === seqs[2] && !crashed) crashed = a.services.webhooks.delivery.close();
  };
  await receiver.until((r) => r.some((x) => x.path === '/restart' && x.body.data.sequence === seqs[2]), 'the third event before the stop');
  await crashed;
  await a.stop();
  const b = await instance(db);
  try {
    await receiver.until((r) => r.filter((x) => x.path === '/restart').length >= 7, 'every event after the restart');
    await new Promise((r) => setTimeout(r, 300)); // any further (wrong) duplicate would arrive meanwhile
    const got = sequencesOf(receiver.on('/restart'));
    expect(got).toEqual([seqs[0], seqs[1], seqs[2], seqs[2], seqs[3], seqs[4], seqs[5]]);
    await logged(hook.id, 6);
    const log = (await deliveries(hook.id)).edges.map((e) => e.node.eventSequence).reverse();
    expect(log).toEqual(seqs);
  } finally {
    await b.stop();
  }
}, 60_000);

it('two instances deliver each event once between them', async () => {
  const [t1, t2] = [await newTenant('Pair 1'), await newTenant('Pair 2')];
  const paths = ['/pair-a', '/pair-b', '/pair-c'];
  const hooks = await Promise.all(paths.map((p) => register(p, [t1, t2])));
  const [a, b] = [await instance(db), await instance(db)];
  try {
    const s1 = await append(t1, 10);
    const s2 = await append(t2, 10);
    await receiver.until((r) => paths.every((p) => r.filter((x) => x.path === p).length >= 20), '20 deliveries on each of 3 endpoints');
    await new Promise((r) => setTimeout(r, 300));
    for (const path of paths) {
      const got = receiver.on(path);
      expect(got).toHaveLength(20);
      expect(sequencesOf(got.filter((r) => r.body.data.tenantId === t1))).toEqual(s1);
      expect(sequencesOf(got.filter((r) => r.body.data.tenantId === t2))).toEqual(s2);
    }
    for (const hook of hooks) {
      await logged(hook.id, 20);
      expect((await deliveries(hook.id)).edges).toHaveLength(20);
    }
  } finally {
    await a.stop();
    await b.stop();
  }
}, 60_000);
