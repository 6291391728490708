/**
 * A notification endpoint for the simulator's tests: a real HTTP server on 127.0.0.1 that answers Graph's
 * validation request as told (echo, a wrong token, an error status, silence) and records every notification
 * POST. `failNext` makes the next deliveries fail with 503, to exercise the simulator's retries.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Waiters } from '../support/waiters';

export type ValidationMode = 'echo' | 'wrong-token' | 'status-500' | 'json';

export interface Received {
  path: string;
  body: { value: Array<Record<string, any>> };
  answeredWith: number;
}

export interface Receiver {
  url: string;
  validationMode: ValidationMode;
  failNext: number;
  validations: string[];
  received: Received[];
  /** Resolves once `predicate` holds over the received POSTs (checked on every arrival). */
  until(predicate: (r: Received[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const waiters = new Waiters();
  const receiver: Receiver = {
    url: '',
    validationMode: 'echo',
    failNext: 0,
    validations: [],
    received: [],
    until(predicate, what, timeoutMs = 15_000) {
      return waiters.until(() => predicate(receiver.received), timeoutMs, () => `receiver: expected ${what} within ${timeoutMs} ms; got ${receiver.received.length} POST(s)`);
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver.invalid');
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        receiver.validations.push(token);
        const mode = receiver.validationMode;
        if (mode === 'status-500') res.writeHead(500).end();
        else if (mode === 'json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(token));
        else res.writeHead(200, { 'content-type': 'text/plain' }).end(mode === 'echo' ? token : `${token}x`);
        return;
      }
      const status = receiver.failNext > 0 ? 503 : 202;
      if (receiver.failNext > 0) receiver.failNext -= 1;
      receiver.received.push({ path: url.pathname, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'), answeredWith: status });
      res.writeHead(status).end();
      waiters.changed();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.keepAliveTimeout = 1;
  return receiver;
}
