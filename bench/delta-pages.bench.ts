/**
 * Delta page cost in the simulator and the Graph transport's per-request cost (issue 9).
 *
 * 1. groups/delta and users/delta: the time of a page (a whole first round divided by its pages) at 10k, 25k,
 *    50k and 100k users (scale preset, groups = users / 20; DELTA_PAGES_SIZES=10000,25000 for a quicker run),
 *    straight to the simulator over HTTPS from this process (the simulator runs in a child, one per size), and
 *    the simulator's own CPU per page (its process's CPU time over the round), which the machine's load skews
 *    less than wall time.
 *    Baselines in the same run: the 10k tenant (a page should cost what it carries, not what the tenant holds:
 *    goal 100k within 1.3x of 10k), and for Prefer: odata.maxpagesize=500 (what the gateway now asks) the default
 *    page (200 objects, 100 member entries) of the same tenant.
 * 2. Transport: sequential small requests to the simulator with the CA trusted the old way (an https.Agent
 *    with `ca: [...tls.rootCertificates, caPem]`, which Node turns into a ~216 KB pool name on every request)
 *    against the new one (AgentPool: one TLS secure context per CA), interleaved: requests/s and this
 *    process's CPU per request.
 */
import { fork, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { AgentPool } from '../src/graph';
import { sendHttp } from '../src/graph/transport';
import { figure, ms, table, type Benchmark } from './report';

const SIZES = (process.env.DELTA_PAGES_SIZES ?? '10000,25000,50000,100000').split(',').map(Number);
/** Stop a round after this many pages (a quicker, sampled run: ids are random, so early pages are typical). */
const MAX_PAGES = Number(process.env.DELTA_PAGES_MAX_PAGES ?? Infinity);
const TRANSPORT_REQUESTS = Number(process.env.DELTA_PAGES_TRANSPORT_REQUESTS ?? 2000);
const BENCH = 'delta-pages';

interface RunningSim {
  baseUrl: string;
  caCertPem: string;
  token: string;
  memberships: number;
  child: ChildProcess;
}

function startSimChild(users: number): Promise<RunningSim> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'delta-pages-sim.worker.js'), [String(users), String(Math.max(1, Math.round(users / 20)))], {
      execArgv: ['--max-old-space-size=4096'],
    });
    child.once('message', (m) => resolve({ ...(m as Omit<RunningSim, 'child'>), child }));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`simulator worker exited with ${code}`)));
  });
}

/** The simulator child's CPU time so far (µs). */
function simCpu(sim: RunningSim): Promise<number> {
  return new Promise((resolve) => {
    sim.child.once('message', (m) => resolve((m as { cpuMicros: number }).cpuMicros));
    sim.child.send('cpu');
  });
}

function stopSimChild(sim: RunningSim): Promise<void> {
  return new Promise((resolve) => {
    sim.child.once('exit', () => resolve());
    sim.child.disconnect();
  });
}

interface RoundFigures {
  pages: number;
  objects: number;
  entries: number;
  millis: number;
  perPage: number;
  /** The simulator's CPU per page (ms). */
  simCpuPerPage: number;
}

/** One full delta round, the same headers on every page; the time of each page is its request to its answer. */
async function deltaRound(agent: https.Agent, sim: RunningSim, first: string, prefer?: string): Promise<RoundFigures> {
  const headers: Record<string, string> = { authorization: `Bearer ${sim.token}`, ...(prefer && { prefer }) };
  let url: string | undefined = `${sim.baseUrl}/v1.0${first}`;
  let pages = 0;
  let objects = 0;
  let entries = 0;
  const cpuBefore = await simCpu(sim);
  const started = performance.now();
  while (url) {
    const answer = await sendHttp({ method: 'GET', url, headers, agent, signal: AbortSignal.timeout(60_000) });
    if (answer.status !== 200) throw new Error(`GET ${url} -> ${answer.status}: ${answer.text.slice(0, 300)}`);
    const body = JSON.parse(answer.text) as { value: { 'members@delta'?: unknown[] }[]; '@odata.nextLink'?: string };
    pages += 1;
    objects += body.value.length;
    for (const item of body.value) entries += item['members@delta']?.length ?? 0;
    url = pages < MAX_PAGES ? body['@odata.nextLink'] : undefined;
  }
  const millis = performance.now() - started;
  const simCpuMicros = (await simCpu(sim)) - cpuBefore;
  return { pages, objects, entries, millis, perPage: millis / pages, simCpuPerPage: simCpuMicros / 1000 / pages };
}

interface TransportFigures {
  requests: number;
  millis: number;
  cpuMicros: number;
}

/** `count` sequential GETs through `agent`; wall time and this process's CPU (user + system). */
async function requests(agent: https.Agent, sim: RunningSim, count: number): Promise<TransportFigures> {
  const url = `${sim.baseUrl}/v1.0/users?$top=1&$select=id`;
  const headers = { authorization: `Bearer ${sim.token}` };
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const answer = await sendHttp({ method: 'GET', url, headers, agent, signal: AbortSignal.timeout(30_000) });
    if (answer.status !== 200) throw new Error(`GET ${url} -> ${answer.status}`);
  }
  const used = process.cpuUsage(cpu);
  return { requests: count, millis: performance.now() - started, cpuMicros: used.user + used.system };
}

