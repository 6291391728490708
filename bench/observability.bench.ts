/**
 * Observability overhead: the same GraphQL operations through the real gateway with metrics and tracing off
 * (the baseline) and on (metrics recorded, every span exported over OTLP/HTTP by the batch processor to a local
 * sink that reads and discards the body), in alternating blocks of one run so the shared machine's drift hits
 * both sides alike. Two operations: `{ __typename }` (the server path alone: the GraphQL span and the operation
 * metrics) and a live `users(first: 5)` read (plus a Graph request span, traceparent, the Graph metrics). Also
 * the cost of one scrape of /metrics.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setMetricsRecording } from '../src/observability/metrics';
import { startTracing } from '../src/observability/tracing';
import { figure, ms, table, type Benchmark } from './report';
import { gatewayRequest, startGatewayRig, type GatewayRig } from './support/gateway-rig';
import { percentile } from './support/stats';

const BLOCKS = 8;
const SIDES = ['off', 'metrics', 'tracing', 'both'] as const;
type Side = (typeof SIDES)[number];
const PER_BLOCK = 100;
const CONCURRENCY = 4;

interface Operation {
  name: string;
  run(rig: GatewayRig): Promise<void>;
}

const OPERATIONS: Operation[] = [
  {
    name: '{ __typename }',
    async run(rig) {
      await gatewayRequest(rig, `query Ping { __typename }`);
    },
  },
  {
    name: 'users(first: 5, source: LIVE)',
    async run(rig) {
      const data = await gatewayRequest<{ tenant: { users: { edges: unknown[] } } }>(
        rig,
        `query Users($id: ID!) { tenant(id: $id) { users(first: 5, source: LIVE) { edges { node { id } } } } }`,
        { id: rig.tenantId },
      );
      if (data.tenant.users.edges.length !== 5) throw new Error(`expected 5 users, got ${data.tenant.users.edges.length}`);
    },
  },
];

/** An OTLP/HTTP receiver that reads every export and answers 200 (what a collector does, minus the work). */
async function startSink(): Promise<{ url: string; exports: number; bytes: number; close(): Promise<void> }> {
  const sink = { url: '', exports: 0, bytes: 0, close: (): Promise<void> => Promise.resolve() };
  const server: Server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (sink.bytes += chunk.length));
    req.on('end', () => {
      sink.exports += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}

/** PER_BLOCK operations, CONCURRENCY at a time; each one's latency in ms, and the block's wall time. */
async function block(rig: GatewayRig, op: Operation): Promise<{ times: number[]; wallMs: number }> {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < PER_BLOCK) {
        next += 1;
        const t = performance.now();
        await op.run(rig);
        times.push(performance.now() - t);
      }
    }),
  );
  return { times, wallMs: performance.now() - started };
}

export const observabilityBenchmark: Benchmark = {
  name: 'observability',
  description: `metrics and/or OTLP tracing on vs both off: GraphQL latency and throughput (${BLOCKS} rotating blocks of ${PER_BLOCK} per side, concurrency ${CONCURRENCY}), and one /metrics scrape`,
  async run() {
    const rig = await startGatewayRig();
    const sink = await startSink();
    try {
      const rows: Record<string, string | number>[] = [];
      for (const op of OPERATIONS) {
        for (let i = 0; i < 20; i++) await op.run(rig); // warm: connections, token, JIT
        const samples = Object.fromEntries(SIDES.map((side) => [side, { times: [] as number[], wallMs: 0 }])) as Record<Side, { times: number[]; wallMs: number }>;
        for (let b = 0; b < BLOCKS; b++) {
          // Rotated each block, so no side always runs first or last.
          for (const side of [...SIDES.slice(b % SIDES.length), ...SIDES.slice(0, b % SIDES.length)]) {
            setMetricsRecording(side === 'metrics' || side === 'both');
            const tracing = side === 'tracing' || side === 'both' ? startTracing({ serviceName: 'entra-gateway-bench', tracesUrl: sink.url }) : null;
            const result = await block(rig, op);
            // Shutdown flushes what the batch processor still holds: its export is part of the cost.
            await tracing?.shutdown();
            samples[side].times.push(...result.times);
            samples[side].wallMs += result.wallMs;
          }
        }
        const summary = (side: Side) => {
          const sorted = [...samples[side].times].sort((a, b) => a - b);
          return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), rps: (sorted.length / samples[side].wallMs) * 1000 };
        };
        const off = summary('off');
        for (const side of SIDES) {
          const s = summary(side);
          rows.push({ operation: op.name, observability: side, p50: ms(s.p50), p95: ms(s.p95), 'req/s': Math.round(s.rps), 'p50 vs off': `${((s.p50 / off.p50 - 1) * 100).toFixed(1)}%`, 'req/s vs off': `${((s.rps / off.rps - 1) * 100).toFixed(1)}%` });
        }
        const on = summary('both');
        const key = op.name.startsWith('{') ? 'typename' : 'live-users';
        figure({ bench: 'observability', figure: `${key}-p50-metrics-and-tracing`, value: on.p50, unit: 'ms', baseline: off.p50, baselineName: 'metrics and tracing off' });
        figure({ bench: 'observability', figure: `${key}-throughput-metrics-and-tracing`, size: CONCURRENCY, value: on.rps, unit: 'req/s', baseline: off.rps, baselineName: 'metrics and tracing off' });
      }
      table(rows);
      console.log(`spans exported: ${sink.exports} OTLP requests, ${(sink.bytes / 1024).toFixed(0)} KiB`);

      setMetricsRecording(true);
      const scrapes: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t = performance.now();
        const res = await fetch(rig.graphqlUrl.replace(/\/graphql$/, '/metrics'));
        const text = await res.text();
        if (res.status !== 200 || !text.includes('entra_gateway_graphql_operations_total')) throw new Error(`/metrics answered ${res.status}`);
        scrapes.push(performance.now() - t);
      }
      scrapes.sort((a, b) => a - b);
      console.log(`one /metrics scrape: p50 ${ms(percentile(scrapes, 50))}`);
      figure({ bench: 'observability', figure: 'metrics-scrape-p50', value: percentile(scrapes, 50), unit: 'ms' });
    } finally {
      await sink.close();
      await rig.stop();
    }
  },
};
