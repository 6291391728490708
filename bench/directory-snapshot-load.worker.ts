/**
 * The load process of the directory-snapshot benchmark (forked by bench/directory-snapshot.bench.ts, so the
 * load is not generated inside the measured process). Protocol as bench/support/load-protocol.ts: a job over
 * IPC, warm-up, `ready`, `go`, then `total` GraphQL POSTs with `concurrency` in flight over keep-alive
 * connections; every answer is checked (no errors, data.tenant.users with the expected source and page size,
 * or data.__typename for the trivial baseline), and latency percentiles are reported.
 */
import http from 'node:http';
import { nextMessage, runAsWorker, send, summarize } from './support/load-worker';

export interface SnapshotLoadJob {
  type: 'job';
  label: string;
  /** http://127.0.0.1:port/graphql */
  url: string;
  apiKey: string;
  body: string;
  /** Expected data.tenant.users.source and edge count; null for the { __typename } baseline. */
  expect: { source: 'LIVE' | 'SNAPSHOT'; edges: number } | null;
  total: number;
  concurrency: number;
  warmup: number;
  timeLimitMs: number;
  requestTimeoutMs: number;
}

export type SnapshotParentMessage = SnapshotLoadJob | { type: 'go' };

type Outcome = { ok: true } | { ok: false; why: string };

function makeClient(job: SnapshotLoadJob) {
  const url = new URL(job.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`load target must be on 127.0.0.1, got ${url.hostname}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency, maxFreeSockets: job.concurrency });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${job.apiKey}`, 'content-length': Buffer.byteLength(job.body) };

  function exchange(): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const outgoing = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      outgoing.setTimeout(job.requestTimeoutMs, () => outgoing.destroy(new Error(`no answer within ${job.requestTimeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.end(job.body);
    });
  }

  async function one(): Promise<Outcome> {
    let answer: { status: number; text: string };
    try {
      answer = await exchange();
    } catch (err) {
      return { ok: false, why: `network: ${(err as Error).message}` };
    }
    if (answer.status !== 200) return { ok: false, why: `HTTP ${answer.status}: ${answer.text.slice(0, 160)}` };
    let body: any;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return { ok: false, why: `not JSON: ${answer.text.slice(0, 80)}` };
    }
    if (body.errors) return { ok: false, why: `GraphQL errors: ${JSON.stringify(body.errors).slice(0, 160)}` };
    if (job.expect === null) return body.data?.__typename === 'Query' ? { ok: true } : { ok: false, why: 'no data.__typename' };
    const users = body.data?.tenant?.users;
    if (!users) return { ok: false, why: 'no data.tenant.users' };
    if (users.source !== job.expect.source) return { ok: false, why: `answered from ${users.source}, expected ${job.expect.source}` };
    if (users.edges?.length !== job.expect.edges) return { ok: false, why: `${users.edges?.length} users, expected ${job.expect.edges}` };
    return { ok: true };
  }

  return { one, close: () => agent.destroy() };
}

async function drive(client: ReturnType<typeof makeClient>, concurrency: number, count: number, deadline: number) {
  const latencies: number[] = [];
  const samples = new Set<string>();
  let issued = 0;
  let errors = 0;
  let timedOut = false;
  async function lane(): Promise<void> {
    while (issued < count) {
      if (performance.now() >= deadline) {
        timedOut = true;
        return;
      }
      issued++;
      const started = performance.now();
      const outcome = await client.one();
      latencies.push(performance.now() - started);
      if (!outcome.ok) {
        errors += 1;
        if (samples.size < 3) samples.add(outcome.why);
      }
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { latencies, errors, samples: [...samples], wallMs: performance.now() - started, timedOut };
}

async function main(): Promise<void> {
  const job = await nextMessage<SnapshotParentMessage>();
  if (job.type !== 'job') throw new Error(`expected a job first, got ${job.type}`);
  const client = makeClient(job);
  try {
    const warm = await drive(client, job.concurrency, job.warmup, performance.now() + job.timeLimitMs);
    if (warm.errors > 0) throw new Error(`${job.label}: ${warm.errors} of ${warm.latencies.length} warm-up requests failed: ${warm.samples.join('; ')}`);
    await send({ type: 'ready' });
    const go = await nextMessage<SnapshotParentMessage>();
    if (go.type !== 'go') throw new Error(`expected go, got ${go.type}`);
    const run = await drive(client, job.concurrency, job.total, performance.now() + job.timeLimitMs);
    await send({ type: 'result', result: summarize(job.label, job.concurrency, run) });
  } finally {
    client.close();
  }
}

runAsWorker('directory-snapshot-load.worker', 'bench/directory-snapshot.bench.ts', main);
