/**
 * Simulator benchmarks (issue 2):
 * - generation time and memory of the scale preset (100,000 users, 5,000 groups) against a 10,000-user
 *   baseline, each in a fresh child process so the heap figures are its own;
 * - paged listing throughput over HTTPS (objects/s): Graph's default page (100) against $top=999, and
 *   the default properties against a narrow $select, and the initial round of /users/delta. The first page of
 *   each listing includes building the sorted key index the later pages are served from.
 */
import { fork } from 'node:child_process';
import https from 'node:https';
import path from 'node:path';
import { startSimulator } from '../src/simulator/server';
import { mintAccessToken } from '../src/simulator/tokens';
import { table, mib, ms, perSecond, type Benchmark } from './report';

interface GenerationFigures {
  users: number;
  groups: number;
  memberships: number;
  millis: number;
  heapBytes: number;
  rssBytes: number;
}

function generateInChild(users: number, groups: number): Promise<GenerationFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'simulator-generate.worker.js'), [String(users), String(groups)], {
      execArgv: ['--expose-gc'],
    });
    child.once('message', (m) => resolve(m as GenerationFigures));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`generator worker exited with ${code}`)));
  });
}

async function getJson(agent: https.Agent, url: string, token: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`GET ${url} -> ${res.statusCode}: ${body.slice(0, 300)}`));
        else resolve(JSON.parse(body));
      });
    });
    req.on('error', reject);
  });
}

async function listAll(agent: https.Agent, firstUrl: string, token: string) {
  let url: string | undefined = firstUrl;
  let objects = 0;
  let pages = 0;
  const started = performance.now();
  while (url) {
    const page: any = await getJson(agent, url, token);
    objects += page.value.length;
    pages += 1;
    url = page['@odata.nextLink'];
  }
  return { objects, pages, millis: performance.now() - started };
}

export const simulatorBenchmark: Benchmark = {
  name: 'simulator',
  description: 'tenant generation (time, memory) and paged listing throughput of the simulator',
  async run() {
    const gen = [await generateInChild(10_000, 500), await generateInChild(100_000, 5_000)];
    table(
      gen.map((g) => ({
        preset: `scale ${g.users.toLocaleString('en-US')} users`,
        groups: g.groups,
        memberships: g.memberships.toLocaleString('en-US'),
        time: ms(g.millis),
        'heap retained': mib(g.heapBytes),
        'rss after': mib(g.rssBytes),
      })),
    );

    const sim = await startSimulator({
      tenants: [{ preset: 'scale', users: 100_000, groups: 5_000 }],
      apps: [{ displayName: 'Benchmark client', redirectUris: [] }],
      throttlingEnabled: false,
    });
    try {
      const tenant = [...sim.ctx.store.tenants.values()][0];
      const { token } = await mintAccessToken(sim.ctx, {
        tid: tenant.id,
        oid: '00000000-0000-0000-0000-000000000001',
        appid: sim.apps[0].clientId,
        roles: ['User.Read.All', 'GroupMember.Read.All'],
        lifetimeSeconds: 3600,
      });
      const agent = new https.Agent({ ca: sim.caCertPem, keepAlive: true, maxSockets: 1 });
      const base = `${sim.baseUrl}/v1.0/users`;
      const runs = [
        { shape: 'default page (100), default properties', url: base },
        { shape: '$top=999, default properties', url: `${base}?$top=999` },
        { shape: '$top=999, $select=id,displayName', url: `${base}?$top=999&$select=id,displayName` },
        { shape: '/users/delta initial round (200 a page)', url: `${base}/delta` },
      ];
      const rows = [];
      for (const run of runs) {
        const r = await listAll(agent, run.url, token);
        rows.push({ listing: run.shape, objects: r.objects, pages: r.pages, time: ms(r.millis), 'objects/s': perSecond(r.objects, r.millis) });
      }
      table(rows);
      agent.destroy();
    } finally {
      await sim.close();
    }
  },
};
