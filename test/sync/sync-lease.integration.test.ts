/**
 * One round per tenant at a time (issue 9, item 5): the scheduler of one engine ("process A") and repeated
 * syncNow on that engine and on a second one ("process B") all at once, with every Graph request slowed by
 * the simulator, while a user is renamed again and again. Proven from inside the rounds: at every page the
 * tenant's lease carries the running round's own token (no second round ran meanwhile), every commit starts
 * from exactly the deltaLinks the previous commit stored (no stale commit), and the renames arrive as one
 * unbroken chain of USER_UPDATED events (no flip-flop back to an older name).
 */
import { createLogger } from '../../src/logging';
import { SyncEngine, type RoundResult, type SyncHooks } from '../../src/sync/sync-engine';
import { SyncScheduler } from '../../src/sync/sync-scheduler';
import { startDirectoryBench, VERAFIELD, type DirectoryBench } from '../directory/directory-fixtures';

const SIM_TENANT = VERAFIELD.tenantId;
const RENAMED = VERAFIELD.users.salesRep.id;
const logger = createLogger({ level: 'silent' });
let bench: DirectoryBench;
let tenantId: string;

const q = <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => bench.gw.database.dataSource.query(sql, params);

interface Commit {
  roundId: string;
  links: Record<'from' | 'stored' | 'next', { users: string | null; groups: string | null }>;
}

beforeAll(async () => {
  bench = await startDirectoryBench();
  tenantId = bench.tenantId;
}, 60_000);

afterAll(async () => {
  await bench?.sim.control.setFaults({ latencyMs: 0 });
  await bench?.stop();
});

