/**
 * Child process for the delta-pages benchmark: runs the simulator with one scale tenant (users, groups from argv)
 * and reports its URL, CA and an access token, so the parent's CPU figures are the client's alone; answers
 * 'cpu' with its own CPU time (µs, user + system), so the parent can charge the simulator's work to a round.
 * Stops when the parent disconnects.
 */
import { startSimulator } from '../src/simulator/server';
import { mintAccessToken } from '../src/simulator/tokens';

async function main(): Promise<void> {
  const [users, groups] = process.argv.slice(2).map(Number);
  const sim = await startSimulator({
    tenants: [{ preset: 'scale', users, groups }],
    apps: [{ displayName: 'Benchmark client', redirectUris: [] }],
    throttlingEnabled: false,
  });
  const tenant = [...sim.ctx.store.tenants.values()][0];
  const { token } = await mintAccessToken(sim.ctx, {
    tid: tenant.id,
    oid: '00000000-0000-0000-0000-000000000001',
    appid: sim.apps[0].clientId,
    roles: ['User.Read.All', 'GroupMember.Read.All'],
    lifetimeSeconds: 3600,
  });
  let memberships = 0;
  for (const members of tenant.members.values()) memberships += members.size;
  process.send!({ baseUrl: sim.baseUrl, caCertPem: sim.caCertPem, token, memberships });
  process.on('message', (m) => {
    if (m === 'cpu') {
      const used = process.cpuUsage();
      process.send!({ cpuMicros: used.user + used.system });
    }
  });
  process.once('disconnect', () => {
    void sim.close().then(() => process.exit(0));
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
