/**
 * Webhook delivery: events appended in one transaction reach a local HTTP receiver through the gateway's delivery
 * worker (read by cursor, signed, POSTed one at a time in order, each recorded with the cursor in its own
 * transaction). Baseline, same run: the same number of signed POSTs sent straight to the same receiver, one at a
 * time over one kept-alive connection (the transport alone, no database). Also the latency from COMMIT to arrival
 * of single events: the worker wakes on the events' NOTIFY; WEBHOOK_POLL_MS (the fallback) is its baseline.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config';
import { CLI_OPERATOR } from '../src/core/auth/principal';
import { createDataSource, runMigrations } from '../src/db/data-source';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { appendEvents } from '../src/events/event-log';
import { DirectoryEventType } from '../src/events/event.types';
import { createLogger } from '../src/logging';
import { createServices } from '../src/server/services';
import { Tenant } from '../src/tenants/tenant.entity';
import { postPinned } from '../src/webhooks/http-post';
import { generateSecret, signatureHeader } from '../src/webhooks/signing';
import { type Benchmark, figure, ms, perSecond, table } from './report';
import { freePort } from './support/gateway-rig';
import { percentile } from './support/stats';

const EVENTS = 1000;
const SINGLES = 20;
const POLL_MS = 1000;

export const webhooksBenchmark: Benchmark = {
  name: 'webhooks',
  description: `${EVENTS} events through the webhook worker to a local receiver vs the same signed POSTs sent directly; commit-to-arrival latency`,
  async run() {
    const pgDir = await mkdtemp(join(tmpdir(), 'entra-gateway-bench-webhooks-pg-'));
    const pg = await startEmbeddedPostgres({ dataDir: pgDir, port: await freePort(), database: 'bench' });
    let arrivals: number[] = [];
    let onArrival: (() => void) | null = null;
    const receiver = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        arrivals.push(performance.now());
        res.writeHead(204).end();
        onArrival?.();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const until = (count: number) =>
      new Promise<void>((resolve) => {
        onArrival = () => arrivals.length >= count && resolve();
        onArrival();
      });
    const dataSource = createDataSource(pg.url, { poolSize: 10 });
    try {
      await dataSource.initialize();
      await runMigrations(dataSource);
      const config = loadConfig({
        NODE_ENV: 'development',
        LOG_LEVEL: 'silent',
        SIMULATOR: 'off',
        SYNC_ENABLED: 'false',
        DATABASE_URL: pg.url,
        ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
        WEBHOOK_POLL_MS: String(POLL_MS),
      });
      const services = await createServices({ config, dataSource, logger: createLogger({ level: 'silent' }) });
      try {
        const tenants = dataSource.getRepository(Tenant);
        const tenant = await tenants.save(
          tenants.create({ displayName: 'Bench', entraTenantId: null, cloud: 'global', authMode: 'APPLICATION', status: 'ACTIVE', grantedScopes: [], features: [], syncIntervalSeconds: 900 }),
        );
        const events = (from: number, count: number) =>
          Array.from({ length: count }, (_, i) => ({ tenantId: tenant.id, type: DirectoryEventType.USER_UPDATED, subjectId: `u${from + i}`, payload: { n: from + i, displayName: 'Some User' } }));

        // Baseline: the transport alone.
        const secret = generateSecret();
        const target = new URL(url);
        const body = JSON.stringify({ type: 'USER_UPDATED', timestamp: new Date().toISOString(), data: { payload: { n: 1, displayName: 'Some User' } } });
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 }); // as the worker: one connection per round
        const directStart = performance.now();
        for (let i = 0; i < EVENTS; i++) {
          const ts = Math.floor(Date.now() / 1000);
          await postPinned(target, { address: '127.0.0.1', family: 4 }, { 'webhook-id': `evt_${i}`, 'webhook-timestamp': String(ts), 'webhook-signature': signatureHeader([secret], `evt_${i}`, ts, body) }, body, 10_000, undefined, agent);
        }
        agent.destroy();
        const directMs = performance.now() - directStart;

        // Through the worker.
        await services.webhooks.register(CLI_OPERATOR, { url, tenantIds: [tenant.id] });
        arrivals = [];
        const committed = performance.now();
        await appendEvents(dataSource.manager, events(1, EVENTS));
        await until(EVENTS);
        const workerMs = arrivals[EVENTS - 1] - committed;

        // Commit-to-arrival of single events, spaced so each is the only one pending.
        const latencies: number[] = [];
        for (let i = 0; i < SINGLES; i++) {
          arrivals = [];
          const at = performance.now();
          await appendEvents(dataSource.manager, events(EVENTS + 1 + i, 1));
          await until(1);
          latencies.push(arrivals[0] - at);
          await new Promise((r) => setTimeout(r, 37));
        }
        latencies.sort((a, b) => a - b);

        table([
          { path: 'direct signed POSTs (baseline)', count: EVENTS, total: ms(directMs), 'per second': perSecond(EVENTS, directMs) },
          { path: 'webhook worker (read, sign, POST, record)', count: EVENTS, total: ms(workerMs), 'per second': perSecond(EVENTS, workerMs) },
        ]);
        console.log(`single event, COMMIT to arrival (WEBHOOK_POLL_MS=${POLL_MS}): p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, max ${ms(latencies[latencies.length - 1])}`);
        figure({ bench: 'webhooks', figure: 'delivered events per second', size: EVENTS, value: (EVENTS / workerMs) * 1000, unit: 'events/s', baseline: (EVENTS / directMs) * 1000, baselineName: 'direct signed POSTs per second' });
        figure({ bench: 'webhooks', figure: 'commit to arrival p50', value: percentile(latencies, 50), unit: 'ms', baseline: POLL_MS, baselineName: 'WEBHOOK_POLL_MS' });
      } finally {
        await services.webhooks.close();
        await services.events.close();
        await services.apiKeys.close();
        services.tokens?.close();
      }
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      receiver.close();
      await pg.stop();
      await rm(pgDir, { recursive: true, force: true });
    }
  },
};