it('scheduler and repeated syncNow in two engines with slow rounds: never two rounds at once, never a stale commit', async () => {
  const violations: string[] = [];
  const commits: Commit[] = [];
  const hooks: SyncHooks = {
    afterPage: async ({ roundId }) => {
      const [state] = await q(`SELECT lease_token FROM sync_state WHERE tenant_id = $1`, [tenantId]);
      if (state.lease_token !== roundId) violations.push(`round ${roundId} read a page while the lease carried ${state.lease_token}`);
    },
    beforeCommit: ({ roundId, links }) => {
      commits.push({ roundId, links });
    },
  };
  const engine = (owner: string) =>
    // SYNC_COMPLETED after every round (heartbeat 0), so that each commit leaves one to count below.
    new SyncEngine({ dataSource: bench.gw.database.dataSource, clientFor: (t) => bench.gw.services.directory.client(t), access: bench.gw.services.access, logger, owner, hooks, completedHeartbeatSeconds: 0 });
  const a = engine('process-a');
  const b = engine('process-b');
  const initial = await a.runRound(tenantId);
  expect(initial).toMatchObject({ ran: true, mode: 'INITIAL' });
  await q(`DELETE FROM directory_events WHERE tenant_id = $1`, [tenantId]);

  // Slow rounds, a 1 s interval and a fast scheduler: plenty of chances to overlap.
  await bench.sim.control.setFaults({ latencyMs: 60 });
  await q(`UPDATE tenants SET sync_interval_seconds = 1 WHERE id = $1`, [tenantId]);
  await q(`UPDATE sync_state SET next_run_at = now() WHERE tenant_id = $1`, [tenantId]);
  const scheduler = new SyncScheduler({ engine: a, dataSource: bench.gw.database.dataSource, logger, tickMs: 50 });
  scheduler.start();

  const results: RoundResult[] = [];
  const failures: unknown[] = [];
  let stop = false;
  const hammer = async (e: SyncEngine) => {
    while (!stop) {
      await e.runRound(tenantId).then((r) => results.push(r), (err: unknown) => failures.push(err));
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  };
  const hammers = [hammer(a), hammer(b), hammer(a)];
  const names: string[] = [];
  for (let i = 1; i <= 12; i++) {
    names.push(`Renamed ${i}`);
    await bench.sim.control.updateUser(SIM_TENANT, RENAMED, { displayName: `Renamed ${i}` });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  stop = true;
  await Promise.all(hammers);
  await scheduler.stop();
  await bench.sim.control.setFaults({ latencyMs: 0 });
  // The last rename, if no round caught it yet.
  await b.runRound(tenantId);

  expect(failures).toEqual([]);
  expect(violations).toEqual([]);
  const ran = results.filter((r) => r.ran).length;
  const held = results.filter((r) => !r.ran && r.reason === 'LEASE_HELD').length;
  expect(ran).toBeGreaterThanOrEqual(3);
  // The contention was real: syncNow often found a round running (here or in the other engine).
  expect(held).toBeGreaterThan(ran);

  // Every commit continued from exactly what the previous one stored.
  expect(commits.length).toBeGreaterThanOrEqual(ran);
  for (const [i, c] of commits.entries()) {
    expect(c.links.stored).toEqual(c.links.from);
    if (i > 0) expect(c.links.stored).toEqual(commits[i - 1].links.next);
  }

  // The renames as one unbroken chain, in order, each once.
  const updates = await q(`SELECT payload FROM directory_events WHERE tenant_id = $1 AND type = 'USER_UPDATED' AND subject_id = $2 ORDER BY sequence`, [tenantId, RENAMED]);
  const chain = updates.map((u) => [u.payload.before.displayName, u.payload.after.displayName]);
  expect(chain.length).toBeGreaterThanOrEqual(3);
  for (let i = 1; i < chain.length; i++) expect(chain[i][0]).toBe(chain[i - 1][1]);
  const order = (name: string) => names.indexOf(name);
  for (const [, after] of chain) expect(order(after)).toBeGreaterThanOrEqual(0);
  for (let i = 1; i < chain.length; i++) expect(order(chain[i][1])).toBeGreaterThan(order(chain[i - 1][1]));
  expect(chain.at(-1)![1]).toBe(names.at(-1));
  const syncCompleted = await q(`SELECT count(*)::int AS n FROM directory_events WHERE tenant_id = $1 AND type = 'SYNC_COMPLETED'`, [tenantId]);
  // Every commit after the initial one (whose events were cleared) wrote one SYNC_COMPLETED.
  expect(syncCompleted[0].n).toBe(commits.length - 1);
}, 120_000);

it('a failed round retries after min(back-off, interval)', async () => {
  await q(`UPDATE tenants SET sync_interval_seconds = 2 WHERE id = $1`, [tenantId]);
  const failing = new SyncEngine({
    dataSource: bench.gw.database.dataSource,
    clientFor: (t) => bench.gw.services.directory.client(t),
    access: bench.gw.services.access,
    logger,
    hooks: {
      afterPage: () => {
        throw new Error('simulated failure');
      },
    },
  });
  await expect(failing.runRound(tenantId)).rejects.toThrow('simulated failure');
  const [state] = await q(`SELECT extract(epoch FROM next_run_at - last_error_at)::float8 AS delay, consecutive_failures FROM sync_state WHERE tenant_id = $1`, [tenantId]);
  // The back-off would be 30 s; the tenant's interval is 2 s (with +-10% jitter).
  expect(state.consecutive_failures).toBe(1);
  expect(state.delay).toBeLessThanOrEqual(3);
  await q(`UPDATE sync_state SET consecutive_failures = 0 WHERE tenant_id = $1`, [tenantId]);
});

it("a throttled round retries no sooner than Graph's Retry-After, even when the interval is shorter", async () => {
  await q(`UPDATE tenants SET sync_interval_seconds = 1 WHERE id = $1`, [tenantId]);
  // More 429s than the Graph client's five attempts, each saying "wait 3 s".
  await bench.sim.control.setFaults({ throttleNextRequests: 10, retryAfterSeconds: 3 });
  try {
    const engine = new SyncEngine({ dataSource: bench.gw.database.dataSource, clientFor: (t) => bench.gw.services.directory.client(t), access: bench.gw.services.access, logger });
    await expect(engine.runRound(tenantId)).rejects.toMatchObject({ name: 'GraphThrottledError', retryAfterMs: 3000 });
  } finally {
    await bench.sim.control.setFaults({ throttleNextRequests: 0 });
  }
  const [state] = await q(`SELECT extract(epoch FROM next_run_at - last_error_at)::float8 AS delay FROM sync_state WHERE tenant_id = $1`, [tenantId]);
  expect(state.delay).toBeGreaterThanOrEqual(2.9);
  expect(state.delay).toBeLessThanOrEqual(4);
}, 60_000);
