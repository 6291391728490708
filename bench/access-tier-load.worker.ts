/**
 * The load process of the access-tier benchmark, forked by bench/access-tier.bench.ts so that the load is not
 * generated inside the process it measures. It receives a LoadJob over IPC (bench/support/load-protocol.ts),
 * warms up, waits for `go`, sends `total` requests in rotation over keep-alive connections with `concurrency`
 * in flight (stopping early at timeLimitMs), checks every answer, and reports throughput and latency percentiles.
 * It exits by itself after reporting, and whenever its parent goes away.
 */
import http from 'node:http';
import https from 'node:https';
import type { LoadJob, LoadRequest, ParentMessage } from './support/load-protocol';
import { nextMessage, runAsWorker, send, summarize } from './support/load-worker';

type Outcome = { ok: true } | { ok: false; why: string };

function makeClient(job: LoadJob) {
  const url = new URL(job.origin);
  if (url.hostname !== '127.0.0.1') throw new Error(`load target must be on 127.0.0.1, got ${url.hostname}`);
  const secure = url.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: job.concurrency, maxFreeSockets: job.concurrency };
  const agent = secure ? new https.Agent({ ...agentOptions, ca: job.ca }) : new http.Agent(agentOptions);
  const request = secure ? https.request : http.request;

  function exchange(req: LoadRequest): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...job.headers };
      if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
      const outgoing = request(
        { host: url.hostname, port: url.port, path: req.path, method: job.method, headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      outgoing.setTimeout(job.requestTimeoutMs, () => outgoing.destroy(new Error(`no answer within ${job.requestTimeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.end(req.body);
    });
  }

  async function one(req: LoadRequest): Promise<Outcome> {
    let answer: { status: number; text: string };
    try {
      answer = await exchange(req);
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
    switch (job.check) {
      case 'graphql-access-tier': {
        if (body.errors) return { ok: false, why: `GraphQL errors: ${JSON.stringify(body.errors).slice(0, 160)}` };
        const decision = body.data?.accessTier;
        if (!decision) return { ok: false, why: 'no data.accessTier' };
        const got: string | null = decision.tier?.name ?? null;
        if (req.expectTier !== undefined && got !== req.expectTier) return { ok: false, why: `wrong tier: expected ${req.expectTier}, got ${got}` };
        if (req.expectSource !== undefined && decision.source !== req.expectSource) return { ok: false, why: `wrong source: expected ${req.expectSource}, got ${decision.source}` };
        return { ok: true };
      }
      case 'graphql-typename':
        if (body.errors) return { ok: false, why: `GraphQL errors: ${JSON.stringify(body.errors).slice(0, 160)}` };
        return body.data?.__typename === 'Query' ? { ok: true } : { ok: false, why: `expected data.__typename Query, got ${JSON.stringify(body.data)}` };
      case 'graph-collection':
        return Array.isArray(body.value) ? { ok: true } : { ok: false, why: 'no value array' };
      case 'graph-batch': {
        const responses: Array<{ status: number }> | undefined = body.responses;
        if (!Array.isArray(responses)) return { ok: false, why: 'no responses array' };
        const bad = responses.find((r) => r.status !== 200);
        return bad ? { ok: false, why: `sub-request answered ${bad.status}` } : { ok: true };
      }
    }
  }

  return { one, close: () => agent.destroy() };
}

/** `count` requests from `offset` in rotation, `concurrency` at a time, until done or the deadline. */
async function drive(job: LoadJob, client: ReturnType<typeof makeClient>, count: number, offset: number, deadline: number) {
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
      const req = job.requests[(offset + issued++) % job.requests.length];
      const started = performance.now();
      const outcome = await client.one(req);
      latencies.push(performance.now() - started);
      if (!outcome.ok) {
        errors += 1;
        if (samples.size < 3) samples.add(outcome.why);
      }
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(job.concurrency, count) }, lane));
  return { latencies, errors, samples: [...samples], wallMs: performance.now() - started, timedOut };
}

async function main(): Promise<void> {
  const job = await nextMessage<ParentMessage>();
  if (job.type !== 'job') throw new Error(`expected a job first, got ${job.type}`);
  const client = makeClient(job);
  try {
    const warm = await drive(job, client, job.warmup, 0, performance.now() + job.timeLimitMs);
    if (warm.errors > 0) throw new Error(`${job.label}: ${warm.errors} of ${warm.latencies.length} warm-up requests failed: ${warm.samples.join('; ')}`);
    await send({ type: 'ready' });
    const go = await nextMessage<ParentMessage>();
    if (go.type !== 'go') throw new Error(`expected go, got ${go.type}`);
    const run = await drive(job, client, job.total, job.warmup, performance.now() + job.timeLimitMs);
    await send({ type: 'result', result: summarize(job.label, job.concurrency, run) });
  } finally {
    client.close();
  }
}

runAsWorker('access-tier-load.worker', 'bench/access-tier.bench.ts', main);
