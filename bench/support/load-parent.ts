/**
 * The benchmark's side of a load process (bench/support/load-protocol.ts): fork the worker, send the job, let it
 * warm up, run `beforeGo` (counters reset) and start the measured part, and take its result. The process is killed
 * if it outlives `deadlineMs`.
 */
import { fork } from 'node:child_process';
import type { LoadResult, WorkerMessage } from './load-protocol';

export function runLoadProcess<Job extends { label: string; concurrency: number }>(
  workerFile: string,
  job: Job,
  beforeGo: () => Promise<void>,
  deadlineMs: number,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(workerFile, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    const finish = (err: Error | null, result?: LoadResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (err) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(err);
      } else resolve(result!);
    };
    const deadline = setTimeout(() => finish(new Error(`${job.label} (concurrency ${job.concurrency}): load process still running after ${deadlineMs} ms; killed`)), deadlineMs);
    const post = (message: Job | { type: 'go' }) => child.send(message, (err) => err && finish(err));
    child.on('message', (raw) => {
      const message = raw as WorkerMessage;
      if (message.type === 'ready') beforeGo().then(() => post({ type: 'go' }), (err: Error) => finish(err));
      else if (message.type === 'result') finish(null, message.result);
      else finish(new Error(`${job.label} (concurrency ${job.concurrency}): load process failed: ${message.message}`));
    });
    child.once('error', (err) => finish(err));
    child.once('exit', (code, signal) => finish(new Error(`${job.label}: load process exited (${signal ?? code}) before reporting`)));
    post(job);
  });
}
