/**
 * Event delivery latency: from COMMIT of the transaction that appended an event to its arrival at each of
 * 1,000 graphql-ws subscribers spread over two gateway instances (in one process) that share one PostgreSQL
 * (embedded, as on a fresh machine). The baseline is the same delivery by polling `events` every N ms.
 * Latency is measured in this process with one clock: the client side runs here too.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../src/config';
import { createDataSource, runMigrations } from '../src/db/data-source';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { appendEvents } from '../src/events/event-log';
import { DirectoryEventType } from '../src/events/event.types';
import { createLogger } from '../src/logging';
import { ALL_SCOPES, CLI_OPERATOR } from '../src/core/auth/principal';
import { createGateway, type Gateway } from '../src/server/gateway';
import { createServices, type GatewayServices } from '../src/server/services';
import { Tenant } from '../src/tenants/tenant.entity';
import { type Benchmark, ms, table } from './report';
import { freePort } from './support/gateway-rig';
import { percentile } from './support/stats';

const SUBSCRIBERS = 1000;
const EVENTS = 40;
const POLLERS = 200;
const POLL_INTERVALS_MS = [250, 1000];
const POLL_EVENTS = 10;

interface Instance {
  gateway: Gateway;
  services: GatewayServices;
  stop(): Promise<void>;
}

async function startInstance(databaseUrl: string, encryptionKeys: string): Promise<Instance> {
  const config = loadConfig({
    NODE_ENV: 'development',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    SIMULATOR: 'off',
    SYNC_ENABLED: 'false',
    DATABASE_URL: databaseUrl,
    ENCRYPTION_KEYS: encryptionKeys,
    // Enough room for a burst to 1,000 subscribers without ending any of them.
    EVENT_SUBSCRIBER_QUEUE_LIMIT: '1000',
  });
  const logger = createLogger({ level: 'silent' });
  const dataSource = createDataSource(databaseUrl, { poolSize: 10 });
  await dataSource.initialize();
  const services = await createServices({ config, dataSource, logger });
  const gateway = await createGateway(config, { dataSource, logger, services });
  await gateway.start();
  return { gateway, services, stop: () => gateway.stop() };
}

function waitForLive(instances: Instance[], count: number): Promise<void> {
  let live = 0;
  return new Promise((resolve) => {
    const offs = instances.map((instance) =>
      instance.services.events.onLive(() => {
        live += 1;
        if (live === count) {
          offs.forEach((off) => off());
          resolve();
        }
      }),
    );
  });
}

function summary(name: string, samples: number[], extra: Record<string, string | number> = {}): Record<string, string | number> {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    delivery: name,
    samples: sorted.length,
    p50: ms(percentile(sorted, 50)),
    p99: ms(percentile(sorted, 99)),
    max: ms(sorted[sorted.length - 1] ?? Number.NaN),
    ...extra,
  };
}

async function run(): Promise<void> {
  const pgDir = await mkdtemp(join(tmpdir(), 'entra-gateway-bench-events-pg-'));
  const pg = await startEmbeddedPostgres({ dataDir: pgDir, port: await freePort(), database: 'bench' });
  const clients: Client[] = [];
  const instances: Instance[] = [];
  try {
    const setup = createDataSource(pg.url, { poolSize: 4 });
    await setup.initialize();
    await runMigrations(setup);
    const tenant = await setup.getRepository(Tenant).save({
      displayName: 'Bench events',
      entraTenantId: null,
      cloud: 'custom',
      authMode: 'APPLICATION',
      status: 'ACTIVE',
      grantedScopes: [],
      features: [],
      syncIntervalSeconds: 300,
    });
    const keys = `1:${randomBytes(32).toString('base64')}`;
    instances.push(await startInstance(pg.url, keys), await startInstance(pg.url, keys));
    const { key } = await instances[0].services.apiKeys.create({ name: 'bench', scopes: ALL_SCOPES, tenantIds: null }, CLI_OPERATOR);

    // Commit one event; returns the clock reading taken just before COMMIT.
    let n = 0;
    const commitOne = async (): Promise<{ n: number; committedAt: number }> => {
      const runner = setup.createQueryRunner();
      await runner.connect();
      try {
        await runner.startTransaction();
        const current = ++n;
        await appendEvents(runner.manager, [{ tenantId: tenant.id, type: DirectoryEventType.USER_UPDATED, subjectId: `user-${current}`, payload: { n: current } }]);
        const committedAt = performance.now();
        await runner.commitTransaction();
        return { n: current, committedAt };
      } finally {
        await runner.release();
      }
    };

    // --- Subscriptions: 1,000 clients, half on each instance, each its own WebSocket.
    const arrivals = new Map<number, number[]>();
    let expected: { n: number; remaining: number; done: () => void } | null = null;
    const live = waitForLive(instances, SUBSCRIBERS);
    for (let i = 0; i < SUBSCRIBERS; i += 1) {
      const instance = instances[i % 2];
      const client = createClient({ url: instance.gateway.graphqlUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${key}` } });
      clients.push(client);
      client.subscribe<{ directoryEvents: { payload: { n: number } } }>(
        { query: 'subscription($t: ID!) { directoryEvents(tenantId: $t) { sequence payload } }', variables: { t: tenant.id } },
        {
          next: (result) => {
            const at = performance.now();
            const got = result.data?.directoryEvents.payload.n;
            if (got === undefined) throw new Error(`subscriber got no event: ${JSON.stringify(result.errors)}`);
            arrivals.get(got)!.push(at);
            if (expected && expected.n === got && --expected.remaining === 0) expected.done();
          },
          error: (err) => console.error('subscription failed', err),
          complete: () => undefined,
        },
      );
    }
    const subscribeStart = performance.now();
    await live;
    const subscribeMs = performance.now() - subscribeStart;

    const latencies: number[] = [];
    const perEventSpread: number[] = [];
    for (let i = 0; i < EVENTS; i += 1) {
      const next = n + 1;
      arrivals.set(next, []);
      const all = new Promise<void>((resolve) => (expected = { n: next, remaining: SUBSCRIBERS, done: resolve }));
      const { committedAt } = await commitOne();
      await all;
      const times = arrivals.get(next)!;
      latencies.push(...times.map((at) => Math.max(0, at - committedAt)));
      perEventSpread.push(Math.max(...times) - committedAt);
    }
    expected = null;
    const rows = [
      summary('subscription (LISTEN/NOTIFY)', latencies, {
        subscribers: `${SUBSCRIBERS} over 2 instances`,
        'last subscriber p50': ms(percentile([...perEventSpread].sort((a, b) => a - b), 50)),
        'requests per event': 0,
      }),
    ];
    await Promise.all(clients.map((client) => client.dispose()));

    // --- Baseline: pollers asking `events` every N ms over HTTP, half on each instance.
    for (const interval of POLL_INTERVALS_MS) {
      const seen = new Map<number, number[]>();
      let requests = 0;
      let stop = false;
      const target = n + POLL_EVENTS;
      const pollers = Array.from({ length: POLLERS }, async (_, i) => {
        const url = instances[i % 2].gateway.graphqlUrl;
        let after: string | null = null;
        // First poll: position at the end of the log, as a running poller would be.
        const poll = async () => {
          requests += 1;
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({
              query: 'query($t: ID!, $a: String) { events(tenantId: $t, after: $a, first: 100) { edges { node { payload } } pageInfo { endCursor } } }',
              variables: { t: tenant.id, a: after },
            }),
          });
          const body = (await res.json()) as { data: { events: { edges: Array<{ node: { payload: { n: number } } }>; pageInfo: { endCursor: string | null } } } };
          const at = performance.now();
          for (const edge of body.data.events.edges) {
            const got = edge.node.payload.n;
            if (!seen.has(got)) seen.set(got, []);
            seen.get(got)!.push(at);
          }
          after = body.data.events.pageInfo.endCursor;
        };
        await poll();
        // Spread the pollers' phases over the interval, as independent backends would be.
        await new Promise((resolve) => setTimeout(resolve, (interval * i) / POLLERS));
        while (!stop) {
          const started = performance.now();
          await poll();
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, interval - (performance.now() - started))));
        }
      });
      const committed = new Map<number, number>();
      requests = 0;
      while (n < target) {
        const { n: current, committedAt } = await commitOne();
        committed.set(current, committedAt);
        // Events a little apart, so each is a separate poll's news.
        await new Promise((resolve) => setTimeout(resolve, interval * 1.5));
      }
      // Let every poller see the last event.
      while ((seen.get(target)?.length ?? 0) < POLLERS) await new Promise((resolve) => setTimeout(resolve, 20));
      stop = true;
      await Promise.all(pollers);
      const samples: number[] = [];
      for (const [event, committedAt] of committed) {
        // Before its first poll a poller positioned itself after older events: only events after that count.
        for (const at of seen.get(event) ?? []) samples.push(Math.max(0, at - committedAt));
      }
      rows.push(
        summary(`polling every ${interval} ms`, samples, {
          subscribers: `${POLLERS} pollers over 2 instances`,
          'last subscriber p50': '',
          'requests per event': Math.round(requests / POLL_EVENTS),
        }),
      );
    }
    await setup.destroy();
    table(rows);
    console.log(`\n${SUBSCRIBERS} subscriptions went live in ${ms(subscribeMs)}; ${EVENTS} events, each awaited by every subscriber before the next commit.`);
    console.log('Latency: from just before COMMIT to the client callback, one clock (clients run in this process).');
  } finally {
    await Promise.all(clients.map((client) => Promise.resolve(client.dispose()).catch(() => undefined)));
    for (const instance of instances.reverse()) await instance.stop().catch(() => undefined);
    await pg.stop();
    await rm(pgDir, { recursive: true, force: true });
  }
}

export const eventsBenchmark: Benchmark = {
  name: 'events',
  description: `event delivery latency to ${SUBSCRIBERS} subscribers over two gateway instances on one database, against polling`,
  run,
};