async function transport(sim: RunningSim, size: number): Promise<void> {
  const oldAgent = new https.Agent({ keepAlive: true, maxSockets: 32, ca: [...tls.rootCertificates, sim.caCertPem] });
  const pool = new AgentPool();
  const newAgent = pool.agentFor(sim.baseUrl, sim.caCertPem) as https.Agent;
  const total = { old: { requests: 0, millis: 0, cpuMicros: 0 }, new: { requests: 0, millis: 0, cpuMicros: 0 } };
  const add = (into: TransportFigures, r: TransportFigures) => {
    into.requests += r.requests;
    into.millis += r.millis;
    into.cpuMicros += r.cpuMicros;
  };
  try {
    // Warm both (connection, JIT), then alternate blocks so drift from the machine's load hits both alike.
    await requests(oldAgent, sim, 50);
    await requests(newAgent, sim, 50);
    const block = Math.max(1, Math.floor(TRANSPORT_REQUESTS / 8));
    for (let done = 0; done < TRANSPORT_REQUESTS; done += block) {
      add(total.old, await requests(oldAgent, sim, block));
      add(total.new, await requests(newAgent, sim, block));
    }
  } finally {
    oldAgent.destroy();
    pool.destroy();
  }
  const rate = (t: TransportFigures) => (t.requests / t.millis) * 1000;
  const cpu = (t: TransportFigures) => t.cpuMicros / 1000 / t.requests;
  table([
    { agent: 'old: ca [roots + CA] (per-request pool name)', requests: total.old.requests, 'requests/s': rate(total.old).toFixed(0), 'CPU/request': `${cpu(total.old).toFixed(3)} ms` },
    { agent: 'new: one secure context per CA', requests: total.new.requests, 'requests/s': rate(total.new).toFixed(0), 'CPU/request': `${cpu(total.new).toFixed(3)} ms` },
  ]);
  figure({ bench: BENCH, figure: 'transport-requests-per-second', size, value: rate(total.new), unit: 'req/s', baseline: rate(total.old), baselineName: 'agent with ca list (old)' });
  figure({ bench: BENCH, figure: 'transport-cpu-per-request', size, value: cpu(total.new), unit: 'ms', baseline: cpu(total.old), baselineName: 'agent with ca list (old)' });
}

export const deltaPagesBenchmark: Benchmark = {
  name: 'delta-pages',
  description: 'simulator delta page cost by tenant size (groups/delta, users/delta, odata.maxpagesize) and the Graph transport per request',
  async run() {
    const rows: Record<string, string | number>[] = [];
    const first = new Map<string, RoundFigures>();
    for (const [i, users] of SIZES.entries()) {
      const sim = await startSimChild(users);
      const pool = new AgentPool({ maxSockets: 1 });
      const agent = pool.agentFor(sim.baseUrl, sim.caCertPem) as https.Agent;
      try {
        if (i === 0) await transport(sim, users);
        const runs = {
          'users/delta': await deltaRound(agent, sim, '/users/delta'),
          'groups/delta': await deltaRound(agent, sim, '/groups/delta'),
          'groups/delta maxpagesize=500': await deltaRound(agent, sim, '/groups/delta', 'odata.maxpagesize=500'),
        };
        for (const [name, r] of Object.entries(runs)) {
          rows.push({ users, round: name, pages: r.pages, objects: r.objects, 'member entries': r.entries, time: ms(r.millis), 'ms/page': r.perPage.toFixed(2), 'sim CPU ms/page': r.simCpuPerPage.toFixed(2) });
          if (!first.has(name)) first.set(name, r);
        }
        const key = (name: string) => name.replace(/[^a-z]+/g, '-').replace(/-+$/, '');
        for (const [name, r] of Object.entries(runs)) {
          figure({ bench: BENCH, figure: `${key(name)}-page`, size: users, value: r.perPage, unit: 'ms', baseline: first.get(name)!.perPage, baselineName: `${SIZES[0]} users` });
          figure({ bench: BENCH, figure: `${key(name)}-page-sim-cpu`, size: users, value: r.simCpuPerPage, unit: 'ms', baseline: first.get(name)!.simCpuPerPage, baselineName: `${SIZES[0]} users` });
        }
        const dflt = runs['groups/delta'];
        const max = runs['groups/delta maxpagesize=500'];
        figure({ bench: BENCH, figure: 'groups-delta-round-pages', size: users, value: max.pages, unit: 'pages', baseline: dflt.pages, baselineName: 'default page (no Prefer)' });
        figure({ bench: BENCH, figure: 'groups-delta-round', size: users, value: max.millis / 1000, unit: 's', baseline: dflt.millis / 1000, baselineName: 'default page (no Prefer)' });
      } finally {
        pool.destroy();
        await stopSimChild(sim);
      }
    }
    table(rows);
  },
};
