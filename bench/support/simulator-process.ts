/**
 * The simulator in a process of its own, for benchmarks that measure the gateway against it: Microsoft Graph
 * never shares a CPU thread (or a heap) with the gateway, so a simulator in the benchmark's process would add
 * the gateway's JavaScript to every page's serving time and its heap to the gateway's RSS. The child
 * (bench/simulator-process.worker.ts) answers HTTPS like the in-process one (control API included, through
 * `control`), the inspector's reads over IPC, and its own CPU time.
 *
 * Protocol (fork IPC; secrets such as app secrets travel here, not on the command line):
 * parent -> child: { type: 'start', options }, then { type: 'call', id, method, args };
 * child -> parent: { type: 'ready', ... } once listening, { type: 'answer', id, value | error }, or
 * { type: 'failed', message }. The child stops when the parent disconnects.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { RegisteredApp } from '../../src/simulator/context';
import { SimulatorControl } from '../../src/simulator/control/client';
import type { StartSimulatorOptions } from '../../src/simulator/server';
import type { SimulatorInspector } from './simulator-inspector';

export type SimulatorProcessOptions = Pick<StartSimulatorOptions, 'tenants' | 'apps' | 'throttlingEnabled'>;

export type InspectorCall = { [M in keyof SimulatorInspector]: { method: M; args: Parameters<SimulatorInspector[M]> } }[keyof SimulatorInspector] | { method: 'cpuMicros'; args: [] };

export type ToSimulator = { type: 'start'; options: SimulatorProcessOptions } | ({ type: 'call'; id: number } & InspectorCall);

export type FromSimulator =
  | { type: 'ready'; baseUrl: string; caCertPem: string; controlKey: string; apps: RegisteredApp[] }
  | { type: 'answer'; id: number; value?: unknown; error?: string }
  | { type: 'failed'; message: string };

export interface SimulatorProcess extends SimulatorInspector {
  baseUrl: string;
  caCertPem: string;
  controlKey: string;
  apps: RegisteredApp[];
  control: SimulatorControl;
  /** The child's CPU time so far (user + system, µs): what serving the gateway's requests cost the simulator. */
  cpuMicros(): Promise<number>;
  /** Ends the child (its directory with it). */
  close(): Promise<void>;
}

export function startSimulatorProcess(options: SimulatorProcessOptions, execArgv: string[] = ['--max-old-space-size=8192']): Promise<SimulatorProcess> {
  const child: ChildProcess = fork(join(__dirname, '..', 'simulator-process.worker.js'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let exited: Error | undefined;
  const call = (request: InspectorCall): Promise<never> =>
    new Promise((resolve, reject) => {
      if (exited) return reject(exited);
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ type: 'call', id, ...request } satisfies ToSimulator, (err) => {
        if (err) {
          waiting.delete(id);
          reject(err);
        }
      });
    });
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      exited = new Error(`simulator process exited (${signal ?? code})`);
      reject(exited);
      for (const w of waiting.values()) w.reject(exited);
      waiting.clear();
    });
    child.once('error', reject);
    child.on('message', (raw) => {
      const message = raw as FromSimulator;
      if (message.type === 'failed') reject(new Error(`simulator process failed: ${message.message}`));
      else if (message.type === 'answer') {
        const w = waiting.get(message.id);
        waiting.delete(message.id);
        if (message.error !== undefined) w?.reject(new Error(message.error));
        else w?.resolve(message.value);
      } else {
        const control = new SimulatorControl({ baseUrl: message.baseUrl, key: message.controlKey, ca: message.caCertPem });
        resolve({
          baseUrl: message.baseUrl,
          caCertPem: message.caCertPem,
          controlKey: message.controlKey,
          apps: message.apps,
          control,
          firstUser: (...args) => call({ method: 'firstUser', args }),
          idsAt: (...args) => call({ method: 'idsAt', args }),
          directMembers: (...args) => call({ method: 'directMembers', args }),
          cpuMicros: () => call({ method: 'cpuMicros', args: [] }),
          close: () =>
            new Promise<void>((done) => {
              control.close();
              if (exited) return done();
              child.once('exit', () => done());
              child.disconnect();
            }),
        });
      }
    });
    child.send({ type: 'start', options } satisfies ToSimulator);
  });
}
