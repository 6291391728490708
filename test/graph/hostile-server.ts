/**
 * A tiny plain-HTTP server that answers like a broken or hostile Graph: each test scripts the answers. Used
 * only where the simulator, being faithful, cannot misbehave (foreign nextLinks, malformed bodies). It records
 * what the client sent, so tests can prove what did or did not leave the client.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON (content-type application/json unless headers say otherwise). */
  body?: unknown;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HostileServer {
  baseUrl: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startHostileServer(answer: (req: SeenRequest, server: { baseUrl: string }) => ScriptedAnswer): Promise<HostileServer> {
  const seen: SeenRequest[] = [];
  const self = { baseUrl: '' };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(request);
      const scripted = answer(request, self);
      const isText = typeof scripted.body === 'string';
      res.writeHead(scripted.status, { 'content-type': isText ? 'text/plain' : 'application/json', ...scripted.headers });
      res.end(scripted.body === undefined ? undefined : isText ? (scripted.body as string) : JSON.stringify(scripted.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: self.baseUrl,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
