/**
 * The worker side of the load protocol (load-protocol.ts) shared by the load processes: IPC send/receive, the
 * summary of a measured run, and the entry point that reports a failure to the parent before exiting.
 */
import type { LoadResult, WorkerMessage } from './load-protocol';
import { percentile } from './stats';

/** Resolves once the message is handed to the IPC channel, so disconnecting right after loses nothing. */
export function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, undefined, {}, (err) => (err ? reject(err) : resolve())));
}

export function nextMessage<T>(): Promise<T> {
  return new Promise((resolve) => process.once('message', (m) => resolve(m as T)));
}

/** What a worker's request loop measured. */
export interface MeasuredRun {
  latencies: number[];
  errors: number;
  samples: string[];
  wallMs: number;
  timedOut: boolean;
}

export function summarize(label: string, concurrency: number, run: MeasuredRun): LoadResult {
  const sorted = [...run.latencies].sort((a, b) => a - b);
  return {
    label,
    concurrency,
    completed: sorted.length,
    errors: run.errors,
    errorSamples: run.samples,
    wallMs: run.wallMs,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    timedOut: run.timedOut,
  };
}

/** Runs `main` in a process forked by `parent`; a failure reaches the parent as { type: 'failed' }. */
export function runAsWorker(name: string, parent: string, main: () => Promise<void>): void {
  if (!process.send) {
    console.error(`${name}: run me through child_process.fork (${parent})`);
    process.exit(2);
  }
  // The parent went away (or we are done): nothing more to do; the exit code says how the run went.
  process.once('disconnect', () => process.exit());
  main().then(
    () => process.disconnect(),
    async (err: unknown) => {
      process.exitCode = 1;
      await send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }).catch(() => undefined);
      process.disconnect();
    },
  );
}
