/**
 * Tier changes from mapping edits, and the quiet event log (issue 13), on a synthetic tenant synced into the
 * snapshot (TIER_BENCH_USERS, default 10,000 users, groups = users/20) through the real gateway services, embedded
 * PostgreSQL and the simulator.
 *
 * - A mapping change that moves every user of the tenant's largest group (ACCESS_TIER_CHANGED for each, written in
 *   the change's transaction) against the baseline of the same mapping change repeated (same locks, reads and
 *   writes, nobody moves, no event).
 * - Quiet rounds: SYNC_COMPLETED rows written by 12 rounds that change nothing, with the default hourly heartbeat
 *   against SYNC_COMPLETED_HEARTBEAT_SECONDS=0 (one per round, the behaviour before), and their time.
 */
import { createLogger } from '../src/logging';
import { SyncEngine } from '../src/sync/sync-engine';
import { figure, ms, table, type Benchmark } from './report';
import { startGatewayRig } from './support/gateway-rig';
import { connectScaleTenant } from './sync.bench';

const USERS = Number(process.env.TIER_BENCH_USERS ?? 10_000);
const QUIET_ROUNDS = Number(process.env.TIER_BENCH_QUIET ?? 12);
const REPEATS = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export const tierChangesBenchmark: Benchmark = {
  name: 'tier-changes',
  description: `a mapping change moving a ${USERS.toLocaleString('en-US')}-user tenant's largest group (events in its transaction) against the same change moving nobody; SYNC_COMPLETED rows of ${QUIET_ROUNDS} quiet rounds with and without the hourly heartbeat`,
  async run() {
    const rig = await startGatewayRig();
    try {
      const summary = await rig.sim.control.createTenant({ preset: 'scale', users: USERS, groups: Math.max(1, Math.round(USERS / 20)), seed: 13 });
      const tenantId = await connectScaleTenant(rig, summary.tenantId, USERS);
      const initial = await rig.services.sync.engine.runRound(tenantId);
      if (!initial.ran) throw new Error(`initial round did not run: ${initial.reason}`);

      // The group reaching the most users (through nesting too), from the snapshot.
      const [largest] = await rig.dataSource.query(
        `SELECT group_id, count(*)::int AS users FROM snapshot_effective WHERE tenant_id = $1 GROUP BY group_id ORDER BY count(*) DESC, group_id LIMIT 1`,
        [tenantId],
      );
      const access = rig.services.access;
      const a = await access.defineTier({ name: 'Bench A', rank: 1010, description: null });
      const b = await access.defineTier({ name: 'Bench B', rank: 1020, description: null });
      const map = async (tierId: string) => {
        const started = performance.now();
        const result = await access.setMapping({ tenantId, groupId: largest.group_id, groupDisplayName: 'largest', tierId, createdBy: 'bench' });
        return { millis: performance.now() - started, moved: result.tierChanges[0].usersChanged };
      };
      // The first change right after the first load (the planner's statistics may still describe empty tables).
      const first = await map(a.id);
      const moving: Array<{ millis: number; moved: number }> = [];
      const still: Array<{ millis: number; moved: number }> = [];
      for (let i = 0; i < REPEATS; i++) {
        moving.push(await map(i % 2 === 0 ? b.id : a.id));
        still.push(await map(i % 2 === 0 ? b.id : a.id));
      }
      const moved = moving[0].moved;
      if (moving.some((m) => m.moved !== moved) || still.some((s) => s.moved !== 0)) throw new Error(`expected ${moved} users moved each time and none on repeats: ${JSON.stringify({ moving, still })}`);

      // Quiet rounds: the default heartbeat (an hour) against one SYNC_COMPLETED per round.
      const quiet = async (heartbeat: number) => {
        const engine = new SyncEngine({ dataSource: rig.dataSource, clientFor: (t) => rig.services.directory.client(t), access, logger: createLogger({ level: 'silent' }), completedHeartbeatSeconds: heartbeat });
        const [before] = await rig.dataSource.query(`SELECT count(*)::int AS n FROM directory_events WHERE tenant_id = $1 AND type = 'SYNC_COMPLETED'`, [tenantId]);
        const times: number[] = [];
        for (let i = 0; i < QUIET_ROUNDS; i++) {
          const started = performance.now();
          const round = await engine.runRound(tenantId);
          if (!round.ran || round.events !== 0) throw new Error(`expected a quiet round, got ${JSON.stringify(round)}`);
          times.push(performance.now() - started);
        }
        const [after] = await rig.dataSource.query(`SELECT count(*)::int AS n FROM directory_events WHERE tenant_id = $1 AND type = 'SYNC_COMPLETED'`, [tenantId]);
        return { rows: after.n - before.n, millis: median(times) };
      };
      const everyRound = await quiet(0);
      const hourly = await quiet(3600);

      table([
        { measure: `first mapping change after the load, moving ${first.moved.toLocaleString('en-US')} users`, value: ms(first.millis), baseline: '', 'baseline is': '' },
        { measure: `mapping change moving ${moved.toLocaleString('en-US')} users (median of ${REPEATS})`, value: ms(median(moving.map((m) => m.millis))), baseline: ms(median(still.map((s) => s.millis))), 'baseline is': 'the same change repeated (nobody moves)' },
        { measure: `SYNC_COMPLETED rows, ${QUIET_ROUNDS} quiet rounds`, value: hourly.rows, baseline: everyRound.rows, 'baseline is': 'heartbeat 0 (one per round)' },
        { measure: 'quiet round time (median)', value: ms(hourly.millis), baseline: ms(everyRound.millis), 'baseline is': 'heartbeat 0' },
      ]);
      console.log(`The largest group reaches ${largest.users.toLocaleString('en-US')} users of ${USERS.toLocaleString('en-US')}; times on a shared machine: compare with the same-run baseline only.`);
      figure({ bench: 'tier-changes', figure: 'mapping-change-moving-group', size: moved, value: median(moving.map((m) => m.millis)), unit: 'ms', baseline: median(still.map((s) => s.millis)), baselineName: 'same change, nobody moves' });
      figure({ bench: 'tier-changes', figure: 'first-mapping-change-after-load', size: first.moved, value: first.millis, unit: 'ms', baseline: median(moving.map((m) => m.millis)), baselineName: 'later changes moving the group' });
      figure({ bench: 'tier-changes', figure: 'sync-completed-rows-quiet-rounds', size: QUIET_ROUNDS, value: hourly.rows, unit: 'rows', baseline: everyRound.rows, baselineName: 'heartbeat 0' });
      figure({ bench: 'tier-changes', figure: 'quiet-round', size: USERS, value: hourly.millis, unit: 'ms', baseline: everyRound.millis, baselineName: 'heartbeat 0' });
    } finally {
      await rig.stop();
    }
  },
};
