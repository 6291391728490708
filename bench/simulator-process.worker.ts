/**
 * The simulator in a process of its own (bench/support/simulator-process.ts is the parent's side and the
 * protocol): starts it with the options sent, reports where it listens, answers the inspector's reads and its
 * CPU time, and stops when the parent disconnects.
 */
import { startSimulator } from '../src/simulator/server';
import { storeInspector } from './support/simulator-inspector';
import type { FromSimulator, ToSimulator } from './support/simulator-process';

const send = (message: FromSimulator) => process.send!(message);

async function main(): Promise<void> {
  if (!process.send) throw new Error('simulator-process.worker: run me through bench/support/simulator-process.ts (child_process.fork)');
  const start = await new Promise<Extract<ToSimulator, { type: 'start' }>>((resolve) => process.once('message', (m) => resolve(m as Extract<ToSimulator, { type: 'start' }>)));
  const sim = await startSimulator(start.options);
  const inspector = storeInspector(sim.ctx.store);
  process.on('message', (raw) => {
    const m = raw as ToSimulator;
    if (m.type !== 'call') return;
    const answer = async (): Promise<unknown> => {
      if (m.method === 'cpuMicros') {
        const used = process.cpuUsage();
        return used.user + used.system;
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (inspector[m.method] as (...args: any[]) => Promise<unknown>)(...m.args);
    };
    answer().then(
      (value) => send({ type: 'answer', id: m.id, value }),
      (error: unknown) => send({ type: 'answer', id: m.id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.once('disconnect', () => {
    sim.control.close();
    void sim.close().then(() => process.exit(0));
  });
  send({ type: 'ready', baseUrl: sim.baseUrl, caCertPem: sim.caCertPem, controlKey: sim.controlKey, apps: sim.apps });
}

main().catch((err: unknown) => {
  if (process.send) send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  console.error(err);
  process.exit(1);
});
