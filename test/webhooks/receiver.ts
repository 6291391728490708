/** A real local HTTP receiver for webhook tests: records every POST (headers, raw body) and answers as told. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Waiters } from '../support/waiters';

export interface Received {
  path: string;
  headers: Record<string, string>;
  rawBody: string;
  body: { type: string; timestamp: string; data: { sequence: string; cursor: string; tenantId: string; subjectId: string | null; payload: Record<string, unknown> } };
  answeredWith: number;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** The status for the next POST to `path`; 200 when it returns undefined. */
  answer: (path: string, count: number) => number | undefined;
  /** Milliseconds to wait before answering the POST (0 when it returns undefined). */
  delay: (path: string, count: number) => number | undefined;
  on(path: string): Received[];
  until(predicate: (r: Received[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const waiters = new Waiters();
  const counts = new Map<string, number>();
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    answer: () => undefined,
    delay: () => undefined,
    on: (path) => receiver.received.filter((r) => r.path === path),
    until(predicate, what, timeoutMs = 20_000) {
      return waiters.until(() => predicate(receiver.received), timeoutMs, () => `webhook receiver: expected ${what} within ${timeoutMs} ms; got ${receiver.received.length} POST(s): ${receiver.received.map((r) => `${r.path}#${r.headers['webhook-id']}:${r.answeredWith}`).join(', ')}`);
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
      const path = new URL(req.url ?? '/', 'http://receiver.invalid').pathname;
      const count = (counts.get(path) ?? 0) + 1;
      counts.set(path, count);
      const status = receiver.answer(path, count) ?? 200;
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const wait = receiver.delay(path, count) ?? 0;
      setTimeout(() => {
        receiver.received.push({ path, headers: req.headers as Record<string, string>, rawBody, body: JSON.parse(rawBody), answeredWith: status });
        if (!res.destroyed) res.writeHead(status).end();
        waiters.changed();
      }, wait);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
