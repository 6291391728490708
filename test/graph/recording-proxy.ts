/**
 * A plain-HTTP pass-through to the simulator that records every answer as it left the simulator (status,
 * headers, body), so a test can compare what the client reports with what was actually on the wire.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedExchange {
  method: string;
  url: string;
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RecordingProxy {
  baseUrl: string;
  exchanges: RecordedExchange[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: { baseUrl: string; caCertPem: string }): Promise<RecordingProxy> {
  const exchanges: RecordedExchange[] = [];
  const upstream = new URL(target.baseUrl);
  const agent = new https.Agent({ keepAlive: true, ca: target.caCertPem });
  const server = http.createServer((req, res) => {
    const sent: Buffer[] = [];
    req.on('data', (c: Buffer) => sent.push(c));
    req.on('end', () => {
      const forward = https.request(new URL(req.url ?? '/', upstream), { method: req.method, headers: { ...req.headers, host: upstream.host }, agent }, (answer) => {
        const received: Buffer[] = [];
        answer.on('data', (c: Buffer) => received.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(received);
          exchanges.push({ method: req.method ?? '', url: req.url ?? '', status: answer.statusCode ?? 0, headers: answer.headers, body: body.toString('utf8') });
          const { 'transfer-encoding': _te, connection: _c, 'keep-alive': _ka, ...headers } = answer.headers;
          res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': String(body.length) });
          res.end(body);
        });
      });
      forward.on('error', () => res.destroy());
      forward.end(Buffer.concat(sent));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
